"""Helpers shared by the tests of the two HTTP APIs (the map's /api and /ogc)."""

from __future__ import annotations

from datetime import date, timedelta

from geomap.incident import parse_feature
from tests.incident_samples import sample, samples

TOKEN = "test-token"
ID = {name: parse_feature(raw)["id"] for name, raw in samples().items()}
ERROR_KEYS = {"error", "status", "field", "message"}


def names(collection: dict) -> set[str]:
    """The sample names of the features in a FeatureCollection."""
    by_id = {incident_id: name for name, incident_id in ID.items()}
    return {by_id[feature["id"]] for feature in collection["features"]}


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The response is the one JSON error shape, with this status and field."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["status"] == status and body["message"]
    assert body["field"] == field
    return body


def numbered(count: int, layer: str = "incidents") -> list[dict]:
    """``count`` distinct incidents, one a day from 2021-01-01, all in Mosul."""
    features = []
    for number in range(count):
        feature = sample("mosul_ied")
        feature["properties"].update(layer=layer, summary=f"Incident number {number}.",
                                     event_date=(date(2021, 1, 1) + timedelta(number)).isoformat())
        features.append(feature)
    return features
