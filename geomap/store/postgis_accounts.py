"""The PostGIS store's accounts (migration 004): the shared SQL of ``geomap.store.accounts``
with psycopg's parameter marker and its duplicate-key error; and the review bookkeeping
(redirects of merged incidents, who created a version)."""

from __future__ import annotations

import psycopg

from geomap.incident import format_timestamp
from geomap.store.accounts import SQLAccounts

#: How many merges a redirect may chain through before the store stops following it.
MAX_REDIRECTS = 20


class PostGISAccounts(SQLAccounts):
    """Mixed into PostGISStore, which provides ``_read()``, ``_pool`` and ``_writing()``."""

    MARK = "%s"
    DUPLICATE = psycopg.errors.UniqueViolation

    def _account_rows(self, sql: str, params: tuple) -> list[tuple]:
        """Accounts are read from the primary: a revoked token must stop working at once."""
        return self._primary(sql, list(params))

    def find_redirect(self, incident_id: str) -> str | None:
        """The id an incident was merged into (followed to the end), or None."""
        target = None
        for _ in range(MAX_REDIRECTS):
            row = self._read("SELECT survivor FROM incident_redirects WHERE id = %s",
                             [target or incident_id], one=True)
            if row is None:
                break
            target = row[0]
        return target

    def _primary(self, sql: str, params: list, *, one: bool = False):
        """Accounts are read from the primary: a revoked token must stop working at once."""
        with self._pool.connection() as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchone() if one else cursor.fetchall()


def mark_created(conn: psycopg.Connection, ids: list[str], action: str, author: str) -> None:
    """History rows without a feature: who created (or restored) these ids, and when."""
    at = format_timestamp()
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO incident_history (id, action, author, recorded_at) "
                        "VALUES (%s, %s, %s, %s)", [(i, action, author, at) for i in ids])
