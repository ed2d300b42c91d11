"""How the SQLite store writes: a batch of rows at a time, then its summaries.

Each batch goes into ``incidents`` and the full-text index by ``executemany`` (SQLite lets
go of the GIL while it steps each row, so a worker thread parses the next batch in the
meantime) and is counted into a SummaryTally (sqlite_tally.py), which adds itself to the
summaries once per transaction. (Binding the rows into a TEMP table first and copying them
across cost a third more: benchmarks/bench_ingest_vs_gdal.py.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime

import msgspec
import orjson

from geomap.errors import NotFoundError
from geomap.incident import format_timestamp, geometry_bbox, parse_feature
from geomap.incident_json import DecodedFeature
from geomap.store.base import AddResult, merge_patch, same_content
from geomap.store.batches import validated_batch
from geomap.store.learned import corrects_place, learned_place_of, learned_row, place_row
from geomap.store.sqlite_grid import LEVEL, ROW, SUB_SQL
from geomap.store.sqlite_history import archive
from geomap.store.sqlite_indexes import has_grid_index
from geomap.store.sqlite_learned import add_learned, learn_places, unlearn
from geomap.store.sqlite_query import search_text, search_text_of
from geomap.store.sqlite_schema import CACHE_KIB, MMAP_BYTES
from geomap.store.sqlite_tally import SummaryTally

#: History actions that take an incident off the store.
REMOVALS = ("delete", "reject", "merged")
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
_SUB = SUB_SQL.format(t="")
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
_TOTAL_KEY = "layer = ? AND cell = ? AND sub = ?"
_TAKE_TOTAL = (f"UPDATE incident_subcell_totals SET count = count - 1 WHERE {_TOTAL_KEY} "
               "RETURNING count")
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
_DELETED = (f"SELECT DISTINCT id FROM incident_history WHERE action IN {REMOVALS} "
            "AND id IN (SELECT value FROM json_each(?))")
_DELETE_TEXT = "INSERT INTO incidents_fts (incidents_fts, rowid, body) VALUES ('delete', ?, ?)"
_encode = msgspec.json.Encoder().encode
_STATS = "count, minlon, minlat, maxlon, maxlat, first_date, last_date"
_REFRESH = {  # the summary of one cell, or of one layer, counted again
    "incident_cells": (f"SELECT layer, cell, {_SUMMARY} FROM incidents "
                       "WHERE layer = ? AND cell = ? GROUP BY layer, cell"),
    "incident_layers": ("SELECT layer, sum(count), min(minlon), min(minlat), max(maxlon), "
                        "max(maxlat), min(first_date), max(last_date) FROM incident_cells "
                        "WHERE layer = ? GROUP BY layer"),
}


def prepare(feature: dict) -> tuple[tuple, str, tuple | None, str | None]:
    """The feature's row without seq (its id first, its JSON last), its search text, the
    place it teaches as ``learned_row`` gives it (or None), and its admin1 for the division
    summary: plain values, cheap to send from a worker process."""
    p, geometry = feature["properties"], feature["geometry"]
    minlon, minlat, maxlon, maxlat = geometry_bbox(geometry)
    row = (p["id"], p["layer"], p["event_date"], p["event_type"], p["sub_event_type"],
           p["country"], p["fatalities"], p["geo_precision"], p["status"], p["actor1"],
           p["actor2"], (minlon + maxlon) / 2, (minlat + maxlat) / 2, minlon, minlat, maxlon,
           maxlat, orjson.dumps(feature).decode())
    return row, search_text(p), learned_row(feature), p["admin1"]


def prepare_stored(feature: DecodedFeature) -> tuple[tuple, str, tuple | None, str | None]:
    """prepare's item of a typed feature in stored form (incident_json.stored_form), from
    its fields: turning it into a dict and that into JSON cost three times as much."""
    p, (lon, lat) = feature.properties, feature.geometry.coordinates
    row = (p.id, p.layer, p.event_date, p.event_type, p.sub_event_type, p.country, p.fatalities,
           p.geo_precision, p.status, p.actor1, p.actor2, lon, lat, lon, lat, lon, lat,
           _encode(feature).decode())
    # a typed feature holds the contract's properties only: none of ACLED's own marks
    place = place_row(p.location, p.country, lon, lat, p.admin1, p.geo_precision,
                      p.gazetteer_id, "import")
    return row, search_text_of(p), place, p.admin1


def prepare_batch(items: Iterator[tuple[int, Mapping]], size: int) -> tuple[list, list, bool]:
    """validated_batch with SQLite's rows (module level, so a worker process can run it)."""
    return validated_batch(items, size, prepare, prepare_stored)


def existing(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[int, dict]]:
    """(seq, feature) of each of ``ids`` that is stored."""
    rows = conn.execute(_EXISTING, (orjson.dumps(ids).decode(),))
    return {incident_id: (seq, orjson.loads(feature)) for incident_id, seq, feature in rows}


def write_rows(conn: sqlite3.Connection, prepared: list[tuple], first: int | None = None, *,
               tally: SummaryTally | None = None) -> range:
    """Insert prepared items numbered from ``first`` (default: after the last) into the
    table and the text index, and count them into ``tally`` for the caller to write with
    many batches at once (without one, into the summaries now); the seqs they were given."""
    if first is None:
        first = next_seq(conn)
    seqs = range(first, first + len(prepared))
    if seqs:
        conn.executemany(_ROW, [(seq, *item[0]) for seq, item in enumerate(prepared, first)])
        conn.executemany(_TEXT, [(seq, item[1]) for seq, item in enumerate(prepared, first)])
        if tally is None:
            tally = SummaryTally(points=has_grid_index(conn))
            tally.add(prepared)
            tally.write(conn)
        else:
            tally.add(prepared)
    return seqs


def next_seq(conn: sqlite3.Connection) -> int:
    """The seq the next new incident gets."""
    return conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM incidents").fetchone()[0]


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
    if row["cell"] < LEVEL and has_grid_index(conn):  # a point, its summaries kept
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
    """One point fewer in its sub-cell's (by type and in all) and its degree cell's summaries."""
    sub = (row["layer"], row["cell"], row["sub"], *kind)
    (left,) = conn.execute(_TAKE_SUBCELL, (row["lon"], row["lat"], *sub)).fetchone()
    if not left:
        conn.execute(f"DELETE FROM incident_subcells WHERE {_SUBCELL_KEY}", sub)
    (left,) = conn.execute(_TAKE_TOTAL, sub[:3]).fetchone()
    if not left:
        conn.execute(f"DELETE FROM incident_subcell_totals WHERE {_TOTAL_KEY}", sub[:3])
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
def bulk_settings(conn: sqlite3.Connection, cache_kib: int,
                  mmap_bytes: int = WRITE_MMAP_BYTES) -> Iterator[None]:
    """A bigger page cache while a bulk load touches index pages all over the file, and
    a small map, so that reading the whole table to build an index does not map it all."""
    conn.execute(f"PRAGMA cache_size = -{cache_kib:d}")
    conn.execute(f"PRAGMA mmap_size = {mmap_bytes:d}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES:d}")


# --- one incident edited or taken off ------------------------------------------------------

def _load(conn: sqlite3.Connection, incident_id: str) -> tuple[int, dict]:
    found = existing(conn, [incident_id]).get(incident_id)
    if found is None:
        raise NotFoundError(f"no incident {incident_id!r}")
    return found


def replace_incident(conn: sqlite3.Connection, incident_id: str, patch: Mapping,
                     author: str | None, action: str, reason: str | None) -> dict:
    """Patch one stored feature inside the caller's transaction, archiving the old version."""
    now = datetime.now(UTC)
    seq, stored = _load(conn, incident_id)
    feature = parse_feature(merge_patch(stored, patch, updated_at=format_timestamp(now)), now=now)
    if same_content(feature, stored):
        return stored
    archive(conn, stored, action, author, now, reason)
    forget(conn, seq, stored)
    write_rows(conn, [prepare(feature)], first=seq)
    if corrects_place(stored, feature):  # the gazetteer learns the name as written
        unlearn(conn, stored)
        add_learned(conn, filter(None, [learned_place_of(feature, corrected=True)]))
    return feature


def remove_incident(conn: sqlite3.Connection, incident_id: str, author: str | None, action: str,
                   reason: str | None) -> None:
    """Take one stored feature off inside the caller's transaction, archiving it."""
    seq, stored = _load(conn, incident_id)
    archive(conn, stored, action, author, datetime.now(UTC), reason)
    forget(conn, seq, stored)
    unlearn(conn, stored)


# --- the write loop of add_many -------------------------------------------------------------

def write_transaction(conn: sqlite3.Connection, pieces: Iterator[tuple], batch_size: int,
                      result: AddResult, *, skip_deleted: bool,
                      author: str | None) -> tuple[bool, int]:
    """Write prepared pieces until ``batch_size`` features are read, inside the caller's
    transaction, then their summaries and places; (whether more may follow, how many added)."""
    first, read, added, places, more = next_seq(conn), 0, 0, [], True
    tally = SummaryTally(points=has_grid_index(conn))
    while more and read < batch_size:
        prepared, refused, more = next(pieces)
        read += len(prepared) + len(refused)
        result.refused.extend(refused)
        fresh = _select_fresh(conn, prepared, result, skip_deleted)
        write_rows(conn, fresh, first + added, tally=tally)
        places.extend(item[2] for item in fresh)
        if author is not None:
            mark_created(conn, [item[0][0] for item in fresh], "create", author)
        added += len(fresh)
    tally.write(conn)
    learn_places(conn, places)
    return more, added


def iter_prepared_here(features: Iterable[Mapping], batch_size: int) -> Iterator[tuple]:
    """prepare_batch's batches of ``features``, each one prepared by a worker thread while
    the caller writes the one before."""
    items, more = enumerate(features), True
    with ThreadPoolExecutor(1, thread_name_prefix="geomap-parse") as worker:
        parsing: Future = worker.submit(prepare_batch, items, batch_size)
        while more:
            prepared, refused, more = parsing.result()
            if more:
                parsing = worker.submit(prepare_batch, items, batch_size)
            yield prepared, refused, more


def _select_fresh(conn: sqlite3.Connection, prepared: list, result: AddResult,
                  skip_deleted: bool = False) -> list:
    """The prepared features not stored yet; count the known ones, refuse the changed ones."""
    ids = [item[1][0] for item in prepared]
    known = existing(conn, ids)
    if skip_deleted:
        prepared = _without_deleted(conn, prepared, set(ids) - set(known), result)
        ids = [item[1][0] for item in prepared]
    if not known and len(set(ids)) == len(ids):  # the common case in an import
        return [item[1:] for item in prepared]
    fresh, first = [], {}
    for item in prepared:
        position, incident_id = item[0], item[1][0]
        if incident_id not in known and first.setdefault(incident_id, item) is item:
            fresh.append(item[1:])
        elif same_content(_stored(known, first, incident_id), orjson.loads(item[1][-1])):
            result.skipped += 1
        else:
            result.refused.append((position, "id", f"{incident_id!r} is stored with "
                                   "different content; update it instead"))
    return fresh


def _stored(known: dict, first: dict, incident_id: str) -> dict:
    """The feature stored under an id, or the first one of this batch that has it."""
    if incident_id in known:
        return known[incident_id][1]
    return orjson.loads(first[incident_id][1][-1])


def _without_deleted(conn: sqlite3.Connection, prepared: list, absent: set[str],
                     result: AddResult) -> list:
    """Drop (and count as skipped) the features whose id was deleted and is not back since."""
    if not absent or conn.execute("SELECT 1 FROM incident_history LIMIT 1").fetchone() is None:
        return prepared  # nothing was ever deleted (an import into a fresh store)
    # One JSON list, not a statement with a mark per id: SQLite then prepares it once and
    # looks each id up in the history's index (thousands of marks cost 4 µs a feature).
    deleted = {incident_id for (incident_id,) in conn.execute(_DELETED, (
        orjson.dumps(list(absent)).decode(),))}
    result.skipped += sum(item[1][0] in deleted for item in prepared)
    return [item for item in prepared if item[1][0] not in deleted]


def mark_created(conn: sqlite3.Connection, ids: list[str], action: str, author: str) -> None:
    """History rows without a feature: who created (or restored) these ids, and when."""
    at = format_timestamp()
    conn.executemany("INSERT INTO incident_history (id, action, author, recorded_at) "
                     "VALUES (?, ?, ?, ?)", [(incident_id, action, author, at) for incident_id in ids])
