"""The OGC API's OpenAPI 3.0 document, generated from code rather than kept by hand.

Paths come from the app's route table: every view of the blueprint that carries an
:class:`Operation` (set with :func:`operation`). Parameter schemas come from
``geomap.query``'s limits and the incident tables, the feature schema from
``geomap.incident.PROPERTIES``. Change a route or a table and the document follows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pycountry
from flask import Flask

from geomap import __version__
from geomap.crs import SUPPORTED as SUPPORTED_CRS
from geomap.incident import EVENT_TYPES, PROPERTIES, SOURCE_FIELDS, STATUSES, SUB_EVENT_TYPES
from geomap.query import MAX_LIMIT, MAX_OFFSET

OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
SCHEMA_JSON = "application/schema+json"
#: The page size when a request gives none, and the least a ``next`` link asks for: GDAL
#: before 3.9 asks for 10 and then follows next links, so 100,000 incidents took 10,000
#: requests (93 s); with pages of 1,000 they take 100.
DEFAULT_LIMIT = 1000
TITLE = "geomap incidents: OGC API – Features"
#: Path variable of a Flask rule → its name in the OGC API.
PATH_PARAMETERS = {"collection_id": "collectionId", "feature_id": "featureId"}
_RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one view: its query parameters and its body."""

    operation_id: str
    media_type: str
    schema: str
    parameters: tuple[str, ...] = ("f",)


def operation(operation_id: str, media_type: str, schema: str,
              parameters: Iterable[str] = ("f",)) -> Callable:
    """Decorate a view with the Operation that documents it (and bounds its parameters)."""
    def decorate(view: Callable) -> Callable:
        view.operation = Operation(operation_id, media_type, schema, tuple(parameters))
        return view
    return decorate


def view_operation(view: Callable | None) -> Operation | None:
    """The Operation a view was decorated with, or None."""
    return getattr(view, "operation", None)


def document(app: Flask, blueprint: str, server_url: str, collection_ids: list[str]) -> dict:
    """The OpenAPI 3.0 document of ``blueprint``'s operations, served from ``server_url``."""
    paths, named = {}, set()
    for path, view, arguments in documented_routes(app, blueprint):
        paths[path] = {"get": _operation(view, arguments)}
        named.update(view_operation(view).parameters)
    return {"openapi": "3.0.3",
            "info": {"title": TITLE, "version": __version__,
                     "description": "Incidents (GeoJSON Features, ACLED-compatible properties) "
                                    "as OGC API – Features collections, one per layer."},
            "servers": [{"url": server_url}], "paths": paths,
            "components": {"parameters": parameters(collection_ids, named), "schemas": schemas(),
                           "responses": _error_responses()}}


def documented_routes(app: Flask, blueprint: str) -> list[tuple[str, Callable, set[str]]]:
    """(OpenAPI path below the prefix, view, path variables) of each documented route."""
    prefix, found = app.blueprints[blueprint].url_prefix or "", []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        view = app.view_functions.get(rule.endpoint)
        if rule.endpoint.startswith(f"{blueprint}.") and view_operation(view):
            path = _RULE_VARIABLE.sub(lambda m: f"{{{PATH_PARAMETERS[m[1]]}}}", rule.rule)
            found.append((path[len(prefix):] or "/", view, rule.arguments))
    return found


def _operation(view: Callable, arguments: Iterable[str]) -> dict:
    op = view_operation(view)
    names = [PATH_PARAMETERS[name] for name in sorted(arguments)] + list(op.parameters)
    responses = {"200": {"description": (view.__doc__ or "").splitlines()[0],
                         "content": {op.media_type: {"schema": _ref("schemas", op.schema)},
                                     HTML: {"schema": {"type": "string"}}}},
                 "400": _ref("responses", "InvalidParameter")}
    if arguments:
        responses["404"] = _ref("responses", "NotFound")
    return {"operationId": op.operation_id, "summary": responses["200"]["description"],
            "parameters": [_ref("parameters", name) for name in names], "responses": responses}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


# --- parameters -------------------------------------------------------------------------

def parameters(collection_ids: list[str], names: Iterable[str] = ()) -> dict:
    """The OGC API's own parameters, then an equality filter for each property in ``names``."""
    found = {
        "collectionId": _path("collectionId", "a layer of incidents", {"type": "string"} | (
            {"enum": collection_ids} if collection_ids else {})),
        "featureId": _path("featureId", "an incident id", {"type": "string"}),
        "f": _query("f", "the format of the response: JSON, or HTML for a browser; when absent "
                    "the Accept header chooses, and JSON is the default",
                    {"type": "string", "enum": ["json", "html"]}),
        "bbox": _query("bbox", "only features whose geometry's bounding box meets this one: "
                       "minlon,minlat,maxlon,maxlat in CRS84 (6 numbers: with heights, ignored); "
                       "a box crossing the antimeridian is refused",
                       {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                       explode=False),
        "datetime": _query("datetime", "only features whose event_date (a local calendar day) "
                           "meets this instant or interval: 2022-04-07, 2022-04-07T00:00:00Z, "
                           "2022-04-01/2022-04-07, ../2022-04-07 or 2022-04-01/.. (and "
                           "2022-04-07T, as GDAL sends a date)",
                           {"type": "string"}),
        "limit": _query("limit", f"features per page ({DEFAULT_LIMIT:,} when not given); larger "
                        f"values are served as {MAX_LIMIT:,}; the next link of a GeoJSON page "
                        f"asks for at least {DEFAULT_LIMIT:,}",
                        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                         "default": DEFAULT_LIMIT}),
        "crs": _query("crs", "the CRS of the geometries in the response (Part 2): CRS84 "
                      "(lon, lat; the default), EPSG:4326 (lat, lon) or EPSG:3857 (metres); "
                      "the Content-Crs header names the one served",
                      {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS)}),
        "bbox-crs": _query("bbox-crs", "the CRS of bbox, in its axis order (CRS84 by default)",
                           {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS)}),
        "filter": _query("filter", "a CQL2 filter (Part 3) on the queryables: comparisons, LIKE "
                         "(ignoring case), IN, BETWEEN, IS NULL and S_INTERSECTS(geometry, "
                         "BBOX(...)), joined by AND; OR, NOT and other functions are refused "
                         "with 400 naming them. e.g. fatalities > 5 AND actor1 LIKE 'Houthi%'",
                         {"type": "string", "maxLength": 10000}),
        "filter-lang": _query("filter-lang", "the language of filter (cql2-text by default)",
                              {"type": "string", "enum": ["cql2-text", "cql2-json"]}),
        "filter-crs": _query("filter-crs", "the CRS of coordinates in filter: CRS84 only",
                             {"type": "string", "enum": [SUPPORTED_CRS[0]]}),
        "sortby": _query("sortby", "the order: -event_date (the default), +event_date, "
                         "-fatalities, +id, +event_type or +location",
                         {"type": "string", "enum": ["-event_date", "+event_date", "event_date",
                                                     "-fatalities", "+id", "id", "+event_type",
                                                     "event_type", "+location", "location"]}),
        "offset": _query("offset", "features to skip, for paging (the next and prev links set it)",
                         {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
    }
    return found | {name: filter_parameter(name) for name in sorted(set(names) - set(found))}


def filter_parameter(name: str) -> dict:
    """A property's equality filter: one value, or several (any of them) separated by commas."""
    return _query(name, f"only features whose {name} is one of these values",
                  {"type": "array", "items": queryable_schema(name)}, explode=False)


def _path(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema}


def _query(name: str, description: str, schema: dict, explode: bool = True) -> dict:
    """An optional query parameter; an empty value counts as absent (as in geomap.query)."""
    return {"name": name, "in": "query", "required": False, "allowEmptyValue": True,
            "description": description, "schema": schema, "style": "form", "explode": explode}


# --- schemas ----------------------------------------------------------------------------

def property_schemas() -> dict[str, dict]:
    """The OpenAPI schema of each incident property, in the order features list them."""
    text, count = {"type": "string", "nullable": True}, {"type": "integer", "minimum": 0,
                                                         "nullable": True}
    precision = {"type": "integer", "enum": [1, 2, 3]}
    timestamp = {"type": "string", "format": "date-time"}
    known = {
        "id": {"type": "string"}, "layer": {"type": "string"},
        "event_date": {"type": "string", "format": "date"}, "event_time": text,
        "time_precision": precision,
        "event_type": {"type": "string", "enum": list(EVENT_TYPES)},
        "sub_event_type": {"type": "string", "enum": list(SUB_EVENT_TYPES)},
        "actor1": text, "actor2": text, "fatalities": count, "injuries": count,
        "location": text, "location_mention": text,
        "country": {"type": "string", "enum": [*_countries(), None], "nullable": True},
        "admin1": text, "geo_precision": precision, "gazetteer_id": text, "summary": text,
        "quote": text,
        "source": {"type": "object", "nullable": True, "additionalProperties": True,
                   "properties": {name: text for name in SOURCE_FIELDS}},
        "status": {"type": "string", "enum": list(STATUSES)},
        "created_at": timestamp, "updated_at": timestamp,
    }
    return {name: known[name] for name in PROPERTIES}


def _countries() -> list[str]:
    return sorted(country.alpha_2 for country in pycountry.countries)


def queryable_schema(name: str) -> dict:
    """A property's schema as the value of a filter: never null."""
    schema = {key: value for key, value in property_schemas()[name].items() if key != "nullable"}
    if "enum" in schema:
        schema["enum"] = [value for value in schema["enum"] if value is not None]
    return schema


def queryables(collection_id: str, title: str, url: str, names: Iterable[str]) -> dict:
    """The collection's queryables as a JSON Schema (OGC API – Features Part 3)."""
    names = list(names)
    others = ", ".join(name for name in PROPERTIES if name not in names)
    return {"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": url,
            "type": "object", "title": title, "additionalProperties": False,
            "description": f"The properties of {collection_id} that a CQL2 filter tests (and "
                           "event_type, sub_event_type, country and status also as parameters), "
                           f"besides bbox and datetime. Not queryable: {others}.",
            "properties": {name: queryable_schema(name) for name in names}}


def schemas() -> dict:
    """The response bodies' schemas, by name."""
    link = {"type": "object", "required": ["href"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}, "hreflang": {"type": "string"}}}
    links = {"type": "array", "items": _ref("schemas", "link")}
    return {
        "link": link,
        "exception": _error_schema(),
        "landingPage": _object(["links"], title={"type": "string"},
                               description={"type": "string"}, links=links),
        "confClasses": _object(["conformsTo"], conformsTo={"type": "array",
                                                           "items": {"type": "string"}}),
        "collections": _object(["links", "collections"], links=links, collections={
            "type": "array", "items": _ref("schemas", "collection")}),
        "collection": _collection_schema(links),
        "featureCollectionGeoJSON": _object(
            ["type", "features"], type={"type": "string", "enum": ["FeatureCollection"]},
            features={"type": "array", "items": _ref("schemas", "featureGeoJSON")}, links=links,
            timeStamp={"type": "string", "format": "date-time"},
            numberMatched={"type": "integer", "minimum": 0},
            numberReturned={"type": "integer", "minimum": 0}),
        "featureGeoJSON": _object(
            ["type", "geometry", "properties"], type={"type": "string", "enum": ["Feature"]},
            id={"type": "string"}, geometry=_ref("schemas", "geometryGeoJSON"),
            properties=_ref("schemas", "incidentProperties"), links=links),
        "geometryGeoJSON": _object(["type", "coordinates"], type={
            "type": "string", "enum": ["Point", "LineString", "Polygon"]},
            coordinates={"type": "array", "items": {}}),
        "incidentProperties": {"type": "object", "additionalProperties": True,
                               "required": ["id", "layer", "event_date", "event_type",
                                            "sub_event_type", "status"],
                               "properties": property_schemas()},
        "queryables": _object(["type", "properties"], type={"type": "string"},
                              properties={"type": "object"}, title={"type": "string"}),
        "openapi": _object(["openapi", "info", "paths"], openapi={"type": "string"},
                           info={"type": "object"}, paths={"type": "object"}),
    }


def _object(required: list[str], **properties: dict) -> dict:
    found = {"type": "object", "properties": properties}
    return found | {"required": required} if required else found


def _collection_schema(links: dict) -> dict:
    bbox = {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}
    instant = {"type": "string", "format": "date-time", "nullable": True}
    interval = {"type": "array", "minItems": 2, "maxItems": 2, "items": instant}
    extent = _object([], spatial=_object(["bbox"], bbox={"type": "array", "items": bbox},
                                         crs={"type": "string"}),
                     temporal=_object(["interval"], trs={"type": "string"},
                                      interval={"type": "array", "items": interval}))
    return _object(["id", "links"], id={"type": "string"}, title={"type": "string"},
                   description={"type": "string"}, links=links, extent=extent,
                   itemType={"type": "string"}, storageCrs={"type": "string"},
                   crs={"type": "array", "items": {"type": "string"}})


def _error_schema() -> dict:
    """geomap's one error shape (geomap.web.errors)."""
    return _object(["error", "status", "field", "message"], error={"type": "string"},
                   status={"type": "integer"}, field={"type": "string", "nullable": True},
                   message={"type": "string"})


def _error_responses() -> dict:
    body = {JSON: {"schema": _ref("schemas", "exception")}}
    return {"InvalidParameter": {"description": "a parameter is unknown, repeated or invalid "
                                                "(field names it)", "content": body},
            "NotFound": {"description": "no such collection or feature", "content": body}}
