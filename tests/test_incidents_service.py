"""The one read path: layers, existence, pages with their count, streams and the framer."""

from datetime import date, timedelta

import orjson
import pytest

from geomap.errors import NotFoundError, ValidationError
from geomap.query import IncidentQuery
from geomap.services import incidents
from geomap.store import SQLiteStore
from tests.incident_samples import sample


def daily(count: int, layer: str = "incidents") -> list[dict]:
    """``count`` incidents in Mosul, one a day from 2021-01-01, on ``layer``."""
    features = []
    for number in range(count):
        feature = sample("mosul_ied")
        feature["properties"].update(layer=layer, summary=f"Roadside bomb number {number}.",
                                     event_date=(date(2021, 1, 1) + timedelta(number)).isoformat())
        features.append(feature)
    return features


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        yield store


def test_a_new_store_lists_the_default_layer_empty(store):
    assert incidents.list_layers(store) == [
        {"id": "incidents", "title": "Incidents", "count": 0, "bbox": None,
         "time_extent": [None, None]}]
    assert incidents.get_layer(store, "incidents")["count"] == 0


def test_layers_get_titles_from_their_ids(store):
    store.add_many([*daily(2, layer="air_strikes-2024"), *daily(1)])
    listed = {layer["id"]: layer for layer in incidents.list_layers(store)}
    assert listed["air_strikes-2024"]["title"] == "Air strikes 2024"
    assert listed["air_strikes-2024"]["count"] == 2
    assert listed["incidents"]["time_extent"] == ["2021-01-01", "2021-01-01"]


def test_a_layer_exists_once_it_holds_an_incident_and_not_after_the_last_goes(store):
    assert incidents.find_layer(store, "archive") is None
    with pytest.raises(NotFoundError, match="no collection 'archive'"):
        incidents.get_layer(store, "archive", noun="collection")
    stored = store.add(daily(1, layer="archive")[0])
    assert incidents.get_layer(store, "archive")["count"] == 1
    store.delete(stored["id"])
    assert incidents.find_layer(store, "archive") is None


@pytest.mark.parametrize("text", ["../etc", "", "x" * 200, "with space"])
def test_a_path_that_cannot_name_a_layer_is_not_found(text):
    with pytest.raises(NotFoundError):
        incidents.parse_layer_id(text)


def test_pages_count_every_match_and_link_both_ways(store):
    store.add_many(daily(25))
    first = incidents.get_page(store, IncidentQuery(limit=10))
    middle = incidents.get_page(store, IncidentQuery(limit=10, offset=10))
    last = incidents.get_page(store, IncidentQuery(limit=10, offset=20))
    assert [page.matched for page in (first, middle, last)] == [25, 25, 25]
    assert [page.returned for page in (first, middle, last)] == [10, 10, 5]
    assert (first.prev_offset, first.next_offset) == (None, 10)
    assert (middle.prev_offset, middle.next_offset) == (0, 20)
    assert (last.prev_offset, last.next_offset) == (10, None)
    dates = [orjson.loads(data)["properties"]["event_date"] for data in first.features]
    assert dates[0] == "2021-01-25" and dates == sorted(dates, reverse=True)


def test_a_page_past_the_end_still_counts_the_matches(store):
    store.add_many(daily(5))
    page = incidents.get_page(store, IncidentQuery(limit=10, offset=40))
    assert (page.returned, page.matched, page.next_offset, page.prev_offset) == (0, 5, None, 30)


def test_an_empty_page_of_an_unknown_layer_is_not_found_but_of_a_known_one_is_empty(store):
    store.add_many(daily(3))
    with pytest.raises(NotFoundError, match="no layer 'reports'"):
        incidents.get_page(store, IncidentQuery(layer="reports", limit=10))
    empty = incidents.get_page(store, IncidentQuery(start=date(2030, 1, 1), limit=10))
    assert (empty.returned, empty.matched) == (0, 0)


def test_a_page_needs_a_limit(store):
    with pytest.raises(ValidationError) as error:
        incidents.get_page(store, IncidentQuery(limit=None))
    assert error.value.field == "limit"


def test_streams_check_the_layer_first_and_hold_every_match(store):
    store.add_many(daily(30))
    with pytest.raises(NotFoundError):
        incidents.require_layer(store, IncidentQuery(layer="nowhere"))
    incidents.require_layer(store, IncidentQuery(layer=None))  # every layer: nothing to check
    query = IncidentQuery(start=date(2021, 1, 11)).unpaged()
    assert len(list(incidents.iter_feature_json(store, query))) == 20
    assert incidents.count_matches(store, query) == 20
    assert {f["properties"]["layer"] for f in incidents.iter_features(store, query)} == {"incidents"}


def test_the_framer_makes_one_valid_collection_whatever_the_chunk_size(store):
    store.add_many(daily(40))
    features = list(incidents.iter_feature_json(store, IncidentQuery().unpaged()))
    chunks = list(incidents.iter_collection(features, {"numberMatched": 40}, chunk_bytes=2048))
    assert len(chunks) > 5 and all(chunks)
    body = orjson.loads(b"".join(chunks))
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 40
    assert [f["id"] for f in body["features"]] == [orjson.loads(f)["id"] for f in features]
    assert orjson.loads(incidents.collection_bytes([])) == {"type": "FeatureCollection",
                                                          "features": []}
