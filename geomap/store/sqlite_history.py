"""The SQLite store's history: every version an edit, a deletion or a merge replaced."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

import orjson

from geomap.errors import NotFoundError
from geomap.incident import format_timestamp
from geomap.store.sql import history_entry
from geomap.store.sqlite_schema import connect


class SQLiteHistory:
    """History reads and the history import of SQLiteStore (a mixin: it needs ``path``,
    ``find``, ``_conn`` and ``_writing``)."""

    def history(self, incident_id: str) -> list[dict]:
        """History rows, oldest first: action, author, recorded_at, reason and feature."""
        rows = self._conn().execute(
            "SELECT action, author, recorded_at, reason, feature FROM incident_history "
            "WHERE id = ? ORDER BY hid", (incident_id,)).fetchall()
        if not rows and self.find(incident_id) is None:
            raise NotFoundError(f"no incident {incident_id!r}")
        return [history_entry(*row) for row in rows]

    def iter_history(self) -> Iterator[dict]:
        """Stream every kept version, oldest first (see IncidentStore.iter_history)."""
        conn = connect(self.path)  # its own snapshot, closed when done
        try:
            for incident_id, *version in conn.execute(
                    "SELECT id, action, author, recorded_at, reason, feature "
                    "FROM incident_history ORDER BY hid"):
                yield {"id": incident_id, **history_entry(*version)}
        finally:
            conn.close()

    def add_history(self, entries: Iterable[Mapping]) -> int:
        """Append versions shaped as ``iter_history`` gives them, in one transaction."""
        rows = [(e["id"], e["action"], e["author"], e["recorded_at"], e.get("reason"),
                 None if e["feature"] is None else orjson.dumps(e["feature"]).decode())
                for e in entries]
        with self._writing() as conn:
            conn.executemany("INSERT INTO incident_history (id, action, author, recorded_at, "
                             "reason, feature) VALUES (?, ?, ?, ?, ?, ?)", rows)
        return len(rows)


def archive(conn: sqlite3.Connection, stored: dict, action: str, author: str | None,
            now: datetime, reason: str | None = None) -> None:
    """Keep ``stored`` as a version in the history, inside the caller's transaction."""
    conn.execute("INSERT INTO incident_history (id, action, author, recorded_at, reason, feature) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (stored["id"], action, author, format_timestamp(now),
                                               reason, orjson.dumps(stored).decode()))
