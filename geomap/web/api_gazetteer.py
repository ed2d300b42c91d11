"""The gazetteer under ``/api/gazetteer``: place look-ups, divisions, basemap labels."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.datastructures import MultiDict

from geomap.aggregate import parse_zoom
from geomap.errors import ValidationError
from geomap.incident import parse_country
from geomap.query import parse_admin1, parse_query
from geomap.services import basemap, divisions
from geomap.web.api import bp, cached, single_value
from geomap.web.state import app_state

GAZETTEER_MAX_AGE = 3600
MAX_SEARCH_LENGTH = 300


@bp.get("/gazetteer/search")
def gazetteer_search():
    """The gazetteer answer (DESIGN.md) for ``q``, with an optional ``country`` hint."""
    text, country = parse_search(request.args)
    answer = app_state().gazetteer.resolve(text, country=country)
    return cached(jsonify(answer), GAZETTEER_MAX_AGE)


@bp.get("/gazetteer/divisions")
def gazetteer_divisions():
    """First-level divisions (ISO 3166-2) of ``country`` (codes, any number), for a picker;
    with ``q``, those the text names or starts (at most 20) and the codes it names."""
    countries = parse_query({"country": request.args.getlist("country")}).countries
    text = parse_division_text(request.args)
    found = divisions.list_divisions(app_state().divisions(), countries, text)
    return cached(jsonify(found), GAZETTEER_MAX_AGE)


@bp.get("/gazetteer/labels")
def gazetteer_labels():
    """Place names for the offline basemap in ``bbox`` at ``zoom``, large places first."""
    query = parse_query({"bbox": request.args.getlist("bbox")})
    if query.bbox is None:
        raise ValidationError("bbox", "is required: minlon,minlat,maxlon,maxlat of the view")
    zoom = parse_zoom(single_value(request.args.getlist("zoom"), "zoom"))
    labels = basemap.get_labels(app_state().gazetteer, query.bbox, zoom)
    return cached(jsonify(labels), GAZETTEER_MAX_AGE)


def parse_division_text(args: MultiDict) -> str | None:
    """The division picker's typed text (``q``), checked as an admin1 value, or None."""
    text = single_value(args.getlist("q"), "q")
    return None if text is None else parse_admin1(text, "q")


def parse_search(args: MultiDict) -> tuple[str, str | None]:
    """(query text, country code or None) of a gazetteer search."""
    text = (single_value(args.getlist("q"), "q") or "").strip()
    if not text:
        raise ValidationError("q", "is required: the place name to look up")
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationError("q", f"is {len(text):,} characters; the limit is {MAX_SEARCH_LENGTH}")
    if any(ord(char) < 32 or char == "\x7f" for char in text):
        raise ValidationError("q", "contains a control character (such as NUL); give a place name")
    country = (single_value(args.getlist("country"), "country") or "").strip()
    return text, parse_country(country, "country") if country else None
