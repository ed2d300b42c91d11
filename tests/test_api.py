"""The HTTP API through Flask's test client, over a fresh SQLite store per test."""

from __future__ import annotations

import copy
import csv
import io
import re
import threading
from urllib.parse import urlsplit

import orjson
import pytest

from geomap.web import create_app, tile_source
from geomap.web.downloads import iter_written
from tests.incident_samples import sample
from tests.web_support import ID, TOKEN, assert_error, names, numbered

#: Every app test here runs over a SQLite store and over a PostGIS one (tests/conftest.py).
APP_BACKENDS = ("sqlite", "postgis")

AUTH = {"Authorization": f"Bearer {TOKEN}"}
FEATURES = "/api/layers/incidents/features"
# --- layers and feature pages -----------------------------------------------------------

def test_layers_lists_the_incident_layers_then_the_sites(client, loaded):
    response = client.get("/api/layers")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    incidents, sites = response.get_json()
    assert incidents == {"id": "incidents", "title": "Incidents", "kind": "incidents", "count": 6,
                         "bbox": [36.6339, 33.343, 44.385, 36.345],
                         "time_extent": ["2022-01-02", "2022-04-07"]}
    assert sites["id"] == "sites" and sites["kind"] == "reference" and sites["count"] > 100


def test_features_are_a_feature_collection_page(client, loaded):
    response = client.get(FEATURES)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 6 and names(body) == set(ID)
    assert [link["rel"] for link in body["links"]] == ["self"]
    assert body["features"][0] == loaded.get(body["features"][0]["id"])


@pytest.mark.parametrize("params, expected", [
    ({"bbox": "40,34,41,36"}, {"green_village", "mayadin_launch_site"}),
    ({"start": "2022-04-01"}, {"green_village", "mayadin_launch_site", "baghdad_protest"}),
    ({"start": "2022-03-01", "end": "2022-03-31"}, {"erbil_missiles"}),
    ({"type": "Protests"}, {"baghdad_protest"}),
    ({"type": "battles,protests"}, {"mayadin_launch_site", "baghdad_protest"}),
    ({"sub_type": "Air/drone strike"}, {"idlib_airstrike"}),
    ({"country": "iq"}, {"erbil_missiles", "baghdad_protest", "mosul_ied"}),
    ({"actor": "islamic state"}, {"mosul_ied"}),
    ({"q": "water station"}, {"idlib_airstrike"}),
    ({"min_fatalities": "3"}, {"mosul_ied", "idlib_airstrike"}),
    ({"precision": "1"}, {"green_village", "erbil_missiles", "idlib_airstrike"}),
    ({"status": "published"}, {"erbil_missiles", "baghdad_protest", "mosul_ied"}),
    ({"bbox": "35,32,45,37", "country": "SY", "start": "2022-04-07", "type": "Battles"},
     {"mayadin_launch_site"}),
    ({"bbox": "0,0,1,1"}, set()),
])
def test_features_filter(client, loaded, params, expected):
    body = client.get(FEATURES, query_string=params).get_json()
    assert names(body) == expected
    assert body["numberMatched"] == body["numberReturned"] == len(expected)


def test_paging_follows_next_links_to_the_end(client, store):
    assert store.add_many(numbered(57)).added == 57
    seen, url, pages = [], f"{FEATURES}?limit=10&country=IQ", 0
    while url:
        body = client.get(url).get_json()
        assert body["numberMatched"] == 57 and body["numberReturned"] == len(body["features"])
        seen += [feature["id"] for feature in body["features"]]
        following = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = urlsplit(following[0])._replace(scheme="", netloc="").geturl() if following else None
        pages += 1
    assert pages == 6 and len(seen) == len(set(seen)) == 57
    everything = client.get(f"{FEATURES}?limit=all&country=IQ").get_json()
    assert seen == [feature["id"] for feature in everything["features"]]


def test_a_page_past_the_end_still_counts_the_matches(client, loaded):
    body = client.get(FEATURES, query_string={"offset": "10"}).get_json()
    assert body["numberMatched"] == 6 and body["numberReturned"] == 0
    assert [link["rel"] for link in body["links"]] == ["self", "prev"]


def test_unknown_layer_is_404(client, loaded):
    assert_error(client.get("/api/layers/nope/features"), 404)
    assert_error(client.get("/api/layers/nope/features?download=1"), 404)
    assert_error(client.get("/api/layers/..%2Fetc/features"), 404)


# --- downloads --------------------------------------------------------------------------

def test_download_streams_the_filtered_set_as_an_attachment(client, loaded):
    params = {"start": "2022-04-07", "end": "2022-04-08"}
    response = client.get(FEATURES, query_string={**params, "download": "1"})
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="incidents-2022-04-07_2022-04-08.geojson"'
    body = orjson.loads(response.get_data())
    page = client.get(FEATURES, query_string=params).get_json()
    assert body == {"type": "FeatureCollection", "features": page["features"]}
    assert names(body) == {"green_village", "mayadin_launch_site"}


def test_limit_all_downloads_the_whole_filtered_layer(client, store):
    store.add_many(numbered(150))
    response = client.get(FEATURES, query_string={"limit": "all", "offset": "20"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="incidents.geojson"'
    assert len(orjson.loads(response.get_data())["features"]) == 150


def test_an_empty_download_is_an_empty_collection(client, loaded):
    body = orjson.loads(client.get(f"{FEATURES}?download=1&bbox=0,0,1,1").get_data())
    assert body == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize("fmt, media_type, marker", [
    ("csv", "text/csv", b"event_date"), ("kml", "application/vnd.google-earth.kml+xml", b"<kml"),
    ("html", "text/html", b"leaflet")])
def test_download_in_other_formats(client, loaded, fmt, media_type, marker):
    response = client.get(FEATURES, query_string={"download": "1", "format": fmt, "country": "SY"})
    assert response.status_code == 200 and response.mimetype == media_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="incidents.{fmt}"'
    data = response.get_data()
    assert marker in data and b"Green Village" in data and b"Mosul" not in data


def test_csv_download_has_one_row_per_filtered_incident(client, loaded):
    response = client.get(FEATURES, query_string={"format": "csv", "country": "IQ"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["id"] for row in rows} == {ID[name] for name in
                                           ("erbil_missiles", "baghdad_protest", "mosul_ied")}


def test_geopackage_download(client, loaded, tmp_path):
    response = client.get(FEATURES, query_string={"download": "1", "format": "gpkg"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="incidents.gpkg"'
    path = tmp_path / "download.gpkg"
    path.write_bytes(response.get_data())
    import geopandas

    assert sorted(geopandas.read_file(path)["id"]) == sorted(ID.values())


def test_a_stream_abandoned_by_its_client_stops_its_writer():
    stopped = threading.Event()

    def write(out):
        try:
            while True:
                out.write(b"x" * 65536)
        finally:
            stopped.set()

    stream = iter_written(write)
    assert next(stream).startswith(b"xxx")
    stream.close()
    assert stopped.wait(5)


def test_a_writer_error_reaches_the_stream():
    def write(out):
        out.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        b"".join(iter_written(write))


# --- sites ------------------------------------------------------------------------------

def test_sites_are_points_with_their_gazetteer_ids(client):
    body = client.get("/api/layers/sites/features?bbox=40,34,42,36&limit=1000").get_json()
    assert body["numberMatched"] == len(body["features"]) > 0
    airport = next(f for f in body["features"] if f["id"] == "icao:OSDZ")
    assert airport["geometry"]["type"] == "Point"
    assert set(airport["properties"]) == {"name", "feature", "country", "admin1", "gazetteer_id",
                                          "source"}
    assert airport["properties"]["feature"] == "airport"


def test_sites_page_and_filter_by_country(client):
    body = client.get("/api/layers/sites/features?country=IQ&limit=5").get_json()
    assert body["numberReturned"] == 5 < body["numberMatched"]
    assert {f["properties"]["country"] for f in body["features"]} == {"IQ"}
    assert any(link["rel"] == "next" for link in body["links"])


def test_the_gazetteer_opens_only_when_first_needed(app, client, loaded):
    state = app.extensions["geomap"]
    client.get(FEATURES)
    assert state._gazetteer is None
    client.get("/api/gazetteer/search?q=Mosul")
    assert state._gazetteer is not None


# --- incidents --------------------------------------------------------------------------

def test_get_incident_and_unknown_incident(client, loaded):
    response = client.get(f"/api/incidents/{ID['erbil_missiles']}")
    assert response.status_code == 200
    assert response.get_json() == loaded.get(ID["erbil_missiles"])
    assert_error(client.get("/api/incidents/no-such-thing"), 404)
    assert_error(client.get("/api/incidents/no-such-thing/history"), 404)


def test_post_a_feature(client):
    response = client.post("/api/incidents", json=sample("green_village"), headers=AUTH)
    assert response.status_code == 201
    stored = response.get_json()
    assert stored["id"] == ID["green_village"] and stored["properties"]["status"] == "draft"
    assert response.headers["Location"] == f"/api/incidents/{stored['id']}"
    assert client.get(response.headers["Location"]).get_json() == stored


def test_post_a_feature_collection(client):
    collection = {"type": "FeatureCollection", "features": [sample("erbil_missiles"),
                                                            sample("mosul_ied")]}
    response = client.post("/api/incidents", json=collection, headers=AUTH)
    assert response.status_code == 201
    assert names(response.get_json()) == {"erbil_missiles", "mosul_ied"}
    assert client.get(FEATURES).get_json()["numberMatched"] == 2


def test_patch_merges_and_keeps_history(client, loaded):
    url = f"/api/incidents/{ID['mosul_ied']}"
    response = client.patch(url, json={"properties": {"fatalities": 4, "status": "draft"}},
                            headers=AUTH)
    assert response.status_code == 200
    patched = response.get_json()["properties"]
    assert patched["fatalities"] == 4 and patched["location"] == "Mosul"
    history = client.get(f"{url}/history").get_json()
    assert [(v["version"], v["action"], v["author"]) for v in history["versions"]] == [
        (1, "create", None), (2, "update", "api")]
    first, second = history["versions"]
    assert first["feature"]["properties"]["fatalities"] == 3
    assert {"field": "fatalities", "before": 3, "after": 4} in second["changes"]
    assert second["at"] >= first["at"]


def test_delete_then_gone(client, loaded):
    url = f"/api/incidents/{ID['baghdad_protest']}"
    response = client.delete(url, headers=AUTH)
    assert response.status_code == 204 and response.get_data() == b""
    assert_error(client.get(url), 404)
    assert_error(client.delete(url, headers=AUTH), 404)
    versions = client.get(f"{url}/history").get_json()["versions"]
    assert [(v["action"], v["author"]) for v in versions] == [("create", None), ("delete", "api")]
    assert versions[-1]["feature"] is None


def test_writes_to_unknown_incidents_are_404(client, loaded):
    assert_error(client.patch("/api/incidents/nope", json={"fatalities": 1}, headers=AUTH), 404)


def test_a_script_in_a_summary_comes_back_verbatim_as_json(client):
    feature = sample("baghdad_protest")
    summary = '</script><script>alert("x")</script>\u2028<img src=x onerror=alert(1)> &amp;'
    feature["properties"]["summary"] = summary
    stored = client.post("/api/incidents", json=feature, headers=AUTH).get_json()
    response = client.get(f"/api/incidents/{stored['id']}")
    assert response.mimetype == "application/geo+json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["properties"]["summary"] == summary
    page = client.get(FEATURES).get_json()
    assert page["features"][0]["properties"]["summary"] == summary


# --- authentication and bodies ----------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": TOKEN}, {"Authorization": "Bearer "},
                                     {"Authorization": f"Basic {TOKEN}"}])
def test_writes_need_the_bearer_token(client, loaded, headers):
    url = f"/api/incidents/{ID['mosul_ied']}"
    for response in (client.post("/api/incidents", json=sample("green_village"), headers=headers),
                     client.patch(url, json={"fatalities": 9}, headers=headers),
                     client.delete(url, headers=headers)):
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert loaded.get(ID["mosul_ied"])["properties"]["fatalities"] == 3


def test_writes_are_refused_when_no_token_is_configured(make_app):
    client = make_app(api_token="").test_client()
    response = client.post("/api/incidents", json=sample("green_village"),
                           headers={"Authorization": "Bearer "})
    assert_error(response, 401)
    assert_error(client.post("/api/incidents", json=sample("green_village"),
                             headers={"Authorization": "Bearer anything"}), 401)


@pytest.mark.parametrize("data, field", [
    (b"not json", "body"), (b"", "body"), (b"[1, 2]", "body"), (b'"text"', "body"),
    (b"\xff\xfe", "body"),
    (orjson.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [40, 35]},
                   "properties": {"event_date": "2022-13-01", "event_type": "Battles",
                                  "sub_event_type": "Armed clash"}}), "properties.event_date"),
    (orjson.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [35, 95]},
                   "properties": {}}), "geometry.coordinates"),
    (orjson.dumps({"type": "FeatureCollection", "features": []}), "features"),
])
def test_invalid_posts_are_400_naming_the_field(client, data, field):
    response = client.post("/api/incidents", data=data, headers=AUTH,
                           content_type="application/json")
    assert_error(response, 400, field)


def test_a_bad_feature_in_a_collection_is_named_by_position_and_nothing_is_stored(client):
    bad = sample("mosul_ied")
    bad["properties"]["event_type"] = "Picnic"
    collection = {"type": "FeatureCollection", "features": [sample("erbil_missiles"), bad]}
    response = client.post("/api/incidents", json=collection, headers=AUTH)
    assert_error(response, 400, "features[1].properties.event_type")
    assert client.get(FEATURES).get_json()["numberMatched"] == 0


def test_an_invalid_patch_is_400(client, loaded):
    url = f"/api/incidents/{ID['mosul_ied']}"
    assert_error(client.patch(url, json={"country": "Iraq"}, headers=AUTH), 400,
                 "properties.country")
    assert_error(client.patch(url, data=b"[]", headers=AUTH), 400, "body")


def test_a_conflicting_post_is_409(client, loaded):
    changed = sample("mosul_ied")
    changed["properties"]["fatalities"] = 30
    changed["id"] = ID["mosul_ied"]
    assert_error(client.post("/api/incidents", json=changed, headers=AUTH), 409)


def test_an_oversized_body_is_413(make_app):
    client = make_app(max_body_bytes=2000).test_client()
    feature = sample("green_village")
    feature["properties"]["quote"] = "x" * 3000
    assert_error(client.post("/api/incidents", json=feature, headers=AUTH), 413)


# --- malformed parameters ---------------------------------------------------------------

@pytest.mark.parametrize("params, field", [
    ({"bbox": "1,2,3"}, "bbox"), ({"bbox": "a,b,c,d"}, "bbox"), ({"bbox": "200,0,210,1"}, "bbox"),
    ({"bbox": "10,10,5,5"}, "bbox"), ({"bbox": "nan,0,1,1"}, "bbox"),
    ({"limit": "-1"}, "limit"), ({"limit": "abc"}, "limit"), ({"limit": "0"}, "limit"),
    ({"limit": "1000001"}, "limit"), ({"offset": "-5"}, "offset"),
    ({"start": "yesterday"}, "start"), ({"end": "2022-02-30"}, "end"),
    ({"start": "2022-05-01", "end": "2022-04-01"}, "end"),
    ({"type": "Picnic"}, "type"), ({"sub_type": "Cake"}, "sub_type"),
    ({"country": "XX"}, "country"), ({"country": "IRQ"}, "country"),
    ({"min_fatalities": "-1"}, "min_fatalities"), ({"min_fatalities": "many"}, "min_fatalities"),
    ({"precision": "7"}, "precision"), ({"status": "secret"}, "status"),
    ({"q": "!!!"}, "q"), ({"sort": "random"}, "sort"),
    ({"download": "maybe"}, "download"), ({"format": "shp"}, "format"),
    ({"limit": ["1", "2"]}, "limit"),
])
def test_malformed_parameters_are_400_naming_the_parameter(client, loaded, params, field):
    assert_error(client.get(FEATURES, query_string=params), 400, field)


@pytest.mark.parametrize("params, field", [
    ({}, "q"), ({"q": "   "}, "q"), ({"q": "x" * 301}, "q"), ({"q": "Mosul", "country": "ZZ"},
                                                                 "country")])
def test_bad_gazetteer_searches_are_400(client, params, field):
    assert_error(client.get("/api/gazetteer/search", query_string=params), 400, field)


GARBAGE = ["\x00", "%00", "'; DROP TABLE incidents; --", "\"", "*", "%", "_", "\\", "NaN",
           "Infinity", "-0", "1e999", "99999999999999999999999", "😀", "\u202e", "a" * 5000,
           ",,,,", "1,2,3,4,5", "0x10", " ", "null", "[]", "{}", "../../etc/passwd"]
PARAMETERS = ["bbox", "start", "end", "type", "sub_type", "country", "actor", "q",
              "min_fatalities", "precision", "status", "limit", "offset", "sort", "download",
              "format", "layer"]


@pytest.mark.parametrize("name", PARAMETERS)
def test_no_garbage_parameter_is_a_500(client, loaded, name):
    for value in GARBAGE:
        response = client.get(FEATURES, query_string={name: value})
        assert response.status_code in (200, 400), (name, value, response.get_data())
        if response.status_code == 400:
            assert response.get_json()["field"] == name
    for value in GARBAGE:
        response = client.get("/api/gazetteer/search", query_string={"q": value, "country": value})
        assert response.status_code in (200, 400), (value, response.get_data())


# --- errors and headers -----------------------------------------------------------------

def test_unknown_routes_and_methods_are_json(client):
    assert_error(client.get("/api/nothing-here"), 404)
    response = client.delete("/api/layers")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_error(client.put(f"/api/incidents/{ID['mosul_ied']}", json={}, headers=AUTH), 405)


def test_an_unexpected_error_is_a_500_without_internals(make_app):
    app = make_app()

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internals /srv/geomap.sqlite")

    response = app.test_client().get("/api/boom")
    body = assert_error(response, 500)
    assert "secret" not in response.get_data(as_text=True) and body["error"] == "internal"
    assert response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", [FEATURES, "/api/layers", "/api/nothing", "/api/incidents/x"])
def test_every_response_carries_the_security_headers(client, loaded, url):
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in
                  response.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' https://tile.openstreetmap.org data:"
    assert response.headers["Cache-Control"]


def test_the_csp_allows_the_configured_tile_host(make_app):
    client = make_app(tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png").test_client()
    policy = client.get("/api/layers").headers["Content-Security-Policy"]
    assert "img-src 'self' https://*.tiles.example.org data:;" in policy
    assert tile_source("javascript:alert(1)//{z}") is None


def test_cache_control_of_reads_and_writes(client, loaded):
    assert client.get(FEATURES).headers["Cache-Control"] == "public, max-age=30"
    assert client.get("/api/gazetteer/search?q=Mosul").headers["Cache-Control"] == \
        "public, max-age=3600"
    assert client.get(f"/api/incidents/{ID['mosul_ied']}").headers["Cache-Control"] == "no-cache"
    response = client.post("/api/incidents", json=sample("green_village"), headers=AUTH)
    assert response.headers["Cache-Control"] == "no-store"


# --- the gazetteer ----------------------------------------------------------------------

def test_gazetteer_search_answers_deir_azor(client):
    response = client.get("/api/gazetteer/search", query_string={"q": "Deir Azor"})
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["query"] == "Deir Azor"
    match = answer["match"]
    assert match["name"] == "Deir ez-Zor" and match["gazetteer_id"] == "geonames:170794"
    assert match["country"] == "SY" and 0 < match["score"] <= 1 and match["why"]
    assert abs(match["lat"] - 35.336) < 0.01 and abs(match["lon"] - 40.141) < 0.01
    assert 1 <= len(answer["candidates"]) <= 5


def test_gazetteer_search_with_a_country_hint(client):
    answer = client.get("/api/gazetteer/search?q=Mosul&country=iq").get_json()
    assert answer["match"]["country"] == "IQ"


def test_create_app_takes_settings_and_overrides(tmp_path, gazetteer_path):
    from geomap.config import Settings

    settings = Settings.from_env({}, db=tmp_path / "a.sqlite", gazetteer_db=gazetteer_path)
    app = create_app(settings, max_body_bytes=1234)
    try:
        assert app.config["MAX_CONTENT_LENGTH"] == 1234
        assert app.extensions["geomap"].store.path == tmp_path / "a.sqlite"
    finally:
        app.extensions["geomap"].close()


def test_posted_collections_keep_each_feature(client):
    features = copy.deepcopy(numbered(3))
    response = client.post("/api/incidents", json={"type": "FeatureCollection",
                                                   "features": features}, headers=AUTH)
    assert response.get_json()["features"][2]["properties"]["summary"] == "Incident number 2."


def test_the_default_layer_exists_while_empty(client):
    body = client.get(FEATURES).get_json()
    assert body["numberMatched"] == 0 and body["features"] == []
    incidents = client.get("/api/layers").get_json()[0]
    assert incidents["id"] == "incidents" and incidents["count"] == 0


@pytest.mark.parametrize("url, field", [
    (FEATURES + "?q=abc%00def", "q"), (FEATURES + "?q=Mosul%01", "q"),
    (FEATURES + "?actor=Houthi%00s", "actor"),
    ("/api/gazetteer/search?q=Deir%00Azor", "q"),
])
def test_a_control_character_in_a_text_filter_is_400_not_a_500(client, loaded, url, field):
    body = assert_error(client.get(url), 400, field)
    assert "control character" in body["message"]


def test_a_collection_with_one_conflict_stores_nothing(client, loaded):
    before = client.get(FEATURES, query_string={"limit": 100}).get_json()["numberMatched"]
    changed = sample("mosul_ied")
    changed["properties"]["fatalities"] = 30
    fresh = numbered(2, layer="incidents")
    body = {"type": "FeatureCollection", "features": [*fresh, changed]}
    error = assert_error(client.post("/api/incidents", json=body, headers=AUTH), 409)
    assert ID["mosul_ied"] in error["message"] and "nothing was stored" in error["message"]
    after = client.get(FEATURES, query_string={"limit": 100}).get_json()
    assert after["numberMatched"] == before
    assert not any("Incident number" in (f["properties"]["summary"] or "") for f in after["features"])


def test_a_collection_naming_one_id_twice_with_different_content_stores_nothing(client):
    first, second = numbered(2)
    second["id"] = first["id"] = "mosul-2021-01-01"
    body = {"type": "FeatureCollection", "features": [first, second]}
    assert_error(client.post("/api/incidents", json=body, headers=AUTH), 409)
    assert client.get(FEATURES).get_json()["numberMatched"] == 0


@pytest.mark.parametrize("fmt", ["geojson", "csv", "kml", "gpkg", "html"])
def test_downloads_honour_limit_and_offset(client, store, tmp_path, fmt):
    store.add_many(numbered(30))
    params = {"download": "1", "format": fmt, "limit": "5", "offset": "2", "sort": "event_date_asc"}
    response = client.get(FEATURES, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    data = response.get_data()
    if fmt == "gpkg":
        import pyogrio
        (tmp_path / "x.gpkg").write_bytes(data)
        summaries = list(pyogrio.read_dataframe(tmp_path / "x.gpkg")["summary"])
    elif fmt == "csv":
        summaries = [row["summary"] for row in csv.DictReader(io.StringIO(data.decode()))]
    else:
        summaries = [text.decode() for text in re.findall(rb"Incident number \d+\.", data)]
        summaries = list(dict.fromkeys(summaries))  # KML and HTML name a feature more than once
    assert sorted(summaries) == [f"Incident number {n}." for n in range(2, 7)]


def test_a_download_without_limit_is_the_whole_filtered_set(client, store):
    store.add_many(numbered(150))
    response = client.get(FEATURES, query_string={"format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))) == 150


def test_heavy_downloads_beyond_the_slots_are_503_with_retry_after(make_app):
    app = make_app(export_slots=2)
    client = app.test_client()
    app.extensions["geomap"].store.add_many(numbered(1500))
    held = [client.get(FEATURES, query_string={"format": fmt}, buffered=False,
                       headers={"Accept-Encoding": encoding})
            for fmt, encoding in (("csv", "gzip"), ("kml", "identity"))]  # each holds a slot
    assert [response.status_code for response in held] == [200, 200]
    busy = client.get(FEATURES, query_string={"format": "gpkg"})
    assert_error(busy, 503)
    assert busy.headers["Retry-After"] == "30"
    # light work goes on: a page, a small capped download, the gazetteer
    assert client.get(FEATURES, query_string={"limit": 10}).status_code == 200
    assert client.get(FEATURES, query_string={"format": "csv", "limit": 50}).status_code == 200
    assert client.get("/api/gazetteer/search", query_string={"q": "Mosul"}).status_code == 200
    held[0].close()  # a client that leaves gives its slot back
    with client.get(FEATURES, query_string={"format": "geojson"}) as again:
        assert again.status_code == 200 and len(again.get_json()["features"]) == 1500
    held[1].close()
    for encoding in ("gzip", "br", "identity"):  # slots are never leaked, compressed or not
        with client.get(FEATURES, query_string={"format": "csv"},
                        headers={"Accept-Encoding": encoding}) as response:
            assert response.status_code == 200
