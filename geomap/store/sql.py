"""What the SQLite and PostGIS stores share, written once: edits (update, delete, merge)
and redirects around each backend's own row writes; users, API token digests, failed
logins, shared secrets, and the records a migration copies (``geomap.store.records``).

Both keep these tables alike (SQLite's migrations 005-006, PostGIS's 004-005), so the SQL
is written here with ``?`` markers; a backend says how it marks a parameter, which error
is its unique violation, how it reads, and how it replaces and removes one incident inside
a transaction (pygeoapi's pattern: the subclass overrides small methods only).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from typing import Any

import orjson

from geomap.errors import ConflictError, NotFoundError
from geomap.incident import format_timestamp
from geomap.store.records import get_record_table

_USER = "SELECT name, role, password_hash, session_epoch, created_at FROM users"
_REDIRECT = ("INSERT INTO incident_redirects (id, survivor) VALUES (?, ?) "
             "ON CONFLICT (id) DO UPDATE SET survivor = excluded.survivor")
#: How many merges a redirect may chain through before the store stops following it.
MAX_REDIRECTS = 20


class SQLBackend:
    """Mixed into a store, which gives ``_account_rows``, MARK, DUPLICATE, ``_writing()`` (a
    transaction yielding a connection whose ``execute`` returns a cursor), and
    ``_replace_in`` and ``_remove_in`` (one incident, inside that transaction)."""

    #: How the backend's driver marks a parameter.
    MARK = "?"
    #: The driver's error for a duplicate key.
    DUPLICATE: type[Exception] = Exception

    def _account_rows(self, sql: str, params: tuple) -> list[tuple]:
        """Every row of a read of the account tables."""
        raise NotImplementedError

    def _replace_in(self, conn: Any, incident_id: str, patch: Mapping, author: str | None,
                    action: str, reason: str | None) -> dict:
        """Patch one stored feature, archiving the old version; the new feature."""
        raise NotImplementedError

    def _remove_in(self, conn: Any, incident_id: str, author: str | None, action: str,
                   reason: str | None) -> None:
        """Remove one stored feature, archiving its last version."""
        raise NotImplementedError

    # --- edits ----------------------------------------------------------------------------

    def update(self, incident_id: str, patch: Mapping, *, author: str | None = None,
               action: str = "update", reason: str | None = None) -> dict:
        """Merge a patch (Feature-shaped or bare properties) and keep the old version."""
        with self._writing() as conn:
            return self._replace_in(conn, incident_id, patch, author, action, reason)

    def delete(self, incident_id: str, *, author: str | None = None, action: str = "delete",
               reason: str | None = None) -> None:
        """Remove a feature, keeping its last version in the history (action delete or reject)."""
        with self._writing() as conn:
            self._remove_in(conn, incident_id, author, action, reason)

    def merge(self, survivor_id: str, patch: Mapping, merged_ids: Iterable[str], *,
              author: str | None = None) -> dict:
        """In one transaction: patch the survivor, remove the others, redirect their ids to it."""
        merged_ids = [i for i in dict.fromkeys(merged_ids) if i != survivor_id]
        with self._writing() as conn:
            survivor = self._replace_in(conn, survivor_id, patch, author, "merge", None)
            for incident_id in merged_ids:
                self._remove_in(conn, incident_id, author, "merged", f"merged into {survivor_id}")
                conn.execute(self._sql(_REDIRECT), (incident_id, survivor_id))
        return survivor

    def find_redirect(self, incident_id: str) -> str | None:
        """The id an incident was merged into (followed to the end), or None."""
        target = None
        for _ in range(MAX_REDIRECTS):
            row = self._one("SELECT survivor FROM incident_redirects WHERE id = ?",
                            (target or incident_id,))
            if row is None:
                break
            target = row[0]
        return target

    # --- accounts -------------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql if self.MARK == "?" else sql.replace("?", self.MARK)

    def _one(self, sql: str, params: tuple) -> tuple | None:
        rows = self._account_rows(self._sql(sql), params)
        return rows[0] if rows else None

    def _write(self, sql: str, params: tuple) -> int:
        """Run one statement in a transaction of its own; how many rows it changed."""
        with self._writing() as conn:
            return conn.execute(self._sql(sql), params).rowcount

    def add_user(self, name: str, role: str, password_hash: str | None) -> dict:
        """Create a user; ConflictError when the name is taken."""
        try:
            self._write("INSERT INTO users (name, role, password_hash, created_at) "
                        "VALUES (?, ?, ?, ?)", (name, role, password_hash, format_timestamp()))
        except self.DUPLICATE:
            raise ConflictError(f"user {name!r} exists already") from None
        return self.find_user(name)

    def update_user(self, name: str, *, role: str | None = None,
                    password_hash: str | None = None, end_sessions: bool = False) -> dict:
        """Change a user's role or password hash; ``end_sessions`` ends every open session."""
        changed = self._write("UPDATE users SET role = coalesce(?, role), "
                              "password_hash = coalesce(?, password_hash), "
                              "session_epoch = session_epoch + ? WHERE name = ?",
                              (role, password_hash, int(end_sessions), name))
        if not changed:
            raise NotFoundError(f"no user {name!r}")
        return self.find_user(name)

    def find_user(self, name: str) -> dict | None:
        """name, role, password_hash, session_epoch and created_at of a user, or None."""
        return _user(self._one(f"{_USER} WHERE name = ?", (name,)))

    def users(self) -> list[dict]:
        """Every user (without the password hash), by name."""
        rows = self._account_rows(f"{_USER} ORDER BY name", ())
        return [{k: v for k, v in _user(row).items() if k != "password_hash"} for row in rows]

    def remove_user(self, name: str) -> None:
        """Delete a user and their tokens; NotFoundError when there is none."""
        with self._writing() as conn:
            conn.execute(self._sql("DELETE FROM api_tokens WHERE name = ?"), (name,))
            if not conn.execute(self._sql("DELETE FROM users WHERE name = ?"), (name,)).rowcount:
                raise NotFoundError(f"no user {name!r}")

    def shared_secret(self, name: str) -> str:
        """A random secret kept in the store under ``name``, made by the first caller."""
        with self._writing() as conn:
            conn.execute(self._sql("INSERT INTO secrets (name, value, created_at) VALUES "
                                   "(?, ?, ?) ON CONFLICT (name) DO NOTHING"),
                         (name, secrets.token_urlsafe(32), format_timestamp()))
            return conn.execute(self._sql("SELECT value FROM secrets WHERE name = ?"),
                                (name,)).fetchone()[0]

    def add_token(self, name: str, digest: str) -> None:
        """Keep the digest of a new API token of the user."""
        if self.find_user(name) is None:
            raise NotFoundError(f"no user {name!r}")
        self._write("INSERT INTO api_tokens (digest, name, created_at) VALUES (?, ?, ?)",
                    (digest, name, format_timestamp()))

    def find_token_user(self, digest: str) -> dict | None:
        """The user (as find_user) owning the token with this digest, or None."""
        return _user(self._one("SELECT users.name, role, password_hash, session_epoch, "
                               "users.created_at FROM api_tokens JOIN users USING (name) "
                               "WHERE digest = ?", (digest,)))

    def revoke_tokens(self, name: str) -> int:
        """Delete every token of the user; how many there were."""
        return self._write("DELETE FROM api_tokens WHERE name = ?", (name,))

    def note_login_failure(self, name: str, at: str) -> None:
        """Record a failed login for ``name`` at ``at`` (ISO 8601 UTC)."""
        self._write("INSERT INTO login_failures (name, at) VALUES (?, ?)", (name, at))

    def count_login_failures(self, name: str, since: str) -> int:
        """How many logins for ``name`` failed at or after ``since``."""
        return self._one("SELECT count(*) FROM login_failures WHERE name = ? AND at >= ?",
                         (name, since))[0]

    def clear_login_failures(self, name: str) -> None:
        """Forget the failed logins of ``name`` (after a successful one)."""
        self._write("DELETE FROM login_failures WHERE name = ?", (name,))

    def iter_records(self, kind: str) -> Iterator[dict]:
        """Every record of a kind, as column -> value, by key (see IncidentStore)."""
        table = get_record_table(kind)
        for row in self._account_rows(table.select_sql(), ()):
            yield dict(zip(table.columns, row, strict=True))

    def add_records(self, kind: str, rows: Iterable[Mapping]) -> int:
        """Write records as they are, replacing those of the same key; how many."""
        table = get_record_table(kind)
        values = [tuple(row[column] for column in table.columns) for row in rows]
        with self._writing() as conn, closing(conn.cursor()) as cursor:
            cursor.executemany(table.upsert_sql(self.MARK), values)
        return len(values)


def history_entry(action: str, author: str | None, recorded_at: str, reason: str | None,
                  feature: str | bytes | None) -> dict:
    """One kept version as both stores give it, its feature read back from the stored JSON."""
    return {"action": action, "author": author, "recorded_at": recorded_at, "reason": reason,
            "feature": orjson.loads(feature) if feature is not None else None}


def _user(row: tuple | None) -> dict | None:
    if row is None:
        return None
    name, role, password_hash, session_epoch, created_at = row
    return {"name": name, "role": role, "password_hash": password_hash,
            "session_epoch": session_epoch, "created_at": created_at}
