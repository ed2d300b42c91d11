"""Learned places: the names and points of stored incidents, which the gazetteer consults.

Every incident stored with a location name and a point that the gazetteer did not give it
(imported from ACLED, GeoJSON, CSV, or corrected by an analyst) teaches the store that
the name is that point. They live in the incident store, so they move with it and a new
store starts with none. The rule of what is learned is here, shared by every backend;
each backend keeps the rows (name, country, point, admin1, source, count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Decimal places a learned point is kept to (about 1 m): the same point counts once.
POINT_DECIMALS = 5
MAX_NAME = 200
#: Properties only ACLED's own files carry: an incident with one of them came from ACLED.
ACLED_MARKS = ("event_id_no_cnty", "data_id", "inter1", "source_scale", "iso3", "disorder_type")


@dataclass(frozen=True)
class LearnedPlace:
    """One name at one point, learned from ``count`` stored incidents."""

    name: str
    country: str
    lat: float
    lon: float
    admin1: str | None = None
    source: str = "import"
    count: int = 1
    first_seen: str | None = None
    last_seen: str | None = None

    @property
    def key(self) -> tuple[str, str, float, float]:
        """What makes two learned places one: the name, its country and the point."""
        return (self.name, self.country, self.lat, self.lon)

    def as_dict(self) -> dict:
        """The learned place as JSON-ready fields."""
        return {"name": self.name, "country": self.country or None, "lat": self.lat,
                "lon": self.lon, "admin1": self.admin1, "source": self.source,
                "count": self.count, "first_seen": self.first_seen, "last_seen": self.last_seen}


def learned_place_of(feature: Mapping, *, corrected: bool = False) -> LearnedPlace | None:
    """What a parsed feature teaches, or None.

    A Point with a ``location`` is learned unless the gazetteer placed it (it carries a
    ``gazetteer_id``; re-learning the gazetteer's own answers would only echo its
    mistakes) or its point stands for a whole region (geo_precision 3). An analyst's
    correction (``corrected``) is learned whatever its gazetteer_id says.
    """
    row = learned_row(feature, corrected=corrected)
    return None if row is None else LearnedPlace(*row)


def learned_row(feature: Mapping, *, corrected: bool = False) -> tuple | None:
    """learned_place_of's (name, country, lat, lon, admin1, source), or None: a plain
    tuple, as an import makes one a feature."""
    props, geometry = feature["properties"], feature["geometry"]
    if geometry["type"] != "Point":
        return None
    lon, lat = geometry["coordinates"][:2]
    return place_row(props.get("location"), props.get("country"), lon, lat, props.get("admin1"),
                     props.get("geo_precision"), props.get("gazetteer_id"),
                     source_of(props, corrected), corrected=corrected)


def place_row(location: str | None, country: str | None, lon: float, lat: float,
              admin1: str | None, precision: int | None, gazetteer_id: str | None, source: str,
              *, corrected: bool = False) -> tuple | None:
    """learned_row's row of a Point's values (or None): the rule of what is learned."""
    name = (location or "").strip()
    if not name or len(name) > MAX_NAME:
        return None
    if precision == 3 or (gazetteer_id and not corrected):
        return None
    return (name, country or "", round(lat, POINT_DECIMALS), round(lon, POINT_DECIMALS), admin1,
            source)


def source_of(props: Mapping, corrected: bool) -> str:
    """``analyst`` for a correction, ``acled`` for ACLED's rows, else ``import``."""
    if corrected:
        return "analyst"
    return "import" if props.keys().isdisjoint(ACLED_MARKS) else "acled"


def learned_from(features: Iterable[Mapping]) -> dict[tuple, LearnedPlace]:
    """The places a batch teaches, each once with its count, by key."""
    return counted_places(learned_row(feature) for feature in features)


def counted_places(rows: Iterable[tuple | None]) -> dict[tuple, LearnedPlace]:
    """The places of ``learned_row`` rows (None skipped), each once with its count, by key;
    the first row of a key gives its admin1 and source."""
    return {key: LearnedPlace(*row, count=count) for key, (row, count) in counted_rows(rows).items()}


def counted_rows(rows: Iterable[tuple | None]) -> dict[tuple, list]:
    """[first row, count] of each key of ``learned_row`` rows (None skipped)."""
    counts: dict[tuple, list] = {}
    for row in rows:
        if row is not None:
            seen = counts.get(row[:4])
            if seen is None:
                counts[row[:4]] = [row, 1]
            else:
                seen[1] += 1
    return counts


def corrects_place(before: Mapping, after: Mapping) -> bool:
    """Whether an edit moved the incident or renamed its location (an analyst's fix)."""
    return (before["geometry"] != after["geometry"]
            or before["properties"].get("location") != after["properties"].get("location"))
