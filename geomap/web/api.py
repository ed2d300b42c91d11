"""The HTTP API under ``/api``: layers, their features, incidents, the gazetteer.

Every view parses its input (raising ValidationError naming the parameter), calls a
service (incidents are read through ``geomap.services.incidents``, as the OGC API and the
exports read them) or the gazetteer, and responds; errors become JSON in
``geomap.web.errors``. This module adds only the parameters, links and media types.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, abort, jsonify, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from geomap.aggregate import parse_interval, parse_zoom
from geomap.errors import NotFoundError, ValidationError
from geomap.incident import parse_country, parse_feature
from geomap.query import IncidentQuery, parse_admin1, parse_query
from geomap.services import basemap, density, divisions, history, incidents, review
from geomap.services.accounts import may_see, visible_query
from geomap.services.duplicates import find_duplicates
from geomap.services.export import export_query
from geomap.services.incidents import Page
from geomap.web.auth import check, current_user, drafts_public, require
from geomap.web.downloads import download_response, parse_format
from geomap.web.state import app_state

bp = Blueprint("api", __name__, url_prefix="/api")

SITES = "sites"
SITE_PROPERTIES = ("name", "feature", "country", "admin1", "gazetteer_id", "source")
GEOJSON = "application/geo+json"
PAGE_MAX_AGE = 30
SITES_MAX_AGE = 3600
GAZETTEER_MAX_AGE = 3600
MAX_SEARCH_LENGTH = 300
_TRUE, _FALSE = frozenset(("1", "true", "yes", "on")), frozenset(("0", "false", "no", "off"))


# --- reading ----------------------------------------------------------------------------

@bp.get("/layers")
def layers():
    """Every incident layer, then the reference layer of sites (bases and airports)."""
    state = app_state()
    statuses = visible_query(IncidentQuery(), current_user(), drafts_public()).statuses
    found = [{**layer, "kind": "incidents"}
             for layer in incidents.list_layers(state.store, statuses)]
    return _cached(jsonify([*found, sites_layer(state.sites())]), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/features")
def layer_features(layer_id: str):
    """One page of a layer's filtered features, or the whole filtered set as a download."""
    query, fmt = parse_features_request(request.args, layer_id)
    query = visible_query(query, current_user(), drafts_public())
    state = app_state()
    if layer_id == SITES:
        return sites_response(state.sites(), query, fmt)
    if fmt is not None:
        incidents.require_layer(state.store, query)
        return download_response(state.store, query, fmt, state.export_slots,
                                 tiles=state.settings.tile_url,
                                 attribution=state.settings.tile_attribution)
    names = incidents.parse_properties(_single(request.args.getlist("properties"), "properties"))
    page = incidents.select_properties(incidents.get_page(state.store, query), names)
    return _cached(collection_response(page), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/aggregate")
def layer_aggregate(layer_id: str):
    """Counts per map cell (by event type) of every filtered incident, for ``zoom``."""
    query = parse_layer_query(request.args, layer_id)
    zoom = parse_zoom(_single(request.args.getlist("zoom"), "zoom"))
    return _cached(jsonify(incidents.get_aggregate(app_state().store, query, zoom)), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/density")
def layer_density(layer_id: str):
    """H3 hexagons of the filtered incidents for a map at ``zoom``, with their counts."""
    query = parse_layer_query(request.args, layer_id)
    zoom = parse_zoom(_single(request.args.getlist("zoom"), "zoom"))
    return _cached(jsonify(density.get_density(app_state().store, query, zoom)), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/admin1")
def layer_admin1(layer_id: str):
    """Counts per first-level division (by event type) of every filtered incident."""
    query = parse_layer_query(request.args, layer_id)
    state = app_state()
    answer = divisions.get_division_counts(state.store, state.divisions(), query)
    return _cached(jsonify(answer), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/actors")
def layer_actors(layer_id: str):
    """Actors the layer's incidents name, holding ``q`` (any case), most named first."""
    try:
        query = parse_layer_query(MultiDict({"actor": request.args.getlist("q")}), layer_id)
    except ValidationError as error:
        raise ValidationError("q", error.message) from None
    found = incidents.suggest_actors(app_state().store, query.layer, query.actor)
    return _cached(jsonify({"actors": found}), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/histogram")
def layer_histogram(layer_id: str):
    """Counts and fatalities per day, week or month (by event type) of the filtered set."""
    query = parse_layer_query(request.args, layer_id)
    interval = parse_interval(_single(request.args.getlist("interval"), "interval"))
    return _cached(jsonify(incidents.get_histogram(app_state().store, query, interval)),
                   PAGE_MAX_AGE)


@bp.get("/incidents/<incident_id>")
def incident(incident_id: str):
    """One stored incident; a merged-away id answers 301 to the incident it was merged into."""
    return _geojson(get_visible(incident_id, ".incident"))


@bp.get("/incidents/<incident_id>/history")
def incident_history(incident_id: str):
    """Every version of the incident, oldest first, with author, time and changes."""
    if not (drafts_public() or current_user().can("read_drafts")):
        get_visible(incident_id, ".incident_history")  # the public sees what the map shows
    return jsonify({"id": incident_id, "versions": history.list_versions(app_state().store,
                                                                         incident_id)})


@bp.get("/incidents/<incident_id>/duplicates")
def incident_duplicates(incident_id: str):
    """Stored incidents that may be the same event (same day ±1, ≤ 10 km, other source)."""
    check("read_drafts")
    store = app_state().store
    return jsonify({"id": incident_id, "duplicates": find_duplicates(store, store.get(incident_id))})


def get_visible(incident_id: str, endpoint: str) -> dict:
    """The incident if the user may see it; a redirect (raised) for a merged-away id."""
    store = app_state().store
    feature = store.find(incident_id)
    if feature is None:
        survivor = store.find_redirect(incident_id)
        if survivor is not None:
            abort(redirect(url_for(endpoint, incident_id=survivor), 301))
        raise NotFoundError(f"no incident {incident_id!r}")
    if not may_see(feature, current_user(), drafts_public()):
        raise NotFoundError(f"no incident {incident_id!r}")
    return feature


@bp.get("/gazetteer/search")
def gazetteer_search():
    """The gazetteer answer (DESIGN.md) for ``q``, with an optional ``country`` hint."""
    text, country = parse_search(request.args)
    answer = app_state().gazetteer.resolve(text, country=country)
    return _cached(jsonify(answer), GAZETTEER_MAX_AGE)


@bp.get("/gazetteer/divisions")
def gazetteer_divisions():
    """First-level divisions (ISO 3166-2) of ``country`` (codes, any number), for a picker;
    with ``q``, those the text names or starts (at most 20) and the codes it names."""
    countries = parse_query({"country": request.args.getlist("country")}).countries
    text = parse_division_text(request.args)
    found = divisions.list_divisions(app_state().divisions(), countries, text)
    return _cached(jsonify(found), GAZETTEER_MAX_AGE)


@bp.get("/gazetteer/labels")
def gazetteer_labels():
    """Place names for the offline basemap in ``bbox`` at ``zoom``, large places first."""
    query = parse_query({"bbox": request.args.getlist("bbox")})
    if query.bbox is None:
        raise ValidationError("bbox", "is required: minlon,minlat,maxlon,maxlat of the view")
    zoom = parse_zoom(_single(request.args.getlist("zoom"), "zoom"))
    labels = basemap.get_labels(app_state().gazetteer, query.bbox, zoom)
    return _cached(jsonify(labels), GAZETTEER_MAX_AGE)


# --- writing ----------------------------------------------------------------------------

@bp.post("/incidents")
@require("edit_drafts")
def create_incidents():
    """Store a Feature or a FeatureCollection; 201 with what is stored."""
    features, single = parse_new_features(read_json_object())
    stored = review.create(app_state().store, current_user(), features)  # all or nothing
    body = stored[0] if single else {"type": "FeatureCollection", "features": stored}
    response = _geojson(body, 201)
    response.headers["Location"] = url_for(".incident", incident_id=stored[0]["id"])
    return response


@bp.patch("/incidents/<incident_id>")
@require("edit_drafts")
def update_incident(incident_id: str):
    """Merge a patch into an incident's properties (and replace its geometry if given)."""
    return _geojson(review.edit(app_state().store, current_user(), incident_id, read_json_object()))


@bp.delete("/incidents/<incident_id>")
@require("publish")
def delete_incident(incident_id: str):
    """Remove an incident (its last version stays in the history)."""
    review.delete(app_state().store, current_user(), incident_id)
    return Response(status=204, headers={"Cache-Control": "no-store"})


@bp.post("/incidents/<incident_id>/publish")
@require("publish")
def publish_incident(incident_id: str):
    """Publish a draft; the published incident."""
    return _geojson(review.publish(app_state().store, current_user(), incident_id))


@bp.post("/incidents/<incident_id>/reject")
@require("publish")
def reject_incident(incident_id: str):
    """Reject an incident with ``{"reason": ...}``; it leaves the map, its history keeps it."""
    reason = read_json_object().get("reason")
    review.reject(app_state().store, current_user(), incident_id, reason)
    return jsonify({"id": incident_id, "action": "reject", "reason": reason.strip()})


@bp.post("/incidents/<incident_id>/revert")
@require("publish")
def revert_incident(incident_id: str):
    """Make version ``{"version": N}`` current again (a new version)."""
    version = read_json_object().get("version")
    return _geojson(review.revert(app_state().store, current_user(), incident_id, version))


@bp.post("/incidents/merge")
@require("publish")
def merge_incidents():
    """Merge ``{"ids": [...]}`` into the first; the survivor, which keeps every source."""
    ids = read_json_object().get("ids")
    return _geojson(review.merge(app_state().store, current_user(), ids))


# --- parsing ----------------------------------------------------------------------------

def parse_features_request(args: MultiDict, layer_id: str) -> tuple[IncidentQuery, str | None]:
    """The query, and the download format (None for one page) of a features request."""
    params = args.to_dict(flat=False)
    params["layer"] = [incidents.parse_layer_id(layer_id)]
    fmt = _single(params.pop("format", []), "format")
    download = _flag(_single(params.pop("download", []), "download"), "download")
    if (_single(params.get("limit", []), "limit") or "").lower() == "all":
        params.pop("limit")
        return _spelled(parse_query(params).unpaged()), parse_format(fmt)
    if download or fmt:  # the whole filtered set, unless a limit is given
        return _spelled(export_query(params)), parse_format(fmt)
    return _spelled(parse_query(params)), None


def parse_layer_query(args: MultiDict, layer_id: str) -> IncidentQuery:
    """The filters (unpaged) of a question about an incident layer, not the reference sites."""
    if layer_id == SITES:
        raise NotFoundError(f"{SITES!r} is a reference layer: it has no aggregates")
    params = args.to_dict(flat=False)
    params["layer"] = [incidents.parse_layer_id(layer_id)]
    return visible_query(_spelled(parse_query(params).unpaged()), current_user(), drafts_public())


def _spelled(query: IncidentQuery) -> IncidentQuery:
    """The query with a division filter widened to every spelling of the division."""
    if not query.admin1 or query.layer == SITES:
        return query
    state = app_state()
    return divisions.with_division_spellings(state.store, state.divisions(), query)


def parse_division_text(args: MultiDict) -> str | None:
    """The division picker's typed text (``q``), checked as an admin1 value, or None."""
    text = _single(args.getlist("q"), "q")
    return None if text is None else parse_admin1(text, "q")


def parse_search(args: MultiDict) -> tuple[str, str | None]:
    """(query text, country code or None) of a gazetteer search."""
    text = (_single(args.getlist("q"), "q") or "").strip()
    if not text:
        raise ValidationError("q", "is required: the place name to look up")
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationError("q", f"is {len(text):,} characters; the limit is {MAX_SEARCH_LENGTH}")
    if any(ord(char) < 32 or char == "\x7f" for char in text):
        raise ValidationError("q", "contains a control character (such as NUL); give a place name")
    country = (_single(args.getlist("country"), "country") or "").strip()
    return text, parse_country(country, "country") if country else None


def read_json_object() -> dict:
    """The request body as a JSON object, or ValidationError naming ``body``."""
    try:
        body = orjson.loads(request.get_data(cache=False))
    except orjson.JSONDecodeError as error:
        raise ValidationError("body", f"is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise ValidationError("body", f"must be a JSON object, not {type(body).__name__}")
    return body


def parse_new_features(body: Mapping) -> tuple[list[dict], bool]:
    """(parsed features, whether one Feature was sent) of a POST body."""
    if body.get("type") != "FeatureCollection":
        return [parse_feature(body)], True
    items = body.get("features")
    if not isinstance(items, list) or not items:
        raise ValidationError("features", "must be a non-empty list of Features")
    return [_parse_item(item, number) for number, item in enumerate(items)], False


def _parse_item(item: object, number: int) -> dict:
    try:
        return parse_feature(item)
    except ValidationError as error:
        raise ValidationError(f"features[{number}].{error.field}", error.message) from None


def _single(values: list[str], name: str) -> str | None:
    values = [value for value in values if value.strip()]
    if len(values) > 1:
        raise ValidationError(name, "is given more than once")
    return values[0].strip() if values else None


def _flag(value: str | None, name: str) -> bool:
    if value is None or value.lower() in _FALSE:
        return False
    if value.lower() in _TRUE:
        return True
    raise ValidationError(name, f"must be 1 or 0 (true or false), not {value!r}")


# --- incident pages ---------------------------------------------------------------------

def collection_response(page: Page) -> Response:
    """A FeatureCollection page (OGC API Features members) around the stored features."""
    members = {"numberMatched": page.matched, "numberReturned": page.returned,
               "links": page_links(page)}
    return Response(incidents.collection_bytes(page.features, members), content_type=GEOJSON)


def page_links(page: Page) -> list[dict]:
    """``self``, then ``next`` while more remain and ``prev`` after the first page."""
    links = [_page_link("self", page.query.offset)]
    if page.next_offset is not None:
        links.append(_page_link("next", page.next_offset))
    if page.prev_offset is not None:
        links.append(_page_link("prev", page.prev_offset))
    return links


def _page_link(rel: str, offset: int) -> dict:
    args = request.args.to_dict(flat=False)
    args["offset"] = [str(offset)]
    return {"rel": rel, "type": GEOJSON, "href": f"{request.base_url}?{urlencode(args, doseq=True)}"}


# --- the sites layer --------------------------------------------------------------------

def sites_layer(places: list[dict]) -> dict:
    """The reference layer's entry in /api/layers."""
    lons, lats = [p["lon"] for p in places], [p["lat"] for p in places]
    bbox = [min(lons), min(lats), max(lons), max(lats)] if places else None
    return {"id": SITES, "title": "Bases and airports", "kind": "reference",
            "count": len(places), "bbox": bbox, "time_extent": [None, None]}


def sites_response(places: list[dict], query: IncidentQuery, fmt: str | None) -> Response:
    """The sites within the query's bbox and countries, one page or all of them."""
    matched = [site_feature(place) for place in places if _site_matches(place, query)]
    if fmt not in (None, "geojson"):
        raise ValidationError("format", "the sites layer downloads as geojson only")
    if fmt == "geojson":
        response = Response(incidents.iter_collection(orjson.dumps(f) for f in matched),
                            content_type=GEOJSON)
        response.headers["Content-Disposition"] = f'attachment; filename="{SITES}.geojson"'
        return _cached(response, SITES_MAX_AGE)
    page = [orjson.dumps(f) for f in matched[query.offset:query.offset + query.limit]]
    return _cached(collection_response(Page(query, page, len(matched))), SITES_MAX_AGE)


def site_feature(place: Mapping) -> dict:
    """A gazetteer place as a GeoJSON Point Feature."""
    return {"type": "Feature", "id": place["gazetteer_id"],
            "geometry": {"type": "Point", "coordinates": [place["lon"], place["lat"]]},
            "properties": {name: place[name] for name in SITE_PROPERTIES}}


def _site_matches(place: Mapping, query: IncidentQuery) -> bool:
    if query.countries and place["country"] not in query.countries:
        return False
    if query.bbox is None:
        return True
    minlon, minlat, maxlon, maxlat = query.bbox
    return minlon <= place["lon"] <= maxlon and minlat <= place["lat"] <= maxlat


# --- responses --------------------------------------------------------------------------

def _geojson(obj: object, status: int = 200) -> Response:
    response = Response(orjson.dumps(obj), status, content_type=GEOJSON)
    if status != 200:
        response.headers["Cache-Control"] = "no-store"
    return response


def _cached(response: Response, max_age: int) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response
