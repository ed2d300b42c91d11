"""OGC API – Features under /ogc, through Flask's test client over a fresh SQLite store."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from openapi_spec_validator import validate

from geomap.incident import PROPERTIES
from geomap.query import MAX_LIMIT, PARAMETERS, IncidentQuery
from geomap.web.ogc import CONFORMANCE, FILTERS
from geomap.web.openapi import OPENAPI, property_schemas
from tests.incident_samples import sample, samples
from tests.web_support import ID, assert_error, names, numbered

#: Every app test here runs over a SQLite store and over a PostGIS one (tests/conftest.py).
APP_BACKENDS = ("sqlite", "postgis")

ITEMS = "/ogc/collections/incidents/items"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
JSON_URLS = ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/incidents",
             "/ogc/collections/incidents/queryables")


def rels(body: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in body["links"]}


def local(href: str) -> str:
    return urlsplit(href)._replace(scheme="", netloc="").geturl()


# --- landing page, conformance, API definition ------------------------------------------

def test_landing_page_links_to_the_api_the_conformance_classes_and_the_data(client, loaded):
    response = client.get("/ogc/")
    assert response.status_code == 200 and response.mimetype == "application/json"
    links = rels(response.get_json())
    assert links["service-desc"]["type"] == OPENAPI
    assert local(links["service-desc"]["href"]) == "/ogc/api"
    assert local(links["conformance"]["href"]) == "/ogc/conformance"
    assert local(links["data"]["href"]) == "/ogc/collections"
    assert links["self"]["type"] == "application/json"
    assert links["alternate"]["type"] == "text/html"
    for link in links.values():
        assert link["href"].startswith("http://localhost/ogc/")
        assert client.get(local(link["href"])).status_code == 200, link


def test_conformance_declares_core_geojson_html_and_openapi(client):
    body = client.get("/ogc/conformance").get_json()
    assert {CORE + name for name in ("core", "geojson", "html", "oas30")} <= set(body["conformsTo"])
    assert body["conformsTo"] == list(CONFORMANCE)


def test_the_api_definition_is_a_valid_openapi_3_document(client, loaded):
    response = client.get("/ogc/api")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == OPENAPI
    document = orjson.loads(response.get_data())
    validate(document)
    assert document["openapi"].startswith("3.0.")
    assert document["servers"] == [{"url": "http://localhost/ogc"}]


def test_the_api_definition_follows_the_route_table(app, client, loaded):
    document = client.get("/ogc/api").get_json()
    routes = {rule.rule.replace("<collection_id>", "{collectionId}")
              .replace("<feature_id>", "{featureId}")
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("ogc.")}
    assert {"/ogc" + path for path in document["paths"]} == routes
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    named = {ref["$ref"].rsplit("/", 1)[1] for ref in items["parameters"]}
    assert named == {"collectionId", "f", "bbox", "bbox-crs", "datetime", "limit", "offset", "crs",
                     "filter", "filter-lang", "filter-crs", "sortby", *FILTERS}
    parameters = document["components"]["parameters"]
    assert parameters["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert parameters["limit"]["schema"]["default"] == 1000  # so that GIS clients copy fast
    assert parameters["collectionId"]["schema"]["enum"] == ["incidents"]
    assert "Air/drone strike" in parameters["sub_event_type"]["schema"]["items"]["enum"]
    properties = document["components"]["schemas"]["incidentProperties"]["properties"]
    assert list(properties) == list(PROPERTIES)


def test_every_filter_maps_to_a_map_api_parameter():
    assert set(FILTERS.values()) <= set(PARAMETERS) and set(FILTERS) <= set(PROPERTIES)
    assert set(property_schemas()) == set(PROPERTIES)


# --- collections ------------------------------------------------------------------------

def test_one_collection_per_layer_with_its_extent(client, store):
    store.add_many([*samples().values(), *numbered(3, layer="reports")])
    body = client.get("/ogc/collections").get_json()
    assert [found["id"] for found in body["collections"]] == ["incidents", "reports"]
    incidents = body["collections"][0]
    assert incidents["itemType"] == "feature"
    assert incidents["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                                "http://www.opengis.net/def/crs/EPSG/0/4326",
                                "http://www.opengis.net/def/crs/EPSG/0/3857"]
    assert incidents["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert incidents["extent"]["spatial"]["bbox"] == [[36.6339, 33.343, 44.385, 36.345]]
    assert incidents["extent"]["temporal"]["interval"] == [["2022-01-02T00:00:00Z",
                                                           "2022-04-07T23:59:59Z"]]
    links = {(link["rel"], link["type"]): link["href"] for link in incidents["links"]}
    assert local(links["items", "application/geo+json"]) == ITEMS
    assert client.get("/ogc/collections/reports").get_json()["id"] == "reports"
    assert client.get("/ogc/collections/incidents").get_json() == incidents


@pytest.mark.parametrize("url", [
    "/ogc/collections/nope", "/ogc/collections/nope/items", "/ogc/collections/nope/queryables",
    "/ogc/collections/..%2Fetc/items", "/ogc/collections/incidents/items/not-an-id",
    "/ogc/collections/nope/items/x", "/ogc/nothing-here"])
def test_unknown_collections_features_and_routes_are_404(client, loaded, url):
    assert_error(client.get(url), 404)


def test_a_feature_is_found_only_in_its_own_collection(client, store):
    store.add_many([*numbered(1, layer="reports"), sample("mosul_ied")])
    feature_id = ID["mosul_ied"]
    assert client.get(f"{ITEMS}/{feature_id}").status_code == 200
    assert_error(client.get(f"/ogc/collections/reports/items/{feature_id}"), 404)


def test_queryables_are_the_properties_the_items_request_filters_on(client, loaded):
    response = client.get("/ogc/collections/incidents/queryables")
    assert response.status_code == 200 and response.mimetype == "application/schema+json"
    body = response.get_json()
    assert body["type"] == "object" and set(FILTERS) < set(body["properties"])
    assert {"actor1", "actor2", "admin1", "location", "gazetteer_id", "fatalities",
            "event_date"} < set(body["properties"])
    assert body["properties"]["status"]["enum"] == ["draft", "published"]
    assert "Not queryable: id, layer, event_time," in body["description"]
    for name, schema in ((n, body["properties"][n]) for n in FILTERS):
        value = "SY" if name == "country" else schema["enum"][0]
        assert client.get(ITEMS, query_string={name: value}).status_code == 200, name


# --- items ------------------------------------------------------------------------------

def test_items_frame_the_stored_features(client, loaded):
    response = client.get(ITEMS)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 6 and names(body) == set(ID)
    assert body["timeStamp"].endswith("Z")
    assert [feature["id"] for feature in body["features"]][0] == ID["green_village"]
    for feature in body["features"]:
        assert feature == loaded.get(feature["id"])
    links = rels(body)
    assert links["self"]["type"] == "application/geo+json"
    assert local(links["collection"]["href"]) == "/ogc/collections/incidents"
    assert "next" not in links and "prev" not in links


@pytest.mark.parametrize("params, expected", [
    ({"bbox": "40,34,41,36"}, {"green_village", "mayadin_launch_site"}),
    ({"bbox": "40,34,0,41,36,100"}, {"green_village", "mayadin_launch_site"}),
    ({"bbox": "0,0,1,1"}, set()),
    ({"datetime": "2022-04-07"}, {"green_village", "mayadin_launch_site"}),
    ({"datetime": "2022-04-07T21:40:00Z"}, {"green_village", "mayadin_launch_site"}),
    ({"datetime": "2022-03-01/2022-03-31"}, {"erbil_missiles"}),
    ({"datetime": "2022-03-01T00:00:00Z/2022-04-01T12:00:00Z"},
     {"erbil_missiles", "baghdad_protest"}),
    ({"datetime": "../2022-02-20"}, {"mosul_ied", "idlib_airstrike"}),
    ({"datetime": "2022-04-01/.."}, {"green_village", "mayadin_launch_site", "baghdad_protest"}),
    ({"datetime": "/2022-01-02"}, {"idlib_airstrike"}),
    ({"event_type": "Protests"}, {"baghdad_protest"}),
    ({"event_type": "battles,protests"}, {"mayadin_launch_site", "baghdad_protest"}),
    ({"sub_event_type": "Air/drone strike"}, {"idlib_airstrike"}),
    ({"country": "iq"}, {"erbil_missiles", "baghdad_protest", "mosul_ied"}),
    ({"status": "published"}, {"erbil_missiles", "baghdad_protest", "mosul_ied"}),
    ({"bbox": "35,32,45,37", "country": "SY", "datetime": "2022-04-07",
      "event_type": "Battles"}, {"mayadin_launch_site"}),
])
def test_items_filter(client, loaded, params, expected):
    body = client.get(ITEMS, query_string=params).get_json()
    assert names(body) == expected
    assert body["numberMatched"] == body["numberReturned"] == len(expected)


@pytest.mark.parametrize("ogc, api", [
    ({"bbox": "40,34,45,37"}, {"bbox": "40,34,45,37"}),
    ({"datetime": "2022-03-01/2022-04-07"}, {"start": "2022-03-01", "end": "2022-04-07"}),
    ({"event_type": "Explosions/Remote violence"}, {"type": "Explosions/Remote violence"}),
    ({"bbox": "36,33,45,37", "datetime": "2022-01-01/2022-03-31",
      "event_type": "Explosions/Remote violence", "country": "IQ", "status": "published"},
     {"bbox": "36,33,45,37", "start": "2022-01-01", "end": "2022-03-31",
      "type": "Explosions/Remote violence", "country": "IQ", "status": "published"}),
])
def test_both_apis_answer_the_same_features_to_the_same_filters(client, store, ogc, api):
    store.add_many([*samples().values(), *numbered(40)])
    ours = client.get(ITEMS, query_string={**ogc, "limit": "1000"}).get_json()
    theirs = client.get("/api/layers/incidents/features",
                        query_string={**api, "limit": "1000"}).get_json()
    ids = [feature["id"] for feature in ours["features"]]
    assert ids and ids == [feature["id"] for feature in theirs["features"]]
    assert ours["numberMatched"] == theirs["numberMatched"]


def test_paging_follows_next_links_to_the_end_and_prev_links_back(client, store):
    assert store.add_many(numbered(57)).added == 57
    seen, url, pages = [], f"{ITEMS}?country=IQ&limit=10", []
    while url:
        body = client.get(url).get_json()
        assert body["numberMatched"] == 57 and body["numberReturned"] == len(body["features"])
        seen += [feature["id"] for feature in body["features"]]
        pages.append(url)
        url = local(rels(body)["next"]["href"]) if "next" in rels(body) else None
    # a page of 10, then the next link asks for 1,000 (GDAL before 3.9 follows it with no
    # other say in the page size): the rest in one more page
    assert len(pages) == 2 and len(seen) == len(set(seen)) == 57
    assert parse_qs(urlsplit(pages[1]).query)["limit"] == ["1000"]
    assert set(seen) == {feature["id"] for feature in store.query(IncidentQuery(limit=None))}
    body = client.get(pages[-1]).get_json()
    assert parse_qs(urlsplit(rels(body)["prev"]["href"]).query)["offset"] == ["0"]
    assert client.get(ITEMS).get_json()["numberReturned"] == 57  # 1,000 by default


def test_a_limit_over_the_maximum_is_served_as_the_maximum(client, store):
    store.add_many(numbered(12))
    body = client.get(ITEMS, query_string={"limit": "99999999999999999999999", "offset": "2"})
    body = body.get_json()
    assert body["numberReturned"] == 10 and body["numberMatched"] == 12
    prev = parse_qs(urlsplit(rels(body)["prev"]["href"]).query)
    assert prev["limit"] == [str(MAX_LIMIT)] and prev["offset"] == ["0"]


def test_a_page_past_the_end_is_empty_but_counts_the_matches(client, loaded):
    body = client.get(ITEMS, query_string={"offset": "100"}).get_json()
    assert body["numberMatched"] == 6 and body["numberReturned"] == 0 and body["features"] == []
    assert "next" not in rels(body) and "prev" in rels(body)


def test_one_feature_with_its_links(client, loaded):
    response = client.get(f"{ITEMS}/{ID['erbil_missiles']}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    links = rels({"links": body.pop("links")})
    assert body == loaded.get(ID["erbil_missiles"])
    assert local(links["collection"]["href"]) == "/ogc/collections/incidents"
    assert links["self"]["type"] == "application/geo+json" and links["alternate"]["type"] == "text/html"


# --- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("params, field", [
    ({"bbox": "40,34,41"}, "bbox"),
    ({"bbox": "a,b,c,d"}, "bbox"),
    ({"bbox": "40,34,0,41,36,x"}, "bbox"),
    ({"bbox": "40,95,41,96"}, "bbox"),
    ({"bbox": "170,0,-170,10"}, "bbox"),
    ({"bbox": "1e999,0,2,1"}, "bbox"),
    ({"datetime": "yesterday"}, "datetime"),
    ({"datetime": "2022-13-01"}, "datetime"),
    ({"datetime": "2022-02-30"}, "datetime"),
    ({"datetime": "2022-04-07T25:00:00Z"}, "datetime"),
    ({"datetime": "2022-04-07T10:00:00"}, "datetime"),
    ({"datetime": "2022-04-08/2022-04-01"}, "datetime"),
    ({"datetime": ".."}, "datetime"),
    ({"datetime": "2022-04-01/2022-04-02/2022-04-03"}, "datetime"),
    ({"limit": "0"}, "limit"),
    ({"limit": "-1"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"limit": "1.5"}, "limit"),
    ({"limit": ["5", "6"]}, "limit"),
    ({"offset": "-1"}, "offset"),
    ({"offset": "x"}, "offset"),
    ({"offset": "1" * 40}, "offset"),
    ({"event_type": "Nonsense"}, "event_type"),
    ({"sub_event_type": "Armed clashes"}, "sub_event_type"),
    ({"country": "ZZ"}, "country"),
    ({"status": "final"}, "status"),
    ({"f": "xml"}, "f"),
    ({"foo": "1"}, "foo"),
    ({"admin1": "Nineveh"}, "admin1"),
    ({"type": "Battles"}, "type"),
])
def test_invalid_or_unknown_parameters_are_400_naming_the_parameter(client, loaded, params, field):
    assert_error(client.get(ITEMS, query_string=params), 400, field)


@pytest.mark.parametrize("url", ["/ogc/?limit=1", "/ogc/collections?bbox=1,2,3,4",
                                 "/ogc/collections/incidents/items/x?datetime=2022-01-01"])
def test_other_resources_refuse_parameters_they_do_not_take(client, loaded, url):
    assert_error(client.get(url), 400, urlsplit(url).query.split("=")[0])


@pytest.mark.parametrize("name", ["bbox", "datetime", "limit", "offset", "f", *FILTERS])
@pytest.mark.parametrize("value", ["\x00", "%", "'; DROP TABLE incidents; --", "..", "/", ",,,",
                                   "\u202e", "[]", pytest.param("9" * 5000, id="5000-digits")])
def test_no_garbage_parameter_is_a_500(client, loaded, name, value):
    response = client.get(ITEMS, query_string={name: value})
    assert response.status_code in (200, 400), response.get_data(as_text=True)


# --- formats ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", [*JSON_URLS, ITEMS, "/ogc/api"])
def test_json_by_default_html_on_request(client, loaded, url):
    assert client.get(url).mimetype != "text/html"
    assert client.get(url, headers={"Accept": "*/*"}).mimetype != "text/html"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for response in (client.get(url, query_string={"f": "html"}),
                     client.get(url, headers={"Accept": browser})):
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "Accept" in response.headers["Vary"]
        assert response.get_data(as_text=True).startswith("<!doctype html>")
    response = client.get(url, query_string={"f": "json"}, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.is_json


@pytest.mark.parametrize("url, media_type", [
    ("/ogc/", "application/json"), ("/ogc/collections", "application/json"),
    ("/ogc/collections/incidents", "application/json"), (ITEMS, "application/geo+json"),
    ("/ogc/api", OPENAPI)])
def test_media_types_follow_the_accept_header(client, loaded, url, media_type):
    for accept in (media_type, "application/json", "application/geo+json, application/json"):
        response = client.get(url, headers={"Accept": accept})
        assert response.headers["Content-Type"] == media_type, accept


def test_html_pages_show_the_data_escaped(client, store):
    feature = sample("green_village")
    feature["properties"]["summary"] = '<script>alert("x")</script> rockets'
    stored = store.add(feature)
    items = client.get(ITEMS, query_string={"f": "html"}).get_data(as_text=True)
    one = client.get(f"{ITEMS}/{stored['id']}", query_string={"f": "html"}).get_data(as_text=True)
    for page in (items, one):
        assert "&lt;script&gt;alert(" in page and "<script>" not in page
        assert "Green Village" in page
    assert f"{ITEMS}/{stored['id']}?f=html" in items


def test_html_items_link_to_the_next_page(client, store):
    store.add_many(numbered(15))
    page = client.get(ITEMS, query_string={"f": "html"}).get_data(as_text=True)
    assert 'rel="next"' in page and "offset=10" in page and "10 of 15" in page


def test_the_default_collection_is_listed_while_empty(client):
    body = client.get("/ogc/collections").get_json()
    assert [(found["id"], found["extent"]) for found in body["collections"]] == [("incidents", {})]
    items = client.get(ITEMS).get_json()
    assert items["numberMatched"] == items["numberReturned"] == 0 and items["features"] == []
    validate(client.get("/ogc/api").get_json())
    for url in ("/ogc/collections/incidents", ITEMS, "/ogc/collections"):
        assert client.get(url, query_string={"f": "html"}).status_code == 200, url
    assert_error(client.get("/ogc/collections/reports/items"), 404)


# --- the rest of the app ----------------------------------------------------------------

def test_the_map_api_and_the_map_keep_working(app, client, loaded):
    assert client.get("/api/layers/incidents/features").get_json()["numberMatched"] == 6
    if "pages" in app.blueprints:
        assert client.get("/").mimetype == "text/html"



CRS84, EPSG_4326, EPSG_3857 = ("http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                               "http://www.opengis.net/def/crs/EPSG/0/4326",
                               "http://www.opengis.net/def/crs/EPSG/0/3857")


def test_items_in_each_crs_with_content_crs_and_the_axis_order_of_that_crs(client, loaded):
    green = ID["green_village"]
    served = {}
    for crs in (None, CRS84, EPSG_4326, EPSG_3857):
        response = client.get(ITEMS, query_string={"crs": crs} if crs else {})
        assert response.headers["Content-Crs"] == f"<{crs or CRS84}>"
        body = response.get_json()
        served[crs] = next(f for f in body["features"] if f["id"] == green)["geometry"]["coordinates"]
    assert served[None] == served[CRS84] == [40.576, 35.152]  # lon, lat as stored
    assert served[EPSG_4326] == [35.152, 40.576]  # EPSG:4326 is latitude first
    x, y = served[EPSG_3857]  # metres east and north, by the spherical Mercator formula
    assert abs(x - 6378137 * math.radians(40.576)) < 0.01
    assert abs(y - 6378137 * math.log(math.tan(math.pi / 4 + math.radians(35.152) / 2))) < 0.01
    one = client.get(f"{ITEMS}/{green}", query_string={"crs": "[EPSG:4326]"})
    assert one.headers["Content-Crs"] == f"<{EPSG_4326}>"
    assert one.get_json()["geometry"]["coordinates"] == [35.152, 40.576]


@pytest.mark.parametrize("bbox, bbox_crs", [
    ("40,34.5,41,35.5", None), ("40,34.5,41,35.5", CRS84),
    ("34.5,40,35.5,41", EPSG_4326),  # lat, lon
    ("4452779.6,4096699.7,4564099.0,4232000.0", EPSG_3857)])  # the same box in metres
def test_bbox_in_another_crs_selects_the_same_incidents(client, loaded, bbox, bbox_crs):
    params = {"bbox": bbox} | ({"bbox-crs": bbox_crs} if bbox_crs else {})
    body = client.get(ITEMS, query_string=params).get_json()
    assert names(body) == {"green_village", "mayadin_launch_site"}


@pytest.mark.parametrize("params, field", [
    ({"crs": "http://www.opengis.net/def/crs/EPSG/0/32638"}, "crs"),
    ({"crs": "EPSG:9999999"}, "crs"),
    ({"bbox": "40,34,41,35", "bbox-crs": "urn:ogc:def:crs:EPSG::2154"}, "bbox-crs"),
    ({"bbox": "a,b,c,d", "bbox-crs": EPSG_3857}, "bbox"),
])
def test_an_unsupported_crs_is_400_naming_it(client, loaded, params, field):
    body = assert_error(client.get(ITEMS, query_string=params), 400, field)
    assert field != "crs" or "EPSG/0/3857" in body["message"]  # says which are offered



@pytest.mark.parametrize("params, expected", [
    ({"filter": "fatalities > 2 AND actor1 LIKE 'Islamic State%'"}, {"mosul_ied"}),
    ({"filter": "admin1 = 'Deir ez-Zor'"}, {"green_village", "mayadin_launch_site"}),
    ({"filter": "location IN ('Mosul', 'Erbil')"}, {"mosul_ied", "erbil_missiles"}),
    ({"filter": "gazetteer_id = 'site:green-village'"}, {"green_village"}),
    ({"filter": "actor2 LIKE '%united states%'"}, {"green_village"}),
    ({"filter": "fatalities BETWEEN 1 AND 20 AND S_INTERSECTS(geometry, BBOX(42, 35, 45, 37))"},
     {"mosul_ied"}),
    ({"filter": "event_date >= DATE('2022-03-01') AND country = 'IQ'"},
     {"erbil_missiles", "baghdad_protest"}),
    ({"filter-lang": "cql2-json", "filter": orjson.dumps(
        {"op": "and", "args": [{"op": ">", "args": [{"property": "fatalities"}, 2]},
                               {"op": "like", "args": [{"property": "actor1"}, "Islamic State%"]}]}
    ).decode()}, {"mosul_ied"}),
])
def test_cql2_filters_select_what_they_say(client, loaded, params, expected):
    body = client.get(ITEMS, query_string=params).get_json()
    assert names(body) == expected, body.get("message")
    assert body["numberMatched"] == len(expected)


def test_sortby_orders_the_page(client, loaded):
    body = client.get(ITEMS, query_string={"sortby": "-fatalities"}).get_json()
    fatalities = [f["properties"]["fatalities"] for f in body["features"]]
    known = [n for n in fatalities if n is not None]
    assert known == sorted(known, reverse=True) and fatalities[:len(known)] == known
    oldest = client.get(ITEMS, query_string={"sortby": "+event_date"}).get_json()["features"][0]
    assert oldest["properties"]["event_date"] == min(
        f["properties"]["event_date"] for f in samples().values())


@pytest.mark.parametrize("params, field, named", [
    ({"filter": "fatalities > 5 OR country = 'IQ'"}, "filter", "OR"),
    ({"filter": "NOT (country = 'IQ')"}, "filter", "NOT"),
    ({"filter": "summary LIKE '%drone%'"}, "filter", "'summary' is not queryable"),
    ({"filter": "S_INTERSECTS(geometry, POINT(40 35))"}, "filter", "S_INTERSECTS with Geometry"),
    ({"filter": "T_AFTER(event_date, DATE('2022-01-01'))"}, "filter", "not valid cql2-text"),
    ({"filter": "fatalities > 'many'"}, "filter", "takes a number"),
    ({"filter": "country = 'IQ'", "filter-lang": "sql"}, "filter-lang", "cql2-text or cql2-json"),
    ({"filter": "{not json", "filter-lang": "cql2-json"}, "filter", "not valid cql2-json"),
    ({"sortby": "-summary"}, "sortby", "not a sort order"),
])
def test_unsupported_cql2_is_400_naming_the_construct(client, loaded, params, field, named):
    body = assert_error(client.get(ITEMS, query_string=params), 400, field)
    assert named in body["message"]
