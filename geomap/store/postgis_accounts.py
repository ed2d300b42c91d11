"""The PostGIS store's accounts and review bookkeeping (migration 004), as SQLite's."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping

import psycopg

from geomap.errors import ConflictError, NotFoundError
from geomap.incident import format_timestamp
from geomap.store.records import get_record_table

_USER = "SELECT name, role, password_hash, session_epoch, created_at FROM users"
#: How many merges a redirect may chain through before the store stops following it.
MAX_REDIRECTS = 20


class PostGISAccounts:
    """Mixed into PostGISStore, which provides ``_read()`` and ``_writing()``."""

    def iter_records(self, kind: str) -> Iterator[dict]:
        """Every record of a kind, as column -> value, by key (see IncidentStore)."""
        table = get_record_table(kind)
        for row in self._primary(table.select_sql(), []):
            yield dict(zip(table.columns, row, strict=True))

    def add_records(self, kind: str, rows: Iterable[Mapping]) -> int:
        """Write records as they are, replacing those of the same key; how many."""
        table = get_record_table(kind)
        values = [tuple(row[column] for column in table.columns) for row in rows]
        with self._writing() as conn, conn.cursor() as cursor:
            cursor.executemany(table.upsert_sql("%s"), values)
        return len(values)

    def add_user(self, name: str, role: str, password_hash: str | None) -> dict:
        """Create a user; ConflictError when the name is taken."""
        try:
            with self._writing() as conn:
                conn.execute("INSERT INTO users (name, role, password_hash, created_at) "
                             "VALUES (%s, %s, %s, %s)",
                             (name, role, password_hash, format_timestamp()))
        except psycopg.errors.UniqueViolation:
            raise ConflictError(f"user {name!r} exists already") from None
        return self.find_user(name)

    def update_user(self, name: str, *, role: str | None = None,
                    password_hash: str | None = None, end_sessions: bool = False) -> dict:
        """Change a user's role or password hash; ``end_sessions`` ends every open session."""
        with self._writing() as conn:
            changed = conn.execute(
                "UPDATE users SET role = coalesce(%s, role), "
                "password_hash = coalesce(%s, password_hash), "
                "session_epoch = session_epoch + %s WHERE name = %s",
                (role, password_hash, int(end_sessions), name)).rowcount
        if not changed:
            raise NotFoundError(f"no user {name!r}")
        return self.find_user(name)

    def find_user(self, name: str) -> dict | None:
        """name, role, password_hash, session_epoch and created_at of a user, or None."""
        return _user(self._primary(f"{_USER} WHERE name = %s", [name], one=True))

    def users(self) -> list[dict]:
        """Every user (without the password hash), by name."""
        rows = self._primary(f"{_USER} ORDER BY name", [])
        return [{k: v for k, v in _user(row).items() if k != "password_hash"} for row in rows]

    def remove_user(self, name: str) -> None:
        """Delete a user and their tokens; NotFoundError when there is none."""
        with self._writing() as conn:
            conn.execute("DELETE FROM api_tokens WHERE name = %s", (name,))
            if not conn.execute("DELETE FROM users WHERE name = %s", (name,)).rowcount:
                raise NotFoundError(f"no user {name!r}")

    def shared_secret(self, name: str) -> str:
        """A random secret kept in the store under ``name``, made by the first caller."""
        with self._writing() as conn:
            conn.execute("INSERT INTO secrets (name, value, created_at) VALUES (%s, %s, %s) "
                         "ON CONFLICT (name) DO NOTHING",
                         (name, secrets.token_urlsafe(32), format_timestamp()))
            return conn.execute("SELECT value FROM secrets WHERE name = %s", (name,)).fetchone()[0]

    def add_token(self, name: str, digest: str) -> None:
        """Keep the digest of a new API token of the user."""
        if self.find_user(name) is None:
            raise NotFoundError(f"no user {name!r}")
        with self._writing() as conn:
            conn.execute("INSERT INTO api_tokens (digest, name, created_at) VALUES (%s, %s, %s)",
                         (digest, name, format_timestamp()))

    def find_token_user(self, digest: str) -> dict | None:
        """The user (as find_user) owning the token with this digest, or None."""
        return _user(self._primary(
            "SELECT users.name, role, password_hash, session_epoch, users.created_at "
            "FROM api_tokens JOIN users USING (name) WHERE digest = %s", [digest], one=True))

    def revoke_tokens(self, name: str) -> int:
        """Delete every token of the user; how many there were."""
        with self._writing() as conn:
            return conn.execute("DELETE FROM api_tokens WHERE name = %s", (name,)).rowcount

    def note_login_failure(self, name: str, at: str) -> None:
        """Record a failed login for ``name`` at ``at`` (ISO 8601 UTC)."""
        with self._writing() as conn:
            conn.execute("INSERT INTO login_failures (name, at) VALUES (%s, %s)", (name, at))

    def count_login_failures(self, name: str, since: str) -> int:
        """How many logins for ``name`` failed at or after ``since``."""
        return self._primary("SELECT count(*) FROM login_failures WHERE name = %s AND at >= %s",
                             [name, since], one=True)[0]

    def clear_login_failures(self, name: str) -> None:
        """Forget the failed logins of ``name`` (after a successful one)."""
        with self._writing() as conn:
            conn.execute("DELETE FROM login_failures WHERE name = %s", (name,))

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


def _user(row: tuple | None) -> dict | None:
    if row is None:
        return None
    name, role, password_hash, session_epoch, created_at = row
    return {"name": name, "role": role, "password_hash": password_hash,
            "session_epoch": session_epoch, "created_at": created_at}


def mark_created(conn: psycopg.Connection, ids: list[str], action: str, author: str) -> None:
    """History rows without a feature: who created (or restored) these ids, and when."""
    at = format_timestamp()
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO incident_history (id, action, author, recorded_at) "
                        "VALUES (%s, %s, %s, %s)", [(i, action, author, at) for i in ids])
