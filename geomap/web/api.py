"""The HTTP API under ``/api``: layers, their features and incidents, read.

Every view parses its input (raising ValidationError naming the parameter), calls a
service (incidents are read through ``geomap.services.incidents``, as the OGC API and the
exports read them) or the gazetteer, and responds; errors become JSON in
``geomap.web.errors``. This module adds only the parameters, links and media types;
the writes are in ``api_writes``, the gazetteer's look-ups in ``api_gazetteer``, on the
same blueprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, abort, jsonify, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from geomap.aggregate import parse_interval, parse_zoom
from geomap.errors import NotFoundError, ValidationError
from geomap.query import IncidentQuery, parse_query
from geomap.services import density, divisions, history, incidents
from geomap.services.accounts import may_see, visible_query
from geomap.services.duplicates import find_duplicates
from geomap.services.export import export_query
from geomap.services.incidents import Page
from geomap.web.auth import check, current_user, drafts_public
from geomap.web.downloads import download_response, parse_format
from geomap.web.state import app_state

bp = Blueprint("api", __name__, url_prefix="/api")

SITES = "sites"
SITE_PROPERTIES = ("name", "feature", "country", "admin1", "gazetteer_id", "source")
GEOJSON = "application/geo+json"
PAGE_MAX_AGE = 30
SITES_MAX_AGE = 3600
_TRUE, _FALSE = frozenset(("1", "true", "yes", "on")), frozenset(("0", "false", "no", "off"))


# --- reading ----------------------------------------------------------------------------

@bp.get("/layers")
def layers():
    """Every incident layer, then the reference layer of sites (bases and airports)."""
    state = app_state()
    statuses = visible_query(IncidentQuery(), current_user(), drafts_public()).statuses
    found = [{**layer, "kind": "incidents"}
             for layer in incidents.list_layers(state.store, statuses)]
    return cached(jsonify([*found, sites_layer(state.sites())]), PAGE_MAX_AGE)


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
    names = incidents.parse_properties(single_value(request.args.getlist("properties"), "properties"))
    page = incidents.select_properties(incidents.get_page(state.store, query), names)
    return cached(collection_response(page), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/aggregate")
def layer_aggregate(layer_id: str):
    """Counts per map cell (by event type) of every filtered incident, for ``zoom``."""
    query = parse_layer_query(request.args, layer_id)
    zoom = parse_zoom(single_value(request.args.getlist("zoom"), "zoom"))
    return cached(jsonify(incidents.get_aggregate(app_state().store, query, zoom)), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/density")
def layer_density(layer_id: str):
    """H3 hexagons of the filtered incidents for a map at ``zoom``, with their counts."""
    query = parse_layer_query(request.args, layer_id)
    zoom = parse_zoom(single_value(request.args.getlist("zoom"), "zoom"))
    return cached(jsonify(density.get_density(app_state().store, query, zoom)), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/admin1")
def layer_admin1(layer_id: str):
    """Counts per first-level division (by event type) of every filtered incident."""
    query = parse_layer_query(request.args, layer_id)
    state = app_state()
    answer = divisions.get_division_counts(state.store, state.divisions(), query)
    return cached(jsonify(answer), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/actors")
def layer_actors(layer_id: str):
    """Actors the layer's incidents name, holding ``q`` (any case), most named first."""
    try:
        query = parse_layer_query(MultiDict({"actor": request.args.getlist("q")}), layer_id)
    except ValidationError as error:
        raise ValidationError("q", error.message) from None
    found = incidents.suggest_actors(app_state().store, query.layer, query.actor)
    return cached(jsonify({"actors": found}), PAGE_MAX_AGE)


@bp.get("/layers/<layer_id>/histogram")
def layer_histogram(layer_id: str):
    """Counts and fatalities per day, week or month (by event type) of the filtered set."""
    query = parse_layer_query(request.args, layer_id)
    interval = parse_interval(single_value(request.args.getlist("interval"), "interval"))
    return cached(jsonify(incidents.get_histogram(app_state().store, query, interval)),
                   PAGE_MAX_AGE)


@bp.get("/incidents/<incident_id>")
def incident(incident_id: str):
    """One stored incident; a merged-away id answers 301 to the incident it was merged into."""
    return geojson_response(get_visible(incident_id, ".incident"))


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


# --- parsing ----------------------------------------------------------------------------

def parse_features_request(args: MultiDict, layer_id: str) -> tuple[IncidentQuery, str | None]:
    """The query, and the download format (None for one page) of a features request."""
    params = args.to_dict(flat=False)
    params["layer"] = [incidents.parse_layer_id(layer_id)]
    fmt = single_value(params.pop("format", []), "format")
    download = _flag(single_value(params.pop("download", []), "download"), "download")
    if (single_value(params.get("limit", []), "limit") or "").lower() == "all":
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


def single_value(values: list[str], name: str) -> str | None:
    """The one non-blank value of parameter ``name``, stripped; None; or ValidationError."""
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
        return cached(response, SITES_MAX_AGE)
    page = [orjson.dumps(f) for f in matched[query.offset:query.offset + query.limit]]
    return cached(collection_response(Page(query, page, len(matched))), SITES_MAX_AGE)


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

def geojson_response(obj: object, status: int = 200) -> Response:
    """``obj`` as application/geo+json; not cached unless it is a 200."""
    response = Response(orjson.dumps(obj), status, content_type=GEOJSON)
    if status != 200:
        response.headers["Cache-Control"] = "no-store"
    return response


def cached(response: Response, max_age: int) -> Response:
    """The response, cacheable by anyone for ``max_age`` seconds."""
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response
