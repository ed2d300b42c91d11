"""The default store: one SQLite file (WAL) with an R*Tree for bboxes and FTS5 for text."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import orjson

from geomap.errors import ConflictError, NotFoundError, ValidationError
from geomap.incident import format_timestamp, geometry_bbox, parse_feature
from geomap.query import IncidentQuery
from geomap.store.base import AddResult, IncidentStore, merge_patch, same_content
from geomap.store.sqlite_query import count_sql, search_text, select_sql, use_rtree
from geomap.store.sqlite_schema import CACHE_KIB, connect, migrate

BULK_CACHE_KIB = 512 * 1024

_COLUMNS = ("seq", "id", "layer", "event_date", "event_type", "sub_event_type", "country",
            "fatalities", "geo_precision", "status", "actor1", "actor2", "lon", "lat",
            "minlon", "minlat", "maxlon", "maxlat", "feature")
_INSERT = "INSERT INTO incidents ({}) VALUES ({})".format(
    ", ".join(_COLUMNS), ", ".join("?" * len(_COLUMNS)))
_INSERT_BOX = ("INSERT INTO incidents_rtree (seq, minlon, maxlon, minlat, maxlat) "
               "VALUES (?, ?, ?, ?, ?)")
_INSERT_TEXT = "INSERT INTO incidents_fts (rowid, body) VALUES (?, ?)"
_DELETE_TEXT = "INSERT INTO incidents_fts (incidents_fts, rowid, body) VALUES ('delete', ?, ?)"
_EXISTING = ("SELECT id, seq, feature FROM incidents "
             "WHERE id IN (SELECT value FROM json_each(?))")
_LAYERS = ("SELECT layer, count(*), min(event_date), max(event_date), min(minlon), "
           "min(minlat), max(maxlon), max(maxlat) FROM incidents GROUP BY layer ORDER BY layer")


class SQLiteStore(IncidentStore):
    """Incidents in one SQLite file; each thread gets its own connection."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.schema_version = migrate(self._conn())
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # --- writing ------------------------------------------------------------------------

    def add(self, feature: Mapping) -> dict:
        """Validate and store one feature; an identical stored copy is returned as is."""
        feature = parse_feature(feature)
        with self._writing() as conn:
            stored = _existing(conn, [feature["id"]])
            if not stored:
                _insert(conn, [_prepare(feature)])
                return feature
        _, stored = stored[feature["id"]]
        if same_content(stored, feature):
            return stored
        raise ConflictError(f"incident {feature['id']!r} is stored with different content")

    def add_many(self, features: Iterable[Mapping], *, batch_size: int = 5000) -> AddResult:
        """Store many features, one transaction per batch; refuse bad ones, skip known ones.

        While one batch is written (SQLite releases the GIL), the next is parsed.
        """
        result, pending = AddResult(), None
        with _bulk_cache(self._conn()), ThreadPoolExecutor(1) as parser:
            for batch in _batches(features, batch_size):
                ready, pending = pending, parser.submit(_parse_batch, batch)
                if ready:
                    self._store_batch(*ready.result(), result)
            if pending:
                self._store_batch(*pending.result(), result)
        result.refused.sort(key=lambda refusal: refusal[0])
        return result

    def _store_batch(self, prepared: list, refused: list, result: AddResult) -> None:
        result.refused.extend(refused)
        with self._writing() as conn:
            known = _existing(conn, [item[1]["id"] for item in prepared])
            fresh = []
            for item in prepared:
                position, feature = item[0], item[1]
                stored = known.setdefault(feature["id"], (None, feature))[1]
                if stored is feature:
                    fresh.append(item[1:])
                elif same_content(stored, feature):
                    result.skipped += 1
                else:
                    result.refused.append((position, "id", f"{feature['id']!r} is stored with "
                                           "different content; update it instead"))
            _insert(conn, fresh)
        result.added += len(fresh)

    def update(self, incident_id: str, patch: Mapping, *, author: str | None = None) -> dict:
        """Merge a patch (Feature-shaped or bare properties) and keep the old version."""
        now = datetime.now(UTC)
        with self._writing() as conn:
            seq, stored = _load(conn, incident_id)
            merged = merge_patch(stored, patch, updated_at=format_timestamp(now))
            feature = parse_feature(merged, now=now)
            if same_content(feature, stored):
                return stored
            _archive(conn, stored, "update", author, now)
            _remove(conn, seq, stored)
            _insert(conn, [_prepare(feature)], first=seq)
        return feature

    def delete(self, incident_id: str, *, author: str | None = None) -> None:
        """Remove a feature, keeping its last version in the history."""
        with self._writing() as conn:
            seq, stored = _load(conn, incident_id)
            _archive(conn, stored, "delete", author, datetime.now(UTC))
            _remove(conn, seq, stored)

    # --- reading ------------------------------------------------------------------------

    def find(self, incident_id: str) -> dict | None:
        """The stored feature, or None."""
        row = self._conn().execute("SELECT feature FROM incidents WHERE id = ?",
                                   (incident_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def history(self, incident_id: str) -> list[dict]:
        """Earlier versions, oldest first: action, author, recorded_at and feature."""
        rows = self._conn().execute(
            "SELECT action, author, recorded_at, feature FROM incident_history "
            "WHERE id = ? ORDER BY hid", (incident_id,)).fetchall()
        if not rows and self.find(incident_id) is None:
            raise NotFoundError(f"no incident {incident_id!r}")
        return [{"action": action, "author": author, "recorded_at": recorded_at,
                 "feature": orjson.loads(feature)} for action, author, recorded_at, feature in rows]

    def query(self, query: IncidentQuery) -> list[dict]:
        """The features matching ``query``, in its order, one page of them."""
        conn = self._conn()
        sql, params = select_sql(query, "feature", rtree=use_rtree(conn, query))
        return [orjson.loads(feature) for (feature,) in conn.execute(sql, params)]

    def count(self, query: IncidentQuery) -> int:
        """How many features match ``query``, ignoring limit and offset."""
        sql, params = count_sql(query)
        return self._conn().execute(sql, params).fetchone()[0]

    def iter_features(self, query: IncidentQuery) -> Iterator[dict]:
        """Stream the matches in constant memory (use ``query.unpaged()`` for all)."""
        for data in self.iter_feature_json(query):
            yield orjson.loads(data)

    def iter_feature_json(self, query: IncidentQuery) -> Iterator[bytes]:
        """Stream each match's stored JSON bytes, for fast downloads."""
        conn = connect(self.path, text_as_bytes=True)  # its own snapshot, closed when done
        try:
            sql, params = select_sql(query, "feature", rtree=use_rtree(conn, query))
            for (data,) in conn.execute(sql, params):
                yield data
        finally:
            conn.close()

    def layers(self) -> list[dict]:
        """Each layer: id, title, count, bbox and time_extent [first date, last date]."""
        rows = self._conn().execute(_LAYERS).fetchall()
        return [{"id": layer, "title": layer.replace("_", " ").replace("-", " ").capitalize(),
                 "count": count, "bbox": list(box), "time_extent": [first, last]}
                for layer, count, first, last, *box in rows]

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    # --- connections --------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
        with conn:  # commit, or roll back on any error
            yield conn


@contextmanager
def _bulk_cache(conn: sqlite3.Connection) -> Iterator[None]:
    """A bigger page cache while a bulk load touches index pages all over the file."""
    conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB:d}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")


def _batches(items: Iterable, size: int) -> Iterator[list[tuple[int, object]]]:
    batch = []
    for position, item in enumerate(items):
        batch.append((position, item))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _parse_batch(batch: list[tuple[int, Mapping]]) -> tuple[list, list]:
    """((position, feature, row, box, text) for each valid feature, refusals)."""
    now, prepared, refused = datetime.now(UTC), [], []
    for position, obj in batch:
        try:
            prepared.append((position, *_prepare(parse_feature(obj, now=now))))
        except ValidationError as error:
            refused.append((position, error.field, error.message))
    return prepared, refused


def _existing(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[int, dict]]:
    rows = conn.execute(_EXISTING, (orjson.dumps(ids).decode(),))
    return {incident_id: (seq, orjson.loads(feature)) for incident_id, seq, feature in rows}


def _load(conn: sqlite3.Connection, incident_id: str) -> tuple[int, dict]:
    found = _existing(conn, [incident_id]).get(incident_id)
    if found is None:
        raise NotFoundError(f"no incident {incident_id!r}")
    return found


def _insert(conn: sqlite3.Connection, prepared: list[tuple], first: int | None = None) -> None:
    if first is None:
        first = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM incidents").fetchone()[0]
    conn.executemany(_INSERT, [(seq, *item[1]) for seq, item in enumerate(prepared, first)])
    conn.executemany(_INSERT_BOX, [(seq, *item[2]) for seq, item in enumerate(prepared, first)])
    conn.executemany(_INSERT_TEXT, [(seq, item[3]) for seq, item in enumerate(prepared, first)])


def _prepare(feature: dict) -> tuple[dict, tuple, tuple, str]:
    """The feature, its row without seq, its R*Tree box without seq, its search text."""
    p, geometry = feature["properties"], feature["geometry"]
    minlon, minlat, maxlon, maxlat = geometry_bbox(geometry)
    row = (p["id"], p["layer"], p["event_date"], p["event_type"], p["sub_event_type"],
           p["country"], p["fatalities"], p["geo_precision"], p["status"], p["actor1"],
           p["actor2"], (minlon + maxlon) / 2, (minlat + maxlat) / 2, minlon, minlat, maxlon,
           maxlat, orjson.dumps(feature).decode())
    return feature, row, (minlon, maxlon, minlat, maxlat), search_text(p)


def _remove(conn: sqlite3.Connection, seq: int, stored: dict) -> None:
    conn.execute(_DELETE_TEXT, (seq, search_text(stored["properties"])))
    conn.execute("DELETE FROM incidents_rtree WHERE seq = ?", (seq,))
    conn.execute("DELETE FROM incidents WHERE seq = ?", (seq,))


def _archive(conn: sqlite3.Connection, stored: dict, action: str, author: str | None,
             now: datetime) -> None:
    conn.execute("INSERT INTO incident_history (id, action, author, recorded_at, feature) "
                 "VALUES (?, ?, ?, ?, ?)", (stored["id"], action, author, format_timestamp(now),
                                            orjson.dumps(stored).decode()))
