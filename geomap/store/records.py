"""The store's bookkeeping besides incidents, as rows a migration copies: users, API token
digests, the redirects of merged-away ids and the shared secrets.

Both backends keep these tables with the same columns (SQLite's migrations 005-006,
PostGIS's 004-005), so the SQL is written once here and each backend only names its
parameter marker. Failed logins are left behind: they only bound a password guesser's
next minutes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordTable:
    """One kind of record: its table, its columns (the first is the key), how it is named."""

    kind: str
    table: str
    columns: tuple[str, ...]
    label: str

    def select_sql(self) -> str:
        """Every row, by key."""
        return f"SELECT {', '.join(self.columns)} FROM {self.table} ORDER BY {self.columns[0]}"

    def upsert_sql(self, marker: str) -> str:
        """Insert one row, replacing the row of the same key (``marker``: ``?`` or ``%s``)."""
        key, *rest = self.columns
        updates = ", ".join(f"{column} = excluded.{column}" for column in rest)
        return (f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES "
                f"({', '.join([marker] * len(self.columns))}) ON CONFLICT ({key}) "
                f"DO UPDATE SET {updates}")


#: In the order a copy writes them: a token names its user.
RECORD_TABLES = {table.kind: table for table in (
    RecordTable("users", "users", ("name", "role", "password_hash", "session_epoch",
                                   "created_at"), "users"),
    RecordTable("api_tokens", "api_tokens", ("digest", "name", "created_at"), "API tokens"),
    RecordTable("redirects", "incident_redirects", ("id", "survivor"),
                "redirects of merged incidents"),
    RecordTable("secrets", "secrets", ("name", "value", "created_at"), "shared secrets"),
)}


def get_record_table(kind: str) -> RecordTable:
    """The table of a kind of record; ValueError naming the kinds for another."""
    try:
        return RECORD_TABLES[kind]
    except KeyError:
        raise ValueError(f"no kind of record {kind!r}: one of {', '.join(RECORD_TABLES)}") from None
