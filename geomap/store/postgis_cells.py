"""The per-cell counts of PostGIS (``incident_cells``, migration 010): kept by every write,
read by a bbox's count.

A point cell (1/8 degree) strictly inside a bbox holds only incidents inside it, so its
summary rows answer for it; the bbox's edge cells, and the cells of lines and polygons,
are scanned with the exact bbox test. The answer is exact either way (SQLite's rule, see
``sqlite_summaries.py``). Writes change the counts in their own transaction, so a reader
never sees counts that disagree with the rows.

An import into an empty store puts the counts off with its indexes
(``postgis_indexes``): ``deferred_indexes`` then lists ``incident_cells`` with the
statements that count it again, writers leave it alone and readers scan. Kept batch by
batch (an upsert of some 2,700 keys a batch of 5,000) they cost the servers 75 and 78 µs
a feature in all, put off 75 and 72 (100,000 features, two turns: README, "PostGIS
beside SQLite"); counting them once at the end reads the table once (0.5 s at 1,000,000
incidents). The recount locks out writers (SHARE) while it runs, and a writer reads the
list after its own row lock on incidents, so each write is either counted by its writer
or by the recount, never by both or neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

import psycopg

from geomap.incident import geometry_bbox
from geomap.query import IncidentQuery
from geomap.store.sqlite_grid import LEVEL, LEVELS, ROW, cell_of

#: The filters the summary breaks down by (besides layer and bbox).
FILTERS = ("event_types", "statuses")
#: Query fields the summaries and the edge scan answer (or that never change what matches).
_ANSWERED = frozenset(("limit", "offset", "sort", "layer", "bbox", *FILTERS))
NAME = "incident_cells"
#: Whether an import has put the counts off (see the module's docstring).
DEFERRED = f"EXISTS (SELECT FROM deferred_indexes WHERE name = '{NAME}')"
#: Counting them again from the rows, as the migration first did; in deferred_indexes.
RECOUNT = ("LOCK TABLE incidents IN SHARE MODE; DELETE FROM incident_cells; "
           "INSERT INTO incident_cells SELECT layer, cell, event_type, status, count(*) "
           f"FROM incidents WHERE cell < {LEVEL} GROUP BY 1, 2, 3, 4; ANALYZE incident_cells")
#: Changes in one statement, keys in order: writers lock summary rows in one order.
_CHANGE = ("INSERT INTO incident_cells AS c SELECT * FROM unnest(%s::text[], %s::int[], "
           f"%s::text[], %s::text[], %s::bigint[]) WHERE NOT {DEFERRED} "
           "ON CONFLICT (layer, cell, event_type, status) "
           "DO UPDATE SET count = c.count + excluded.count")
_DROP_EMPTY = ("DELETE FROM incident_cells WHERE count = 0 AND (layer, cell, event_type, status) "
               "IN (SELECT * FROM unnest(%s::text[], %s::int[], %s::text[], %s::text[]))")
_PER_DEGREE = LEVELS[0][1]


def answerable(query: IncidentQuery) -> bool:
    """Whether the summaries and a scan of the edge cells answer ``query``'s count: a
    layer, a bbox, and no filter but event types and statuses."""
    if query.layer is None or query.bbox is None:
        return False
    return all(f.name in _ANSWERED or getattr(query, f.name) in (None, ())
               for f in fields(query))


def split(bbox: tuple[float, float, float, float], cells: list[int]) -> tuple[list, list]:
    """(inner, edge): the point cells of ``cells`` strictly inside ``bbox``, and the others.

    A cell strictly between the first and the last along both axes lies wholly inside:
    the arithmetic is cell_of's, floating-point rounding is monotonic and scaling by a
    power of two exact, so a point filed there is strictly within the bbox too.

    >>> inner, edge = split((44.05, 33.05, 44.95, 33.95), list(range(5)))
    >>> inner, edge
    ([], [0, 1, 2, 3, 4])
    >>> from geomap.store.postgis_query import grid_cells
    >>> cells = grid_cells((44.05, 33.05, 44.95, 33.95))
    >>> inner, edge = split((44.05, 33.05, 44.95, 33.95), cells)
    >>> len(inner), len([cell for cell in edge if cell < LEVEL])  # 6 x 6 inside, 28 around
    (36, 28)
    """
    minlon, minlat, maxlon, maxlat = bbox
    first_col, last_col = int((minlon + 180) * _PER_DEGREE), int((maxlon + 180) * _PER_DEGREE)
    first_row, last_row = int((minlat + 90) * _PER_DEGREE), int((maxlat + 90) * _PER_DEGREE)
    inner, edge = [], []
    for cell in cells:
        if cell < LEVEL and first_col < cell % ROW < last_col and first_row < cell // ROW < last_row:
            inner.append(cell)
        else:
            edge.append(cell)
    return inner, edge


def inner_sql(query: IncidentQuery, inner: list[int]) -> tuple[str, list]:
    """SELECT the summed count of the ``inner`` cells' incidents that pass the filters."""
    sql, params = ("SELECT coalesce(sum(count), 0) FROM incident_cells "
                   "WHERE layer = %s AND cell = ANY(%s)"), [query.layer, inner]
    if query.event_types:
        sql, params = f"{sql} AND event_type = ANY(%s)", [*params, list(query.event_types)]
    if query.statuses:
        sql, params = f"{sql} AND status = ANY(%s)", [*params, list(query.statuses)]
    return sql, params


# --- writing -------------------------------------------------------------------------------

def row_key(row: tuple) -> tuple | None:
    """The summary key (layer, cell, event type, status) of a row of postgis_write.COLUMNS,
    None when it is not a point cell's."""
    return (row[1], row[18], row[3], row[8]) if row[18] < LEVEL else None


def stored_key(stored: dict) -> tuple | None:
    """The summary key of a stored feature, as row_key gives it for its row."""
    p, cell = stored["properties"], cell_of(*geometry_bbox(stored["geometry"]))
    return (p["layer"], cell, p["event_type"], p["status"]) if cell < LEVEL else None


def change(conn: psycopg.Connection, added: Iterable[tuple | None] = (),
           removed: Iterable[tuple | None] = ()) -> None:
    """Count the ``added`` keys in and the ``removed`` ones out, in one statement."""
    deltas: dict[tuple, int] = {}
    for key in added:
        if key is not None:
            deltas[key] = deltas.get(key, 0) + 1
    for key in removed:
        if key is not None:
            deltas[key] = deltas.get(key, 0) - 1
    keys = sorted(key for key, delta in deltas.items() if delta)
    if not keys:
        return
    columns = [list(column) for column in zip(*keys, strict=True)]
    conn.execute(_CHANGE, [*columns, [deltas[key] for key in keys]])
    if any(deltas[key] < 0 for key in keys):
        conn.execute(_DROP_EMPTY, columns)
