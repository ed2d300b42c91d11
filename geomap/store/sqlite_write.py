"""How the SQLite store writes: a batch of rows at a time, then its summaries.

Each batch goes into ``incidents`` and the full-text index by ``executemany`` (SQLite lets
go of the GIL while it steps each row, so a worker thread parses the next batch in the
meantime), then is summed into the cell, layer, type and day summaries by a few
INSERT ... SELECT statements over its range of seqs. (Binding the rows into a TEMP table
first and copying them across cost a third more: benchmarks/bench_ingest_vs_gdal.py.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import orjson

from geomap.incident import geometry_bbox
from geomap.store.batches import validated_batch
from geomap.store.learned import learned_place_of, place_row
from geomap.store.sqlite_grid import LEVEL, ROW, SUB_SQL
from geomap.store.sqlite_query import search_text
from geomap.store.sqlite_schema import CACHE_KIB, MMAP_BYTES

#: The writer's map while add_many runs: building an index reads the whole table, which
#: should not all be mapped into (and counted in) the importing process.
WRITE_MMAP_BYTES = 256 * 2**20
COLUMNS = ("seq", "id", "layer", "event_date", "event_type", "sub_event_type", "country",
           "fatalities", "geo_precision", "status", "actor1", "actor2", "lon", "lat",
           "minlon", "minlat", "maxlon", "maxlat", "feature")
_ROW = "INSERT INTO incidents ({}) VALUES ({})".format(", ".join(COLUMNS),
                                                        ", ".join("?" * len(COLUMNS)))
_TEXT = "INSERT INTO incidents_fts (rowid, body) VALUES (?, ?)"
_SUMMARY = ("count(*), min(minlon), min(minlat), max(maxlon), max(maxlat), min(event_date), "
            "max(event_date)")
_MERGE = ("count = count + excluded.count, minlon = min(minlon, excluded.minlon), "
          "minlat = min(minlat, excluded.minlat), maxlon = max(maxlon, excluded.maxlon), "
          "maxlat = max(maxlat, excluded.maxlat), "
          "first_date = min(first_date, excluded.first_date), "
          "last_date = max(last_date, excluded.last_date)")
_ADD_CELLS = (f"INSERT INTO incident_cells SELECT layer, cell, {_SUMMARY} FROM incidents "
              "WHERE seq BETWEEN ? AND ? GROUP BY layer, cell "
              f"ON CONFLICT (layer, cell) DO UPDATE SET {_MERGE}")
_ADD_LAYERS = (f"INSERT INTO incident_layers SELECT layer, {_SUMMARY} FROM incidents "
               f"WHERE seq BETWEEN ? AND ? GROUP BY layer ON CONFLICT (layer) DO UPDATE SET {_MERGE}")
_ADD_TYPES = ("INSERT INTO incident_cell_types SELECT layer, cell, event_type, status, count(*), "
              "coalesce(sum(fatalities), 0), sum(lon), sum(lat) FROM incidents "
              "WHERE seq BETWEEN ? AND ? GROUP BY layer, cell, event_type, status "
              "ON CONFLICT DO UPDATE SET count = count + excluded.count, "
              "fatalities = fatalities + excluded.fatalities, sumlon = sumlon + excluded.sumlon, "
              "sumlat = sumlat + excluded.sumlat")
_SUB = SUB_SQL.format(t="")
_ADD_SUBCELLS = (f"INSERT INTO incident_subcells SELECT layer, cell, {_SUB}, event_type, status, "
                 "count(*), sum(lon), sum(lat) FROM incidents WHERE seq BETWEEN ? AND ? "
                 f"AND cell < {LEVEL} GROUP BY 1, 2, 3, 4, 5 ON CONFLICT DO UPDATE SET "
                 "count = count + excluded.count, sumlon = sumlon + excluded.sumlon, "
                 "sumlat = sumlat + excluded.sumlat")
_DEGREE = f"(cell / {ROW} / 8) * {ROW} + (cell % {ROW}) / 8"  # a point cell's 1-degree cell
_ADD_DEGREES = (f"INSERT INTO incident_degree_types SELECT layer, {_DEGREE}, event_type, status, "
                "count(*), sum(lon), sum(lat) FROM incidents WHERE seq BETWEEN ? AND ? "
                f"AND cell < {LEVEL} GROUP BY 1, 2, 3, 4 ON CONFLICT DO UPDATE SET "
                "count = count + excluded.count, sumlon = sumlon + excluded.sumlon, "
                "sumlat = sumlat + excluded.sumlat")
_ADD_DAYS = ("INSERT INTO incident_days SELECT layer, event_date, event_type, status, count(*), "
             "coalesce(sum(fatalities), 0) FROM incidents WHERE seq BETWEEN ? AND ? "
             "GROUP BY layer, event_date, event_type, status ON CONFLICT DO UPDATE SET "
             "count = count + excluded.count, fatalities = fatalities + excluded.fatalities")
_ADD_MONTHS = ("INSERT INTO incident_months SELECT layer, substr(event_date, 1, 8) || '01', "
               "event_type, status, count(*), coalesce(sum(fatalities), 0) FROM incidents "
               "WHERE seq BETWEEN ? AND ? GROUP BY 1, 2, 3, 4 ON CONFLICT DO UPDATE SET "
               "count = count + excluded.count, fatalities = fatalities + excluded.fatalities")
_ADD_ACTORS = ("INSERT INTO incident_actors SELECT layer, actor, count(*) FROM ("
               "SELECT layer, actor1 AS actor FROM incidents WHERE seq BETWEEN ?1 AND ?2 AND "
               "actor1 IS NOT NULL UNION ALL SELECT layer, actor2 FROM incidents WHERE seq "
               "BETWEEN ?1 AND ?2 AND actor2 IS NOT NULL AND actor2 IS NOT actor1) "
               "WHERE 1 GROUP BY layer, actor ON CONFLICT DO UPDATE SET count = count + excluded.count")
_ADD_ADMIN1 = ("INSERT INTO incident_admin1 SELECT layer, coalesce(country, ''), "
               "coalesce(json_extract(feature, '$.properties.admin1'), ''), event_type, status, "
               "count(*), sum(lon), sum(lat) FROM incidents WHERE seq BETWEEN ? AND ? "
               "GROUP BY 1, 2, 3, 4, 5 ON CONFLICT DO UPDATE SET count = count + excluded.count, "
               "sumlon = sumlon + excluded.sumlon, sumlat = sumlat + excluded.sumlat")
_ADMIN1_KEY = "layer = ? AND country = ? AND admin1 = ? AND event_type = ? AND status = ?"
_TAKE_ADMIN1 = ("UPDATE incident_admin1 SET count = count - 1, sumlon = sumlon - ?, "
                f"sumlat = sumlat - ? WHERE {_ADMIN1_KEY} RETURNING count")
_TAKE_ACTOR = ("UPDATE incident_actors SET count = count - 1 WHERE layer = ? AND actor = ? "
               "RETURNING count")
_TAKE_TYPE = ("UPDATE incident_cell_types SET count = count - 1, fatalities = fatalities - ?, "
              "sumlon = sumlon - ?, sumlat = sumlat - ? WHERE layer = ? AND cell = ? "
              "AND event_type = ? AND status = ? RETURNING count")
_SUBCELL_KEY = "layer = ? AND cell = ? AND sub = ? AND event_type = ? AND status = ?"
_DEGREE_KEY = "layer = ? AND cell = ? AND event_type = ? AND status = ?"
_TAKE_DEGREE = ("UPDATE incident_degree_types SET count = count - 1, sumlon = sumlon - ?, "
                f"sumlat = sumlat - ? WHERE {_DEGREE_KEY} RETURNING count")
_TAKE_SUBCELL = ("UPDATE incident_subcells SET count = count - 1, sumlon = sumlon - ?, "
                 f"sumlat = sumlat - ? WHERE {_SUBCELL_KEY} RETURNING count")
_TAKE_DAY = ("UPDATE incident_days SET count = count - 1, fatalities = fatalities - ? "
             "WHERE layer = ? AND event_date = ? AND event_type = ? AND status = ? RETURNING count")
_MONTH_KEY = "layer = ? AND month = ? AND event_type = ? AND status = ?"
_TAKE_MONTH = ("UPDATE incident_months SET count = count - 1, fatalities = fatalities - ? "
               f"WHERE {_MONTH_KEY} RETURNING count")
_FORGET_ROW = (f"SELECT layer, cell, {_SUB} AS sub, minlon, minlat, maxlon, maxlat, event_date, event_type, "
               "status, coalesce(fatalities, 0) AS fatalities, lon, lat, actor1, actor2, "
               "coalesce(country, '') AS country, "
               "coalesce(json_extract(feature, '$.properties.admin1'), '') AS admin1 "
               "FROM incidents WHERE seq = ?")
_EXISTING = ("SELECT id, seq, CAST(feature AS BLOB) FROM incidents "
             "WHERE id IN (SELECT value FROM json_each(?))")
_DELETE_TEXT = "INSERT INTO incidents_fts (incidents_fts, rowid, body) VALUES ('delete', ?, ?)"
_STATS = "count, minlon, minlat, maxlon, maxlat, first_date, last_date"
_REFRESH = {  # the summary of one cell, or of one layer, counted again
    "incident_cells": (f"SELECT layer, cell, {_SUMMARY} FROM incidents "
                       "WHERE layer = ? AND cell = ? GROUP BY layer, cell"),
    "incident_layers": ("SELECT layer, sum(count), min(minlon), min(minlat), max(maxlon), "
                        "max(maxlat), min(first_date), max(last_date) FROM incident_cells "
                        "WHERE layer = ? GROUP BY layer"),
}


def prepare(feature: dict) -> tuple[tuple, str, tuple | None]:
    """The feature's row without seq (its id first, its JSON last), its search text, and
    the place it teaches as ``place_row`` gives it, or None: plain values, cheap to send
    from a worker process."""
    p, geometry = feature["properties"], feature["geometry"]
    minlon, minlat, maxlon, maxlat = geometry_bbox(geometry)
    row = (p["id"], p["layer"], p["event_date"], p["event_type"], p["sub_event_type"],
           p["country"], p["fatalities"], p["geo_precision"], p["status"], p["actor1"],
           p["actor2"], (minlon + maxlon) / 2, (minlat + maxlat) / 2, minlon, minlat, maxlon,
           maxlat, orjson.dumps(feature).decode())
    return row, search_text(p), place_row(learned_place_of(feature))


def prepare_batch(items: Iterator[tuple[int, Mapping]], size: int) -> tuple[list, list, bool]:
    """validated_batch with SQLite's rows (module level, so a worker process can run it)."""
    return validated_batch(items, size, prepare)


def existing(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[int, dict]]:
    """(seq, feature) of each of ``ids`` that is stored."""
    rows = conn.execute(_EXISTING, (orjson.dumps(ids).decode(),))
    return {incident_id: (seq, orjson.loads(feature)) for incident_id, seq, feature in rows}


def write_rows(conn: sqlite3.Connection, prepared: list[tuple], first: int | None = None, *,
               summarize: bool = True) -> range:
    """Insert (row, text, place) items numbered from ``first`` (default: after the last)
    into the table and the text index, and into the summaries unless the caller does that
    later for many batches at once (``summarize``); the seqs they were given."""
    if first is None:
        first = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM incidents").fetchone()[0]
    seqs = range(first, first + len(prepared))
    if seqs:
        conn.executemany(_ROW, [(seq, *row) for seq, (row, _, _) in enumerate(prepared, first)])
        conn.executemany(_TEXT, [(seq, text) for seq, (_, text, _) in enumerate(prepared, first)])
        if summarize:
            add_to_summaries(conn, seqs[0], seqs[-1])
    return seqs


def add_to_summaries(conn: sqlite3.Connection, first: int, last: int) -> None:
    """Count the incidents numbered ``first`` to ``last`` into the cell and layer summaries."""
    for sql in (_ADD_CELLS, _ADD_LAYERS, _ADD_TYPES, _ADD_SUBCELLS, _ADD_DEGREES, _ADD_DAYS,
                _ADD_MONTHS, _ADD_ACTORS, _ADD_ADMIN1):
        conn.execute(sql, (first, last))


def forget(conn: sqlite3.Connection, seq: int, stored: dict) -> None:
    """Remove a stored feature from the table, the text index and the summaries."""
    cursor = conn.execute(_FORGET_ROW, (seq,))
    row = dict(zip([column[0] for column in cursor.description], cursor.fetchone(), strict=True))
    removed = [row[name] for name in ("minlon", "minlat", "maxlon", "maxlat", "event_date")]
    conn.execute(_DELETE_TEXT, (seq, search_text(stored["properties"])))
    conn.execute("DELETE FROM incidents WHERE seq = ?", (seq,))
    _subtract(conn, "incident_cells", "layer = ? AND cell = ?", (row["layer"], row["cell"]),
              removed)
    _subtract(conn, "incident_layers", "layer = ?", (row["layer"],), removed)
    _subtract_typed(conn, row)


def _subtract_typed(conn: sqlite3.Connection, row: dict) -> None:
    """One incident fewer in the per-type cell, sub-cell and degree cell, the day and month,
    the division and the actor summaries."""
    kind = (row["event_type"], row["status"])
    cell = (row["layer"], row["cell"], *kind)
    (left,) = conn.execute(_TAKE_TYPE, (row["fatalities"], row["lon"], row["lat"],
                                        *cell)).fetchone()
    if not left:
        conn.execute("DELETE FROM incident_cell_types WHERE layer = ? AND cell = ? AND "
                     "event_type = ? AND status = ?", cell)
    if row["cell"] < LEVEL:  # a point
        _take_point(conn, row, kind)
    day = (row["layer"], row["event_date"], *kind)
    (left,) = conn.execute(_TAKE_DAY, (row["fatalities"], *day)).fetchone()
    if not left:
        conn.execute("DELETE FROM incident_days WHERE layer = ? AND event_date = ? AND "
                     "event_type = ? AND status = ?", day)
    _take_month(conn, row, kind)
    division = (row["layer"], row["country"], row["admin1"], *kind)
    (left,) = conn.execute(_TAKE_ADMIN1, (row["lon"], row["lat"], *division)).fetchone()
    if not left:
        conn.execute(f"DELETE FROM incident_admin1 WHERE {_ADMIN1_KEY}", division)
    for actor in dict.fromkeys(name for name in (row["actor1"], row["actor2"]) if name):
        (left,) = conn.execute(_TAKE_ACTOR, (row["layer"], actor)).fetchone()
        if not left:
            conn.execute("DELETE FROM incident_actors WHERE layer = ? AND actor = ?",
                         (row["layer"], actor))


def _take_point(conn: sqlite3.Connection, row: dict, kind: tuple) -> None:
    """One point fewer in its sub-cell's and its degree cell's summaries."""
    sub = (row["layer"], row["cell"], row["sub"], *kind)
    (left,) = conn.execute(_TAKE_SUBCELL, (row["lon"], row["lat"], *sub)).fetchone()
    if not left:
        conn.execute(f"DELETE FROM incident_subcells WHERE {_SUBCELL_KEY}", sub)
    cell = row["cell"]
    degree = (row["layer"], cell // ROW // 8 * ROW + cell % ROW // 8, *kind)
    (left,) = conn.execute(_TAKE_DEGREE, (row["lon"], row["lat"], *degree)).fetchone()
    if not left:
        conn.execute(f"DELETE FROM incident_degree_types WHERE {_DEGREE_KEY}", degree)


def _take_month(conn: sqlite3.Connection, row: dict, kind: tuple) -> None:
    month = (row["layer"], row["event_date"][:8] + "01", *kind)
    (left,) = conn.execute(_TAKE_MONTH, (row["fatalities"], *month)).fetchone()
    if not left:
        conn.execute(f"DELETE FROM incident_months WHERE {_MONTH_KEY}", month)


def _subtract(conn: sqlite3.Connection, table: str, where: str, key: tuple,
              removed: list) -> None:
    """One incident fewer in a summary row; count it again if it was on an edge."""
    row = conn.execute(f"UPDATE {table} SET count = count - 1 WHERE {where} RETURNING {_STATS}",
                       key).fetchone()
    if row is None:
        return
    count, *edges, first, last = row
    on_edge = any(a == b for a, b in zip(removed[:4], edges, strict=True)) or removed[4] in (
        first, last)
    if count and not on_edge:
        return
    conn.execute(f"DELETE FROM {table} WHERE {where}", key)
    if count:
        conn.execute(f"INSERT INTO {table} {_REFRESH[table]}", key)


@contextmanager
def rebuilt_indexes(conn: sqlite3.Connection, most_rows: int) -> Iterator[None]:
    """In a store of at most ``most_rows`` incidents, drop the secondary indexes of
    ``incidents`` for the block and build them again at its end (same transaction)."""
    rows = conn.execute("SELECT coalesce(max(seq), 0) FROM incidents").fetchone()[0]
    indexes = [] if rows > most_rows else conn.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'incidents' "
        "AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.execute(sql)


@contextmanager
def bulk_settings(conn: sqlite3.Connection, cache_kib: int) -> Iterator[None]:
    """A bigger page cache while a bulk load touches index pages all over the file, and
    a small map, so that reading the whole table to build an index does not map it all."""
    conn.execute(f"PRAGMA cache_size = -{cache_kib:d}")
    conn.execute(f"PRAGMA mmap_size = {WRITE_MMAP_BYTES:d}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES:d}")
