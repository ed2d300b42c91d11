"""Likely duplicates: the same event told by different sources.

Two incidents are proposed as duplicates when they are in the same layer, one day apart at
most, 10 km apart at most, of compatible event types and from different sources.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from geomap.geometry import representative_point
from geomap.query import IncidentQuery
from geomap.store import IncidentStore

MAX_KM = 10.0
MAX_DAYS = 1
EARTH_KM = 6371.0088
#: Candidates looked at around one incident (a dense city-day has a few dozen).
MAX_NEIGHBOURS = 500


@dataclass(frozen=True)
class Compatible:
    """Two event types that reports of one event are often coded as."""

    first: str
    second: str
    why: str


COMPATIBLE = (
    Compatible("Battles", "Explosions/Remote violence",
               "a clash with shelling is coded either way"),
    Compatible("Protests", "Riots", "a protest that turned violent is coded either way"),
    Compatible("Violence against civilians", "Explosions/Remote violence",
               "a bombing of civilians is coded either way"),
)
_PAIRS = frozenset(p for c in COMPATIBLE for p in ((c.first, c.second), (c.second, c.first)))


def compatible_types(a: str, b: str) -> bool:
    """Whether two event types may describe one event.

    >>> compatible_types("Protests", "Riots"), compatible_types("Protests", "Battles")
    (True, False)
    """
    return a == b or (a, b) in _PAIRS


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points.

    >>> round(distance_km((44.366, 33.315), (44.366, 33.405)), 1)
    10.0
    """
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def find_duplicates(store: IncidentStore, feature: dict) -> list[dict]:
    """The stored incidents that may be the same event as ``feature``, nearest first."""
    props = feature["properties"]
    point = representative_point(feature["geometry"])
    day = date.fromisoformat(props["event_date"])
    found = []
    for other in store.query(_neighbourhood(props["layer"], point, day)):
        if other["id"] == feature["id"] or not _compatible(props, other["properties"]):
            continue
        km = distance_km(point, representative_point(other["geometry"]))
        if km <= MAX_KM:
            found.append({"id": other["id"], "distance_km": round(km, 2),
                          "days_apart": abs((date.fromisoformat(
                              other["properties"]["event_date"]) - day).days),
                          "feature": other})
    return sorted(found, key=lambda d: (d["distance_km"], d["days_apart"], d["id"]))


def _neighbourhood(layer: str, point: tuple[float, float], day: date) -> IncidentQuery:
    lon, lat = point
    dlat = MAX_KM / 111.0
    dlon = dlat / max(0.05, math.cos(math.radians(lat)))
    bbox = (max(-180, lon - dlon), max(-90, lat - dlat), min(180, lon + dlon), min(90, lat + dlat))
    span = timedelta(days=MAX_DAYS)
    return IncidentQuery(layer=layer, bbox=bbox, start=day - span, end=day + span,
                         limit=MAX_NEIGHBOURS)


def _compatible(a: dict, b: dict) -> bool:
    return compatible_types(a["event_type"], b["event_type"]) and _source_key(a) != _source_key(b)


def _source_key(props: dict) -> tuple:
    source = props.get("source") or {}
    return (source.get("url") or source.get("document") or source.get("title") or props["id"],)
