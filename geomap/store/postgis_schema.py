"""PostGIS connections (psycopg 3 pools) and forward migrations (numbered SQL files)."""

from __future__ import annotations

import psycopg
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool

from geomap.errors import SourceError, ValidationError
from geomap.store import redact
from geomap.store.migrations_files import read_migrations, shipped

#: Any number will do: the key of the advisory lock that one migrating process holds.
_MIGRATION_LOCK = 0x6765_6F6D
_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS geomap_schema (version integer NOT NULL)"
SCHEMES = ("postgresql", "postgres")


class JsonBytesLoader(Loader):
    """``json`` columns as the bytes stored: no decoding, ready to frame or parse."""

    def load(self, data) -> bytes:
        return bytes(data)


def check_url(url: str) -> str:
    """The URL if it names a PostgreSQL server, else ValidationError naming ``db``."""
    scheme = url.partition("://")[0].lower()
    if scheme not in SCHEMES:
        raise ValidationError("db", f"not a PostgreSQL URL: {url!r}")
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise ValidationError("db", f"bad PostgreSQL URL: {error}") from None
    return url


def connect(url: str, timeout: float = 10.0) -> psycopg.Connection:
    """One autocommit connection, or SourceError naming the server (password hidden)."""
    try:
        return psycopg.connect(check_url(url), autocommit=True, connect_timeout=int(timeout))
    except psycopg.OperationalError as error:
        raise SourceError(f"cannot connect to PostgreSQL at {redact(url)}: "
                          f"{str(error).strip()}") from None


def open_pool(url: str, *, size: int, name: str, timeout: float = 10.0,
              wait: bool = True) -> ConnectionPool:
    """A pool of at most ``size`` autocommit connections to ``url``; the store opens its
    transactions. ``pg_stat_activity`` shows them under ``name`` unless the URL names an
    ``application_name`` of its own."""
    pool = ConnectionPool(check_url(url), min_size=1, max_size=size, name=name, open=False,
                          kwargs={"autocommit": True, "fallback_application_name": name},
                          configure=_configure, timeout=timeout,
                          reconnect_timeout=timeout)
    try:
        pool.open(wait=wait, timeout=timeout)
    except Exception as error:
        pool.close()
        raise SourceError(f"cannot connect to PostgreSQL at {redact(url)}: {error}") from None
    return pool


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("json", JsonBytesLoader)
    # Compiling a map query costs more than running it: 10 to 20 ms of JIT for a bbox. A
    # plan cached for any bbox (a prepared statement's generic plan) guesses the same
    # selectivity for a street and a country, and picked a bitmap of the date index for
    # a dense bbox with a date and type (52 ms against 19 ms): plan each with its values.
    conn.execute("SELECT set_config('jit', 'off', false), "
                 "set_config('plan_cache_mode', 'force_custom_plan', false)")


def migrations() -> list[tuple[int, str]]:
    """(number, SQL) of every PostGIS migration shipped, in order."""
    return read_migrations(shipped("migrations_postgis"))


def migrate(conn: psycopg.Connection) -> int:
    """Apply the migrations newer than the schema's version; return the version."""
    known = migrations()
    latest = known[-1][0] if known else 0
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))  # one at a time
        conn.execute(_VERSION_TABLE)
        row = conn.execute("SELECT max(version) FROM geomap_schema").fetchone()
        version = row[0] or 0
        if version > latest:
            raise SourceError(f"the store has schema version {version}; this geomap knows "
                              f"only up to {latest}: upgrade geomap")
        for number, script in known:
            if number > version:
                conn.execute(script)
                conn.execute("INSERT INTO geomap_schema VALUES (%s)", (number,))
                version = number
    return version


def schema_version(conn: psycopg.Connection) -> int:
    """The version a (read-only) server's schema is at, 0 before the first migration."""
    row = conn.execute("SELECT to_regclass('geomap_schema') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM geomap_schema").fetchone()[0]
