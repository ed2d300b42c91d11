"""Counts of the filtered set per map cell and per period: what every store answers alike.

A store turns an IncidentQuery into *rows* (cell column, cell row, event type, count, sum
of lon, sum of lat) or (bucket start, event type, count, fatalities), from summaries or by
scanning; the functions here choose the cell size and the buckets and frame the answer
(the contract in README.md), so that every backend gives the same one.

Cells are squares of a power of two degrees, numbered from (-180, -90): an incident at the
centre (x, y) of its bbox is in column ``int((x + 180) / size)`` and row
``int((y + 90) / size)``. Powers of two make those numbers exact in floating point, so SQL
and Python agree, and a cell of 1/8 degree or more is a block of the SQLite grid's cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from geomap.errors import ValidationError
from geomap.incident import geometry_bbox

MAX_ZOOM = 24
#: At zoom z a cell is 2**CELL_SHIFT / 2**z degrees wide: about 90 px of a Web Mercator map.
CELL_SHIFT = 7
#: A bbox is cut into at most this many cells; a finer zoom over a large bbox gets coarser ones.
MAX_CELLS = 65_536
INTERVALS = ("day", "week", "month")
#: A histogram has at most this many buckets (20 years by day).
MAX_BUCKETS = 7_400
WORLD = (-180.0, -90.0, 180.0, 90.0)


def parse_zoom(text: str | None, name: str = "zoom") -> int:
    """A web map zoom level 0..MAX_ZOOM from text; ValidationError naming ``name``."""
    if text is None or not text.strip():
        raise ValidationError(name, f"is required: the map's zoom level, 0 to {MAX_ZOOM}")
    if not text.strip().isdigit() or int(text) > MAX_ZOOM:
        raise ValidationError(name, f"must be a whole number from 0 to {MAX_ZOOM}, not {text!r}")
    return int(text)


def parse_interval(text: str | None, name: str = "interval") -> str:
    """``day``, ``week`` or ``month`` (default month); ValidationError naming ``name``."""
    value = (text or "month").strip().lower()
    if value not in INTERVALS:
        raise ValidationError(name, f"must be one of {', '.join(INTERVALS)}, not {text!r}")
    return value


def cell_size(zoom: int, bbox: tuple[float, float, float, float] | None) -> float:
    """The side in degrees of the cells for ``zoom`` over ``bbox`` (at most MAX_CELLS of them).

    >>> cell_size(7, (40, 34, 41, 35)), cell_size(2, None), cell_size(20, None)
    (1.0, 32.0, 0.5)
    """
    minlon, minlat, maxlon, maxlat = bbox or WORLD
    size = 2.0 ** (CELL_SHIFT - zoom)
    while (maxlon - minlon) * (maxlat - minlat) / (size * size) > MAX_CELLS:
        size *= 2
    return size


def cell_of_point(lon: float, lat: float, size: float) -> tuple[int, int]:
    """(column, row) of the cell of ``size`` degrees that holds (lon, lat)."""
    last = int(360 / size) - 1
    return min(int((lon + 180) / size), last), min(int((lat + 90) / size), int(180 / size) - 1)


@dataclass
class CellCounts:
    """What a store found in one cell: counts per event type and summed positions."""

    by_type: dict[str, int] = field(default_factory=dict)
    sumlon: float = 0.0
    sumlat: float = 0.0

    def add(self, event_type: str, count: int, sumlon: float, sumlat: float) -> None:
        """Count ``count`` more incidents of a type, whose positions sum to (sumlon, sumlat)."""
        self.by_type[event_type] = self.by_type.get(event_type, 0) + count
        self.sumlon += sumlon
        self.sumlat += sumlat


def fold_cells(rows: Iterable[tuple[int, int, str, int, float, float]]) -> dict:
    """{(column, row): CellCounts} from (column, row, type, count, sumlon, sumlat) rows."""
    cells: dict[tuple[int, int], CellCounts] = {}
    for column, row, event_type, count, sumlon, sumlat in rows:
        if count:
            cells.setdefault((column, row), CellCounts()).add(event_type, count, sumlon, sumlat)
    return cells


def aggregate_answer(cells: Mapping[tuple[int, int], CellCounts], size: float, zoom: int) -> dict:
    """The aggregate contract: numberMatched and the cells, most incidents first."""
    framed = [_cell(key, counts, size) for key, counts in cells.items()]
    framed.sort(key=lambda cell: (-cell["count"], cell["lon"], cell["lat"]))
    return {"numberMatched": sum(cell["count"] for cell in framed), "zoom": zoom,
            "cell_size": size, "cells": framed}


def _cell(key: tuple[int, int], counts: CellCounts, size: float) -> dict:
    column, row = key
    count = sum(counts.by_type.values())
    west, south = column * size - 180, row * size - 90
    return {"lon": round(counts.sumlon / count, 5), "lat": round(counts.sumlat / count, 5),
            "count": count, "by_type": dict(sorted(counts.by_type.items())),
            "bbox": [west, south, min(west + size, 180.0), min(south + size, 90.0)]}


def feature_cell_rows(features: Iterable[Mapping], size: float) -> Iterable[tuple]:
    """(column, row, type, 1, lon, lat) of each feature: a store without summaries folds these."""
    for feature in features:
        minlon, minlat, maxlon, maxlat = geometry_bbox(feature["geometry"])
        lon, lat = (minlon + maxlon) / 2, (minlat + maxlat) / 2
        yield (*cell_of_point(lon, lat, size), feature["properties"]["event_type"], 1, lon, lat)


def fold_divisions(rows: Iterable[tuple[str | None, str | None, str, int, float, float]]) -> dict:
    """{(country, admin1): CellCounts} from (country, admin1, type, count, sumlon, sumlat) rows;
    an unknown country or division is None ('' from a summary that cannot hold NULL)."""
    divisions: dict[tuple, CellCounts] = {}
    for country, admin1, event_type, count, sumlon, sumlat in rows:
        if count:
            key = (country or None, admin1 or None)
            divisions.setdefault(key, CellCounts()).add(event_type, count, sumlon, sumlat)
    return divisions


def divisions_answer(divisions: Mapping[tuple, CellCounts]) -> dict:
    """Counts per first-level division: numberMatched and the divisions, most incidents
    first; each at its matches' mean centre (a reader may place it at the division's point)."""
    framed = []
    for (country, admin1), counts in divisions.items():
        count = sum(counts.by_type.values())
        framed.append({"country": country, "admin1": admin1, "count": count,
                       "by_type": dict(sorted(counts.by_type.items())),
                       "lon": round(counts.sumlon / count, 5), "lat": round(counts.sumlat / count, 5)})
    framed.sort(key=lambda d: (-d["count"], d["country"] or "", d["admin1"] or ""))
    return {"numberMatched": sum(d["count"] for d in framed), "divisions": framed}


def feature_division_rows(features: Iterable[Mapping]) -> Iterable[tuple]:
    """(country, admin1, type, 1, lon, lat) of each feature, for a store without summaries."""
    for feature in features:
        minlon, minlat, maxlon, maxlat = geometry_bbox(feature["geometry"])
        p = feature["properties"]
        yield (p["country"], p["admin1"], p["event_type"], 1, (minlon + maxlon) / 2,
               (minlat + maxlat) / 2)


def bucket_start(day: date, interval: str) -> date:
    """The first day of the day, week (Monday) or month that holds ``day``.

    >>> bucket_start(date(2022, 4, 8), "week"), bucket_start(date(2022, 4, 8), "month")
    (datetime.date(2022, 4, 4), datetime.date(2022, 4, 1))
    """
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def feature_bucket_rows(features: Iterable[Mapping], interval: str) -> Iterable[tuple]:
    """(bucket start, type, 1, fatalities) of each feature, for a store without summaries."""
    for feature in features:
        p = feature["properties"]
        start = bucket_start(date.fromisoformat(p["event_date"]), interval).isoformat()
        yield start, p["event_type"], 1, p["fatalities"] or 0


def histogram_answer(rows: Iterable[tuple[str, str, int, int]], interval: str) -> dict:
    """The histogram contract from (start, type, count, fatalities) rows: every bucket from
    the first to the last, empty ones included, so that a chart's axis is even."""
    found: dict[str, dict] = {}
    for start, event_type, count, fatalities in rows:
        bucket = found.setdefault(start, {"start": start, "count": 0, "fatalities": 0,
                                          "by_type": {}})
        bucket["count"] += count
        bucket["fatalities"] += fatalities or 0
        bucket["by_type"][event_type] = bucket["by_type"].get(event_type, 0) + count
    buckets = [found.get(day, _empty(day)) for day in _every_start(sorted(found), interval)]
    for bucket in buckets:
        bucket["by_type"] = dict(sorted(bucket["by_type"].items()))
    return {"interval": interval, "numberMatched": sum(b["count"] for b in buckets),
            "fatalities": sum(b["fatalities"] for b in buckets), "buckets": buckets}


def _empty(start: str) -> dict:
    return {"start": start, "count": 0, "fatalities": 0, "by_type": {}}


def _every_start(starts: list[str], interval: str) -> list[str]:
    if not starts:
        return []
    first, last = date.fromisoformat(starts[0]), date.fromisoformat(starts[-1])
    days = (last - first).days
    wanted = days + 1 if interval == "day" else days // 7 + 1 if interval == "week" else (
        (last.year - first.year) * 12 + last.month - first.month + 1)
    if wanted > MAX_BUCKETS:
        raise ValidationError("interval", f"{interval} buckets from {first} to {last} are "
                              f"{wanted:,}, more than {MAX_BUCKETS:,}: choose week or month "
                              "or narrow the dates")
    return [_nth(first, n, interval).isoformat() for n in range(wanted)]


def _nth(first: date, n: int, interval: str) -> date:
    if interval == "day":
        return first + timedelta(days=n)
    if interval == "week":
        return first + timedelta(weeks=n)
    month = first.month - 1 + n
    return date(first.year + month // 12, month % 12 + 1, 1)

