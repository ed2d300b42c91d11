"""The SQLite store's accounts (migration 005): the shared SQL of ``geomap.store.sql``
with SQLite's parameter marker, its duplicate-key error and its reads."""

from __future__ import annotations

import sqlite3

from geomap.store.sql import SQLBackend


class SQLiteAccounts(SQLBackend):
    """Mixed into SQLiteStore, which provides ``_conn()`` and ``_writing()``."""

    MARK = "?"
    DUPLICATE = sqlite3.IntegrityError

    def _account_rows(self, sql: str, params: tuple) -> list[tuple]:
        """Every row of a read, on this thread's connection."""
        return self._conn().execute(sql, params).fetchall()
