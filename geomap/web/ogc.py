"""OGC API – Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) under ``/ogc``.

One collection per store layer. An items request becomes the same IncidentQuery the map
API builds (its parameters renamed and handed to ``parse_query``), read and framed by the
same service (``geomap.services.incidents``); this module adds links and media types.
Each view's parameters are those its :class:`~geomap.web.openapi.Operation` documents;
any other is refused with 400, as the standard asks. Errors take the one JSON shape of ``geomap.web.errors``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from geomap.cql import parse_filter, parse_sortby
from geomap.crs import CRS84, SUPPORTED, bbox_to_crs84, parse_crs, transform_feature
from geomap.errors import NotFoundError, ValidationError
from geomap.incident import format_timestamp
from geomap.query import MAX_LIMIT, QUERYABLE, IncidentQuery, parse_query
from geomap.services import incidents
from geomap.services.accounts import may_see, visible_query
from geomap.services.incidents import Page
from geomap.web import openapi
from geomap.web.auth import current_user, drafts_public
from geomap.web.openapi import GEOJSON, HTML, JSON, OPENAPI, SCHEMA_JSON, operation
from geomap.web.state import app_state

bp = Blueprint("ogc", __name__, url_prefix="/ogc", template_folder="templates")

CONFORMANCE = tuple(f"http://www.opengis.net/spec/ogcapi-features-{part}/1.0/conf/{name}" for part, name in (
    (1, "core"), (1, "oas30"), (1, "html"), (1, "geojson"), (2, "crs"),
    (3, "queryables"), (3, "queryables-query-parameters")))
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
#: Feature property → the map API's parameter (geomap.query.PARAMETERS) that tests it for
#: equality. Other properties have no IncidentQuery field that can, so they are not queryable.
FILTERS = {"event_type": "type", "sub_event_type": "sub_type", "country": "country",
           "status": "status"}
ITEMS_PARAMETERS = ("f", "bbox", "bbox-crs", "datetime", "limit", "offset", "crs", "filter",
                    "filter-lang", "filter-crs", "sortby", *FILTERS)
FORMATS = ("json", "html")
HTML_LIMIT = 10  # features on an HTML page when none is asked for: a page to read
_OGC_NAMES = {**{param: name for name, param in FILTERS.items()}, "start": "datetime",
              "end": "datetime"}
_DIGITS = re.compile(r"[0-9]+")
# RFC 3339, and the bare "2024-01-15T" that GDAL 3.6 sends for a date compared in -where.
_INSTANT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[Tt]|[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}"
                      r"(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2}))?")


@bp.before_request
def refuse_unknown_parameters() -> None:
    """400 for a query parameter that the operation does not define (/req/core/query-param-unknown)."""
    op = openapi.view_operation(current_app.view_functions.get(request.endpoint))
    known = op.parameters if op else ()
    for name in request.args:
        if name not in known:
            raise ValidationError(name, "is not a parameter of this request; it takes "
                                  f"{', '.join(known) or 'none'}")


# --- views ------------------------------------------------------------------------------

@bp.get("/")
@operation("getLandingPage", JSON, "landingPage")
def landing():
    """The landing page: links to the API definition, the conformance classes and the data."""
    fmt = negotiate(JSON)
    links = [*self_links(JSON, fmt),
             link(url_for(".api_definition", _external=True), "service-desc", OPENAPI,
                  "the API definition (OpenAPI 3.0)"),
             link(url_for(".api_definition", f="html", _external=True), "service-doc", HTML,
                  "the API definition as a web page"),
             *ogc_links("conformance", url_for(".conformance", _external=True), JSON,
                        "the conformance classes implemented"),
             *ogc_links("data", url_for(".collections", _external=True), JSON,
                        "the collections: one per layer of incidents")]
    body = {"title": openapi.TITLE, "description": "Reported incidents as GeoJSON features "
            "with ACLED-compatible properties, one collection per layer.", "links": links}
    return respond(body, fmt, JSON, "landing.html")


@bp.get("/conformance")
@operation("getConformanceDeclaration", JSON, "confClasses")
def conformance():
    """The conformance classes this API implements."""
    fmt = negotiate(JSON)
    return respond({"links": self_links(JSON, fmt), "conformsTo": list(CONFORMANCE)}, fmt, JSON,
                   "conformance.html")


@bp.get("/api")
@operation("getAPIDefinition", OPENAPI, "openapi")
def api_definition():
    """This API's definition: an OpenAPI 3.0 document generated from the routes."""
    fmt = negotiate(OPENAPI)
    ids = [layer["id"] for layer in all_layers()]
    server = url_for(".landing", _external=True).rstrip("/")
    return respond(openapi.document(current_app, bp.name, server, ids), fmt, OPENAPI, "api.html")


@bp.get("/collections")
@operation("getCollections", JSON, "collections")
def collections():
    """The collections: one per layer of incidents."""
    fmt = negotiate(JSON)
    found = [collection_info(layer) for layer in all_layers()]
    return respond({"links": self_links(JSON, fmt), "collections": found}, fmt, JSON,
                   "collections.html")


@bp.get("/collections/<collection_id>")
@operation("describeCollection", JSON, "collection")
def collection(collection_id: str):
    """One collection: its extent in space and time, and links to its items."""
    fmt = negotiate(JSON)
    return respond(collection_info(find_layer(collection_id)), fmt, JSON, "collection.html")


@bp.get("/collections/<collection_id>/queryables")
@operation("getQueryables", SCHEMA_JSON, "queryables", ("f",))
def queryables(collection_id: str):
    """The properties that the items request filters on, as a JSON Schema."""
    fmt = negotiate(SCHEMA_JSON)
    layer = find_layer(collection_id)
    body = openapi.queryables(layer["id"], layer["title"], request.base_url, QUERYABLE)
    return respond(body, fmt, SCHEMA_JSON, "queryables.html")


@bp.get("/collections/<collection_id>/items")
@operation("getFeatures", GEOJSON, "featureCollectionGeoJSON", ITEMS_PARAMETERS)
def items(collection_id: str):
    """One page of a collection's features, filtered by bbox, datetime and properties."""
    fmt = negotiate(GEOJSON)
    crs = parse_crs(single(request.args, "crs"))
    query = visible_query(parse_items(request.args, collection_id, HTML_LIMIT if fmt == "html" else None),
                          current_user(), drafts_public())
    page = incidents.get_page(app_state().store, query, noun="collection")
    links = page_links(page, fmt)
    features = in_crs(page.features, crs)
    if fmt == "html":
        return html("items.html", links=links, collection_id=query.layer, matched=page.matched,
                    query=query, features=[orjson.loads(data) for data in features])
    members = {"timeStamp": format_timestamp(), "numberMatched": page.matched,
               "numberReturned": page.returned, "links": links}
    return with_crs(negotiated(Response(incidents.collection_bytes(features, members),
                                        content_type=GEOJSON)), crs)


@bp.get("/collections/<collection_id>/items/<feature_id>")
@operation("getFeature", GEOJSON, "featureGeoJSON", ("f", "crs"))
def item(collection_id: str, feature_id: str):
    """One feature of a collection."""
    fmt = negotiate(GEOJSON)
    crs = parse_crs(single(request.args, "crs"))
    feature = app_state().store.find(feature_id)
    if feature is None or feature["properties"].get("layer") != collection_id \
            or not may_see(feature, current_user(), drafts_public()):
        raise NotFoundError(f"no feature {feature_id!r} in collection {collection_id!r}")
    collection_url = url_for(".collection", collection_id=collection_id, _external=True)
    feature = transform_feature(feature, crs)
    feature["links"] = [*self_links(GEOJSON, fmt), link(collection_url, "collection", JSON)]
    return with_crs(respond(feature, fmt, GEOJSON, "item.html"), crs)


# --- parsing ----------------------------------------------------------------------------

def negotiate(media_type: str) -> str:
    """``json`` or ``html``: the ``f`` parameter, else the Accept header; JSON by default."""
    fmt = single(request.args, "f")
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValidationError("f", f"must be json or html, not {fmt!r}")
        return fmt
    best = request.accept_mimetypes.best_match((media_type, JSON, HTML))
    return "html" if best == HTML else "json"


def parse_items(args: MultiDict, collection_id: str, default_limit: int | None = None
                ) -> IncidentQuery:
    """The IncidentQuery of an items request, through the map API's ``parse_query``."""
    start, end = parse_datetime(single(args, "datetime"))
    bbox, offset = single(args, "bbox"), single(args, "offset")
    if bbox:
        bbox = in_crs84(ogc_bbox(bbox), parse_crs(single(args, "bbox-crs"), "bbox-crs"))
    layer = incidents.parse_layer_id(collection_id, noun="collection")
    params = {"layer": [layer], "limit": [str(parse_limit(args, default_limit))],
              "offset": [offset] if offset else [], "bbox": [bbox] if bbox else [],
              "start": [start] if start else [], "end": [end] if end else []}
    params.update((param, args.getlist(name)) for name, param in FILTERS.items())
    try:
        return with_filter(parse_query(params), args)
    except ValidationError as error:
        raise ValidationError(_OGC_NAMES.get(error.field, error.field), error.message) from None


def with_filter(query: IncidentQuery, args: MultiDict) -> IncidentQuery:
    """The query with a CQL2 ``filter`` (Part 3) and ``sortby`` folded into it."""
    sort = parse_sortby(single(args, "sortby"))
    text = single(args, "filter")
    if text is None:
        if single(args, "filter-lang") or single(args, "filter-crs"):
            raise ValidationError("filter", "is required with filter-lang or filter-crs")
        return replace(query, sort=sort) if sort else query
    if parse_crs(single(args, "filter-crs"), "filter-crs") != CRS84:
        raise ValidationError("filter-crs", f"only {CRS84} is supported for filters")
    conditions, bbox = parse_filter(text, single(args, "filter-lang"))
    if bbox and query.bbox:
        bbox = (max(bbox[0], query.bbox[0]), max(bbox[1], query.bbox[1]),
                min(bbox[2], query.bbox[2]), min(bbox[3], query.bbox[3]))
    return replace(query, where=conditions, bbox=bbox or query.bbox, sort=sort or query.sort)


def single(args: MultiDict, name: str) -> str | None:
    """The one non-empty value of a parameter, or None; 400 when it is given twice."""
    values = [value.strip() for value in args.getlist(name) if value.strip()]
    if len(values) > 1:
        raise ValidationError(name, "is given more than once")
    return values[0] if values else None


def parse_limit(args: MultiDict, default: int | None = None) -> int:
    """The page size: DEFAULT_LIMIT unless given; above the maximum, the maximum (as the
    standard asks)."""
    text = single(args, "limit")
    if text is None:
        return default or openapi.DEFAULT_LIMIT
    if not _DIGITS.fullmatch(text) or not text.strip("0"):
        raise ValidationError("limit", f"must be a whole number from 1, not {text!r}")
    digits = text.lstrip("0")
    return MAX_LIMIT if len(digits) > len(str(MAX_LIMIT)) else min(int(digits), MAX_LIMIT)


def ogc_bbox(text: str) -> str:
    """``minlon,minlat,maxlon,maxlat`` from an OGC bbox of 4 numbers, or 6 with heights."""
    parts = text.split(",")
    if len(parts) == 6:
        heights, parts = (parts[2], parts[5]), [parts[0], parts[1], parts[3], parts[4]]
        if not all(_is_number(height) for height in heights):
            raise ValidationError("bbox", "the heights of a 6-number bbox must be numbers")
    if len(parts) != 4:
        raise ValidationError("bbox", "must be 4 numbers, minlon,minlat,maxlon,maxlat "
                              "(or 6, with heights)")
    return ",".join(parts)


def in_crs84(bbox: str, crs: str) -> str:
    """A bbox of 4 numbers given in ``crs`` as CRS84 numbers (parse_query checks the range)."""
    if crs == CRS84:
        return bbox
    try:
        numbers = tuple(float(part) for part in bbox.split(","))
    except ValueError:
        raise ValidationError("bbox", "must be 4 numbers in the CRS of bbox-crs") from None
    return ",".join(repr(round(number, 9)) for number in bbox_to_crs84(numbers, crs))


def in_crs(features: list[bytes], crs: str) -> list[bytes]:
    """Stored feature JSON with its positions in ``crs`` (as stored when CRS84)."""
    if crs == CRS84:
        return features
    return [orjson.dumps(transform_feature(orjson.loads(data), crs)) for data in features]


def with_crs(response: Response, crs: str) -> Response:
    """The response with the Content-Crs header that Part 2 asks for."""
    response.headers["Content-Crs"] = f"<{crs}>"
    return response


def _is_number(text: str) -> bool:
    try:
        return abs(float(text)) < float("inf")
    except ValueError:
        return False


def parse_datetime(text: str | None) -> tuple[str | None, str | None]:
    """(first day, last day) of an RFC 3339 instant or interval; ``..`` or nothing is open.

    >>> parse_datetime("2022-04-07T21:40:00Z"), parse_datetime("../2022-04-08")
    (('2022-04-07', '2022-04-07'), (None, '2022-04-08'))
    >>> parse_datetime("2024-01-15T/2024-01-21T")  # as GDAL 3.6 sends a -where on a date
    ('2024-01-15', '2024-01-21')
    """
    if text is None:
        return None, None
    if "/" not in text:
        day = _day(text)
        if day is None:
            raise ValidationError("datetime", "an instant cannot be open ('..')")
        return day, day
    start, _, end = text.partition("/")
    return _day(start), _day(end)


def _day(text: str) -> str | None:
    """The calendar day of a date or date-time as written (event dates are local days)."""
    if text in ("", ".."):
        return None
    match = _INSTANT.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        datetime.fromisoformat(text.upper().replace("Z", "+00:00").rstrip("T"))
    except ValueError:
        raise ValidationError("datetime", f"{text!r} is not an RFC 3339 date or date-time, "
                              "e.g. 2022-04-07 or 2022-04-07T00:00:00Z") from None
    return match[1]


# --- reading ----------------------------------------------------------------------------

def all_layers() -> list[dict]:
    """The store's layers, as the map API lists them."""
    statuses = visible_query(IncidentQuery(), current_user(), drafts_public()).statuses
    return incidents.list_layers(app_state().store, statuses)


def find_layer(collection_id: str) -> dict:
    """The layer of that id, or NotFoundError."""
    return incidents.get_layer(app_state().store, collection_id, noun="collection")


# --- responses --------------------------------------------------------------------------

def collection_info(layer: dict) -> dict:
    """A layer as an OGC collection: extent, CRS and links."""
    url = url_for(".collection", collection_id=layer["id"], _external=True)
    items_url = url_for(".items", collection_id=layer["id"], _external=True)
    return {
        "id": layer["id"], "title": layer["title"],
        "description": f"{layer['count']:,} incidents", "itemType": "feature",
        "crs": list(SUPPORTED), "storageCrs": CRS84, "extent": extent(layer),
        "links": [link(url, "self", JSON), link(f"{url}?f=html", "alternate", HTML),
                  link(items_url, "items", GEOJSON, "the features"),
                  link(f"{items_url}?f=html", "items", HTML, "the features as a web page"),
                  *ogc_links("queryables", f"{url}/queryables", SCHEMA_JSON,
                             "the properties the items request filters on")],
    }


def extent(layer: dict) -> dict:
    """The layer's bbox and its first and last days, as far as they are known."""
    found = {}
    if layer.get("bbox"):
        found["spatial"] = {"bbox": [list(layer["bbox"])], "crs": CRS84}
    first, last = layer.get("time_extent") or (None, None)
    if first or last:
        interval = [f"{first}T00:00:00Z" if first else None, f"{last}T23:59:59Z" if last else None]
        found["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    return found


def page_links(page: Page, fmt: str) -> list[dict]:
    """self and alternate, the collection, then ``next`` while more remain, ``prev`` after the first."""
    media_type, limit = HTML if fmt == "html" else GEOJSON, page.query.limit
    url = url_for(".collection", collection_id=page.query.layer, _external=True)
    links = [*self_links(GEOJSON, fmt), link(url, "collection", JSON, "the collection")]
    if page.next_offset is not None:  # clients that copy a layer page by next links only
        following = limit if fmt == "html" else max(limit, openapi.DEFAULT_LIMIT)
        links.append(link(here(offset=page.next_offset, limit=following, f=fmt), "next",
                          media_type, "the next page"))
    if page.prev_offset is not None:
        links.append(link(here(offset=page.prev_offset, limit=limit, f=fmt), "prev",
                          media_type, "the previous page"))
    return links


def self_links(media_type: str, fmt: str) -> list[dict]:
    """This resource in the format served (``self``) and in the other (``alternate``)."""
    types = {"json": media_type, "html": HTML}
    return [link(here(f=name), "self" if name == fmt else "alternate", kind)
            for name, kind in types.items()]


def ogc_links(rel: str, href: str, media_type: str, title: str) -> list[dict]:
    """The same link under its plain and its OGC relation name (clients look for either)."""
    return [link(href, rel, media_type, title), link(href, OGC_REL + rel, media_type, title)]


def link(href: str, rel: str, media_type: str, title: str | None = None) -> dict:
    """A link object."""
    found = {"href": href, "rel": rel, "type": media_type}
    return found | {"title": title} if title else found


def here(**changes: object) -> str:
    """The absolute URL of this request with some parameters changed."""
    args = request.args.to_dict(flat=False)
    args.update((name, [str(value)]) for name, value in changes.items())
    return f"{request.base_url}?{urlencode(args, doseq=True)}"


def respond(body: dict, fmt: str, media_type: str, template: str, **context) -> Response:
    """The body as JSON of ``media_type``, or rendered with an HTML template."""
    if fmt == "html":
        return html(template, body=body, links=body.get("links", []), **context)
    return negotiated(Response(orjson.dumps(body), content_type=media_type))


def html(template: str, **context) -> Response:
    """An HTML page from ``templates/ogc`` (autoescaped)."""
    page = render_template(f"ogc/{template}", **context)
    return negotiated(Response(page, content_type="text/html; charset=utf-8"))


def negotiated(response: Response) -> Response:
    """A response whose format may depend on the Accept header."""
    response.vary.add("Accept")
    return response
