"""A page cut down to the properties a map draws (``properties=``), and what it saves."""

from __future__ import annotations

import gzip

import orjson
import pytest

from geomap.incident import PROPERTIES
from tests.incident_samples import load_synthetic
from tests.web_support import assert_error

MARKER = "event_date,event_type,sub_event_type,location,status"


@pytest.fixture
def synthetic(store):
    assert store.add_many(list(load_synthetic().synthetic_incidents(1500, 11))).added == 1500
    return store


def page(client, query: str) -> tuple[dict, bytes]:
    response = client.get(f"/api/layers/incidents/features?{query}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    return orjson.loads(response.data), response.data


def test_a_page_cut_down_keeps_the_id_the_geometry_and_the_count(client, synthetic):
    full, full_bytes = page(client, "bbox=35,30,45,38&limit=1000&type=Battles,Riots")
    cut, cut_bytes = page(client, f"bbox=35,30,45,38&limit=1000&type=Battles,Riots&properties={MARKER}")
    assert cut["numberMatched"] == full["numberMatched"] and cut["links"][0]["rel"] == "self"
    assert [f["id"] for f in cut["features"]] == [f["id"] for f in full["features"]]
    for small, whole in zip(cut["features"], full["features"], strict=True):
        assert small["type"] == "Feature" and small["geometry"] == whole["geometry"]
        assert list(small["properties"]) == ["id", *MARKER.split(",")]
        assert small["properties"] == {k: whole["properties"][k] for k in small["properties"]}
    per_feature = [len(data) / len(body["features"]) for data, body in
                   ((full_bytes, full), (cut_bytes, cut))]
    assert per_feature[1] < per_feature[0] / 4  # about 200 bytes against about 1,100
    assert len(gzip.compress(cut_bytes)) < len(gzip.compress(full_bytes)) / 2.5


def test_without_properties_every_contract_property_is_there_nulls_included(client, synthetic):
    body, _ = page(client, "limit=50")
    for feature in body["features"]:
        assert set(PROPERTIES) <= set(feature["properties"])
        assert feature["properties"]["id"] == feature["id"]
    assert any(f["properties"]["event_time"] is None for f in body["features"])


@pytest.mark.parametrize("value", ["summary,colour", "geometry", "id;drop"])
def test_an_unknown_property_is_refused_naming_properties(client, synthetic, value):
    body = assert_error(client.get(f"/api/layers/incidents/features?properties={value}"), 400,
                        "properties")
    assert "is not a property of an incident" in body["message"]
