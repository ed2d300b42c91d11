"""The summaries' share of new rows, counted in Python and added with one upsert a key.

Summing each transaction's rows with INSERT ... SELECT ... GROUP BY (the cells, layers,
types, days, actors and divisions: six scans of the rows just written, one of them
reading ``admin1`` out of each feature's JSON) took a third of the writer's time; the
same sums kept in dicts while the rows go by cost a tenth of that
(benchmarks/bench_ingest_vs_gdal.py). The numbers are the very ones the SQL gave:
``cell_of`` is the generated column's arithmetic, and NULL counts as SQL counts it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from geomap.store.sqlite_grid import LEVEL, ROW, cell_of, sub_of

_MERGE = ("count = count + excluded.count, minlon = min(minlon, excluded.minlon), "
          "minlat = min(minlat, excluded.minlat), maxlon = max(maxlon, excluded.maxlon), "
          "maxlat = max(maxlat, excluded.maxlat), "
          "first_date = min(first_date, excluded.first_date), "
          "last_date = max(last_date, excluded.last_date)")
_CELLS = ("INSERT INTO incident_cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
          f"ON CONFLICT (layer, cell) DO UPDATE SET {_MERGE}")
_LAYERS = ("INSERT INTO incident_layers VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
           f"ON CONFLICT (layer) DO UPDATE SET {_MERGE}")
_TYPES = ("INSERT INTO incident_cell_types VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
          "SET count = count + excluded.count, fatalities = fatalities + excluded.fatalities, "
          "sumlon = sumlon + excluded.sumlon, sumlat = sumlat + excluded.sumlat")
_SUBCELLS = ("INSERT INTO incident_subcells VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
             "SET count = count + excluded.count, sumlon = sumlon + excluded.sumlon, "
             "sumlat = sumlat + excluded.sumlat")
_TOTALS = ("INSERT INTO incident_subcell_totals VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE "
           "SET count = count + excluded.count")
_DEGREES = ("INSERT INTO incident_degree_types VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
            "SET count = count + excluded.count, sumlon = sumlon + excluded.sumlon, "
            "sumlat = sumlat + excluded.sumlat")
_MONTHS = ("INSERT INTO incident_months VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
           "count = count + excluded.count, fatalities = fatalities + excluded.fatalities")
_DAYS = ("INSERT INTO incident_days VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
         "count = count + excluded.count, fatalities = fatalities + excluded.fatalities")
_ACTORS = ("INSERT INTO incident_actors VALUES (?, ?, ?) "
           "ON CONFLICT DO UPDATE SET count = count + excluded.count")
_DIVISIONS = ("INSERT INTO incident_admin1 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
              "SET count = count + excluded.count, sumlon = sumlon + excluded.sumlon, "
              "sumlat = sumlat + excluded.sumlat")


class SummaryTally:
    """What rows not yet summed add to each summary table, until ``write`` adds it in.

    Per (layer, cell, type, status): count, fatalities, sums of the positions, and the
    bbox and dates that the cell and layer summaries need; per point (layer, cell,
    sub-cell, type, status), per (layer, day, type, status), per (layer, country, admin1,
    type, status) and per (layer, actor) their own; the 1-degree cells of points and the
    months are folded from the sub-cells and the days when written. Without ``points``
    (the grid index is put off: no reader looks at them then) the point summaries are
    left to sqlite_indexes.count_points, which counts them once when that index is built.
    """

    def __init__(self, *, points: bool = True) -> None:
        self.points = points
        self.clear()

    def clear(self) -> None:
        """Forget what was counted."""
        self.types: dict[tuple, list] = {}
        self.subcells: dict[tuple, list] = {}
        self.days: dict[tuple, list] = {}
        self.divisions: dict[tuple, list] = {}
        self.actors: dict[tuple, int] = {}

    def add(self, items: Iterable[tuple]) -> None:
        """Count in prepared (row, text, place, admin1) items (sqlite_write.prepare)."""
        types, days, divisions, actors = self.types, self.days, self.divisions, self.actors
        for row, _, _, admin1 in items:
            (_, layer, day, kind, _, country, fatalities, _, status, actor1, actor2, lon, lat,
             minlon, minlat, maxlon, maxlat, _) = row
            fatalities = fatalities or 0
            cell = cell_of(minlon, minlat, maxlon, maxlat)
            key = (layer, cell, kind, status)
            if (sums := types.get(key)) is None:
                types[key] = [1, fatalities, lon, lat, minlon, minlat, maxlon, maxlat, day, day]
            else:
                _widen(sums, fatalities, lon, lat, minlon, minlat, maxlon, maxlat, day)
            if cell < LEVEL and self.points:
                _add_position(self.subcells, (layer, cell, sub_of(minlon, minlat), kind, status),
                              lon, lat)
            key = (layer, day, kind, status)
            if (sums := days.get(key)) is None:
                days[key] = [1, fatalities]
            else:
                sums[0] += 1
                sums[1] += fatalities
            _add_position(divisions, (layer, "" if country is None else country,
                                      "" if admin1 is None else admin1, kind, status), lon, lat)
            if actor1 is not None:
                actors[layer, actor1] = actors.get((layer, actor1), 0) + 1
            if actor2 is not None and actor2 != actor1:
                actors[layer, actor2] = actors.get((layer, actor2), 0) + 1

    def write(self, conn: sqlite3.Connection) -> None:
        """Add what was counted to the summary tables (inside the caller's transaction),
        and start counting afresh."""
        cells = _fold(((layer, cell), sums[:1] + sums[4:])
                      for (layer, cell, _, _), sums in self.types.items())
        layers = _fold(((layer,), sums) for (layer, _), sums in cells.items())
        conn.executemany(_CELLS, [(*key, *sums) for key, sums in cells.items()])
        conn.executemany(_LAYERS, [(*key, *sums) for key, sums in layers.items()])
        conn.executemany(_TYPES, [(*key, *sums[:4]) for key, sums in self.types.items()])
        conn.executemany(_SUBCELLS, [(*key, *sums) for key, sums in self.subcells.items()])
        conn.executemany(_TOTALS, [(*key, count) for key, count in _totals(self.subcells).items()])
        conn.executemany(_DEGREES, [(*key, *sums) for key, sums in _degrees(self.subcells).items()])
        conn.executemany(_DAYS, [(*key, *sums) for key, sums in self.days.items()])
        conn.executemany(_MONTHS, [(*key, *sums) for key, sums in _months(self.days).items()])
        conn.executemany(_DIVISIONS, [(*key, *sums) for key, sums in self.divisions.items()])
        conn.executemany(_ACTORS, [(*key, count) for key, count in self.actors.items()])
        self.clear()


def _totals(subcells: dict[tuple, list]) -> dict[tuple, int]:
    """The count per point (layer, cell, sub-cell), of every type and status."""
    totals: dict[tuple, int] = {}
    for (layer, cell, sub, _, _), (count, _, _) in subcells.items():
        totals[layer, cell, sub] = totals.get((layer, cell, sub), 0) + count
    return totals


def _degrees(subcells: dict[tuple, list]) -> dict[tuple, list]:
    """[count, sumlon, sumlat] per (layer, 1-degree cell, type, status) of the points."""
    degrees: dict[tuple, list] = {}
    for (layer, cell, _, kind, status), (count, sumlon, sumlat) in subcells.items():
        key = (layer, cell // ROW // 8 * ROW + cell % ROW // 8, kind, status)
        if (sums := degrees.get(key)) is None:
            degrees[key] = [count, sumlon, sumlat]
        else:
            sums[0] += count
            sums[1] += sumlon
            sums[2] += sumlat
    return degrees


def _months(days: dict[tuple, list]) -> dict[tuple, list]:
    """[count, fatalities] per (layer, first day of the month, type, status)."""
    months: dict[tuple, list] = {}
    for (layer, day, kind, status), (count, fatalities) in days.items():
        key = (layer, day[:8] + "01", kind, status)
        if (sums := months.get(key)) is None:
            months[key] = [count, fatalities]
        else:
            sums[0] += count
            sums[1] += fatalities
    return months


def _add_position(counts: dict[tuple, list], key: tuple, lon: float, lat: float) -> None:
    """One position more in a [count, sumlon, sumlat] entry."""
    if (sums := counts.get(key)) is None:
        counts[key] = [1, lon, lat]
    else:
        sums[0] += 1
        sums[1] += lon
        sums[2] += lat


def _widen(sums: list, fatalities: int, lon: float, lat: float, minlon: float, minlat: float,
           maxlon: float, maxlat: float, day: str) -> None:
    """One row more in a (layer, cell, type, status) entry."""
    sums[0] += 1
    sums[1] += fatalities
    sums[2] += lon
    sums[3] += lat
    if minlon < sums[4]:
        sums[4] = minlon
    if minlat < sums[5]:
        sums[5] = minlat
    if maxlon > sums[6]:
        sums[6] = maxlon
    if maxlat > sums[7]:
        sums[7] = maxlat
    if day < sums[8]:
        sums[8] = day
    elif day > sums[9]:
        sums[9] = day


def _fold(entries: Iterable[tuple[tuple, list]]) -> dict[tuple, list]:
    """[count, minlon, minlat, maxlon, maxlat, first, last] per key, summed over entries."""
    folded: dict[tuple, list] = {}
    for key, (count, minlon, minlat, maxlon, maxlat, first, last) in entries:
        if (sums := folded.get(key)) is None:
            folded[key] = [count, minlon, minlat, maxlon, maxlat, first, last]
        else:
            sums[0] += count
            sums[1:] = (min(sums[1], minlon), min(sums[2], minlat), max(sums[3], maxlon),
                        max(sums[4], maxlat), min(sums[5], first), max(sums[6], last))
    return folded
