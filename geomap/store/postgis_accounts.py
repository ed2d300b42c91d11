"""The PostGIS store's accounts (migration 004): the shared SQL of ``geomap.store.sql``
with psycopg's parameter marker and its duplicate-key error; and the review bookkeeping
(redirects of merged incidents, who created a version)."""

from __future__ import annotations

import psycopg

from geomap.incident import format_timestamp
from geomap.store.sql import SQLBackend


class PostGISAccounts(SQLBackend):
    """Mixed into PostGISStore, which provides ``_pool`` and ``_writing()``."""

    MARK = "%s"
    DUPLICATE = psycopg.errors.UniqueViolation

    def _account_rows(self, sql: str, params: tuple) -> list[tuple]:
        """Accounts are read from the primary: a revoked token must stop working at once."""
        with self._pool.connection() as conn:
            return conn.execute(sql, params).fetchall()


def mark_created(conn: psycopg.Connection, ids: list[str], action: str, author: str) -> None:
    """History rows without a feature: who created (or restored) these ids, and when."""
    at = format_timestamp()
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO incident_history (id, action, author, recorded_at) "
                        "VALUES (%s, %s, %s, %s)", [(i, action, author, at) for i in ids])
