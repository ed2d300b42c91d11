"""SQLite connections and forward migrations (numbered SQL files, PRAGMA user_version)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from geomap.errors import SourceError
from geomap.store.migrations_files import read_migrations, shipped

CACHE_KIB = 64 * 1024  # page cache per connection; reads mostly go through mmap
#: Map as much of the file as SQLite's build allows (usually 2 GiB): a whole-layer stream
#: then reads rows without a system call per page, about 3 times faster at 1M incidents.
MMAP_BYTES = 16 * 2**30
#: Pages of a new file: a bulk load writes a quarter as many WAL frames as with 4 KiB.
PAGE_SIZE = 16384
#: Compiled statements kept per connection: a grid query's text depends on how many cell
#: ranges it reads (rounded up to a power of two), so a map's views need a few dozen.
STATEMENTS = 512
_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",  # safe with WAL: a crash loses no committed transaction
    f"PRAGMA cache_size = -{CACHE_KIB:d}",
    f"PRAGMA mmap_size = {MMAP_BYTES:d}",
)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode; the store opens its transactions itself."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30,
                           cached_statements=STATEMENTS)
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    return conn


def migrations() -> list[tuple[int, str]]:
    """(number, SQL) of every migration shipped, in order."""
    return read_migrations(shipped("migrations"))


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations newer than the file's user_version; return the version."""
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE:d}")  # only a new, empty file takes it
    conn.execute("PRAGMA journal_mode = WAL")
    known = migrations()
    conn.execute("BEGIN IMMEDIATE")  # a second process opening the file waits here
    with conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        latest = known[-1][0] if known else 0
        if version > latest:
            raise SourceError(f"the store has schema version {version}; this geomap knows "
                              f"only up to {latest}: upgrade geomap")
        for number, script in known:
            if number > version:
                _run_script(conn, script)
                conn.execute(f"PRAGMA user_version = {number:d}")
                version = number
    return version


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
