"""Map cells, histograms and counts from the SQLite summaries agree with counting every match."""

from __future__ import annotations

import gzip
from datetime import date

import brotli
import orjson
import pytest

from geomap.aggregate import cell_size
from geomap.incident import parse_feature
from geomap.query import IncidentQuery
from geomap.store import IncidentStore, SQLiteStore
from tests.incident_samples import load_synthetic
from tests.web_support import assert_error

N = 3000
IRAQ_SYRIA = (35.5, 29.0, 48.5, 37.5)
#: Filters the summaries answer, and filters that send the question to a scan.
QUERIES = {
    "everything": {},
    "one degree": {"bbox": (40.0, 34.0, 41.0, 35.5)},
    "misaligned view": {"bbox": (36.07, 33.21, 44.73, 36.93)},
    "two types in view": {"bbox": (36.07, 33.21, 44.73, 36.93),
                          "event_types": ("Battles", "Riots")},
    "published": {"statuses": ("published",)},
    "dates and a type": {"start": date(2019, 1, 1), "end": date(2020, 3, 5),
                         "event_types": ("Protests",)},
    "text in Baghdad": {"bbox": (43.9, 33.0, 44.6, 33.6), "text": "clashed"},
    "country": {"countries": ("SY",)},
    "fatalities and view": {"bbox": IRAQ_SYRIA, "min_fatalities": 3},
    "empty view": {"bbox": (-10.0, 40.0, 0.0, 50.0)},
}


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory):
    """A store of N incidents from the benchmarks' generator, some edited and some deleted."""
    with SQLiteStore(tmp_path_factory.mktemp("aggregate") / "geomap.sqlite") as store:
        features = list(load_synthetic().synthetic_incidents(N, 3))
        assert store.add_many(features).added == N
        for feature in features[:40]:
            store.delete(feature["id"])
        for number, feature in enumerate(features[40:100]):
            store.update(feature["id"], {"event_type": "Riots", "sub_event_type": "Mob violence",
                                         "fatalities": number, "status": "published"})
        for feature in features[100:110]:  # a division no longer stated, or moved
            store.update(feature["id"], {"admin1": None if feature["properties"]["country"] == "IQ"
                                         else "Idlib"})
        yield store


def by_cell(answer: dict) -> dict:
    return {tuple(cell["bbox"]): (cell["count"], cell["by_type"]) for cell in answer["cells"]}


@pytest.mark.parametrize("zoom", [2, 6, 9, 12])
@pytest.mark.parametrize("name", list(QUERIES))
def test_cells_are_those_of_counting_every_match(synthetic_store, name, zoom):
    query = IncidentQuery(**QUERIES[name])
    answer = synthetic_store.aggregate(query, zoom)
    expected = IncidentStore.aggregate(synthetic_store, query, zoom)  # folds every feature
    assert by_cell(answer) == by_cell(expected)
    assert answer["numberMatched"] == synthetic_store.count(query) == expected["numberMatched"]
    assert sum(cell["count"] for cell in answer["cells"]) == answer["numberMatched"]
    centres = {tuple(c["bbox"]): (c["lon"], c["lat"]) for c in expected["cells"]}
    for cell in answer["cells"]:
        west, south, east, north = cell["bbox"]
        assert west <= cell["lon"] <= east and south <= cell["lat"] <= north
        assert cell["lon"] == pytest.approx(centres[tuple(cell["bbox"])][0], abs=1e-4)
        assert east - west == answer["cell_size"] == cell_size(zoom, query.bbox)


@pytest.mark.parametrize("name", list(QUERIES))
def test_counts_from_the_summaries_are_exact(synthetic_store, name):
    query = IncidentQuery(**QUERIES[name])
    assert synthetic_store.count(query) == sum(1 for _ in synthetic_store.iter_features(
        query.unpaged()))


@pytest.mark.parametrize("interval", ["day", "week", "month"])
@pytest.mark.parametrize("name", ["everything", "published", "dates and a type", "country",
                                  "misaligned view"])
def test_histogram_is_that_of_counting_every_match(synthetic_store, name, interval):
    query = IncidentQuery(**QUERIES[name])
    answer = synthetic_store.histogram(query, interval)
    assert answer == IncidentStore.histogram(synthetic_store, query, interval)
    features = list(synthetic_store.iter_features(query.unpaged()))
    assert answer["numberMatched"] == len(features) == sum(b["count"] for b in answer["buckets"])
    assert answer["fatalities"] == sum(f["properties"]["fatalities"] or 0 for f in features)
    starts = [date.fromisoformat(b["start"]) for b in answer["buckets"]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    if interval == "week":
        assert {start.weekday() for start in starts} == {0}
    if interval == "month":
        assert {start.day for start in starts} == {1}
        assert len(starts) == (starts[-1].year - starts[0].year) * 12 + starts[-1].month \
            - starts[0].month + 1  # empty months are there, with zero


@pytest.mark.parametrize("name", [*QUERIES, "divisions", "a division and a type"])
def test_division_counts_are_those_of_counting_every_match(synthetic_store, name):
    filters = {"divisions": {"admin1": ("Nineveh", "Idlib")},
               "a division and a type": {"admin1": ("Aleppo",), "countries": ("SY",),
                                         "event_types": ("Battles",)}}.get(name, QUERIES.get(name))
    query = IncidentQuery(**filters)
    answer = synthetic_store.admin1_counts(query)
    expected = IncidentStore.admin1_counts(synthetic_store, query)  # folds every feature
    assert {(d["country"], d["admin1"]): d["by_type"] for d in answer["divisions"]} == {
        (d["country"], d["admin1"]): d["by_type"] for d in expected["divisions"]}
    assert answer["numberMatched"] == synthetic_store.count(query) == expected["numberMatched"]
    for found, wanted in zip(answer["divisions"], expected["divisions"], strict=True):
        assert (found["lon"], found["lat"]) == (pytest.approx(wanted["lon"], abs=1e-4),
                                                pytest.approx(wanted["lat"], abs=1e-4))


def test_the_edited_incidents_moved_in_the_summaries(synthetic_store):
    riots = synthetic_store.histogram(IncidentQuery(event_types=["Riots"], statuses=["published"]),
                                      "month")
    scanned = IncidentStore.histogram(
        synthetic_store, IncidentQuery(event_types=["Riots"], statuses=["published"]), "month")
    assert riots == scanned and riots["fatalities"] >= sum(range(60))


# --- over HTTP --------------------------------------------------------------------------

@pytest.fixture
def synthetic_loaded(store):
    assert store.add_many(list(load_synthetic().synthetic_incidents(800, 5))).added == 800
    return store


def test_aggregate_endpoint_sums_to_number_matched_of_the_same_filters(client, synthetic_loaded):
    filters = "bbox=36.1,33.2,44.7,36.9&type=Battles,Protests&status=published"
    page = client.get(f"/api/layers/incidents/features?{filters}&limit=1").get_json()
    response = client.get(f"/api/layers/incidents/aggregate?zoom=7&{filters}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) >= {"numberMatched", "cells"}
    assert body["numberMatched"] == page["numberMatched"] > 0
    assert sum(cell["count"] for cell in body["cells"]) == body["numberMatched"]
    assert set(body["cells"][0]) == {"lon", "lat", "count", "by_type", "bbox"}
    assert {kind for cell in body["cells"] for kind in cell["by_type"]} == {"Battles", "Protests"}


def test_histogram_endpoint_sums_to_number_matched(client, synthetic_loaded):
    filters = "country=IQ&start=2019-01-01&end=2019-12-31"
    page = client.get(f"/api/layers/incidents/features?{filters}&limit=1").get_json()
    body = client.get(f"/api/layers/incidents/histogram?interval=week&{filters}").get_json()
    assert body["interval"] == "week"
    assert sum(bucket["count"] for bucket in body["buckets"]) == page["numberMatched"] > 0
    assert set(body["buckets"][0]) == {"start", "count", "fatalities", "by_type"}
    assert body["buckets"][0]["start"] >= "2018-12-31"


@pytest.mark.parametrize(("url", "status", "field"), [
    ("/api/layers/incidents/aggregate", 400, "zoom"),
    ("/api/layers/incidents/aggregate?zoom=far", 400, "zoom"),
    ("/api/layers/incidents/aggregate?zoom=25", 400, "zoom"),
    ("/api/layers/incidents/aggregate?zoom=3&type=Skirmish", 400, "type"),
    ("/api/layers/incidents/aggregate?zoom=3&bbox=1,2,3", 400, "bbox"),
    ("/api/layers/incidents/histogram?interval=fortnight", 400, "interval"),
    ("/api/layers/incidents/histogram?start=2020-05-01&end=2020-04-01", 400, "end"),
    ("/api/layers/sites/aggregate?zoom=3", 404, None),
    ("/api/layers/nowhere/histogram", 404, None),
])
def test_bad_requests_name_what_is_wrong(client, synthetic_loaded, url, status, field):
    assert_error(client.get(url), status, field)


def test_a_daily_histogram_of_decades_is_refused_with_a_reason(client, store):
    for day in ("1990-01-01", "2024-01-01"):
        store.add(parse_feature({
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [44.4, 33.3]},
            "properties": {"event_date": day, "event_type": "Protests",
                           "sub_event_type": "Peaceful protest", "location": "Baghdad",
                           "country": "IQ", "geo_precision": 1, "status": "published"}}))
    body = assert_error(client.get("/api/layers/incidents/histogram?interval=day"), 400,
                        "interval")
    assert "month" in body["message"] or "week" in body["message"]
    months = client.get("/api/layers/incidents/histogram?interval=month").get_json()
    assert len(months["buckets"]) == 34 * 12 + 1 and months["numberMatched"] == 2


# --- compression ------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "encoding", "decode"), [
    ("gzip, deflate, br", "br", brotli.decompress),
    ("gzip", "gzip", gzip.decompress),
])
def test_pages_and_downloads_are_compressed_when_the_client_accepts(
        client, synthetic_loaded, accept, encoding, decode):
    plain = client.get("/api/layers/incidents/features?limit=200")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/api/layers/incidents/features?limit=200",
                        headers={"Accept-Encoding": accept})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert orjson.loads(decode(packed.get_data())) == plain.get_json()
    assert len(packed.get_data()) * 4 < len(plain.get_data())
    for fmt in ("csv", "kml"):
        url = f"/api/layers/incidents/features?format={fmt}&country=SY"
        whole, streamed = client.get(url), client.get(url, headers={"Accept-Encoding": accept})
        assert streamed.headers["Content-Encoding"] == encoding
        assert decode(streamed.get_data()) == whole.get_data()


def test_density_hexagons_hold_every_match_once(client, synthetic_loaded):
    filters = "bbox=35.5,29,48.5,37.5&status=published"
    page = client.get(f"/api/layers/incidents/features?{filters}&limit=1").get_json()
    body = client.get(f"/api/layers/incidents/density?zoom=7&{filters}").get_json()
    assert body["resolution"] == 4 and body["numberMatched"] == page["numberMatched"] > 0
    assert sum(cell["count"] for cell in body["cells"]) == body["numberMatched"]
    counts = [cell["count"] for cell in body["cells"]]
    assert counts == sorted(counts, reverse=True) and len(set(c["h3"] for c in body["cells"])) == len(counts)
    ring = body["cells"][0]["boundary"]
    assert len(ring) == 7 and ring[0] == ring[-1]
    assert all(35 < lon < 49 and 28 < lat < 38.5 for lon, lat in ring)
    assert_error(client.get("/api/layers/incidents/density"), 400, "zoom")


def test_actor_suggestions_come_from_the_stored_actors(client, synthetic_loaded):
    body = client.get("/api/layers/incidents/actors?q=islamic").get_json()
    names = [actor["name"] for actor in body["actors"]]
    assert names and all("islamic" in name.lower() for name in names)
    page = client.get("/api/layers/incidents/features?limit=1&actor=" + names[0]).get_json()
    assert body["actors"][0]["count"] == page["numberMatched"]
    assert len(client.get("/api/layers/incidents/actors").get_json()["actors"]) == 15  # the generator's
    assert_error(client.get("/api/layers/incidents/actors?q=" + "x" * 501), 400, "q")
    assert_error(client.get("/api/layers/nowhere/actors"), 404)
