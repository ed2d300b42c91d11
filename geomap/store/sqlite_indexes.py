"""Secondary indexes of ``incidents`` put off while many rows come in, and built once after.

Each new row costs an entry in every index, and each commit writes every index page its
batch touched: most of each index, as the keys (dates, grid cells) come in no order.
Building an index once from the finished table costs a fraction of that
(benchmarks/bench_ingest_vs_gdal.py). Two ways:

- ``rebuilt_indexes``: within one transaction (the bulk path), dropped and built again
  before it commits; no one else ever sees the store without them.
- ``deferred_indexes``: around many transactions (``SQLiteStore.importing``), for an
  import into an empty store. The dropped indexes are listed in ``deferred_indexes`` in
  the transaction that drops them, and the importer holds an exclusive lock on the file
  ``<store>-import.lock`` until it has built them again, then removes the file. Readers
  meanwhile find the grid index gone (``has_grid_index``) and scan instead: slower, never
  wrong. An import that is killed leaves its committed batches, the list and the lock
  file; the next store to open the file (seeing the lock free) builds what is listed and
  removes the file, so a re-run completes indexed.

The summaries of points by sub-cell and degree cell go with the grid index: only a
reader that has it reads them, writers leave them while it is put off, and they are
counted again from the table in the transaction that builds it (count_points).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geomap.store.sqlite_grid import LEVEL, ROW, SUB_SQL

GRID_INDEX = "incidents_layer_cell"
DEGREE_INDEX = "incidents_layer_degree"
COLUMN_INDEX = "incidents_layer_column"
_SECONDARY = ("SELECT name, sql FROM sqlite_schema WHERE type = 'index' "
              "AND tbl_name = 'incidents' AND sql IS NOT NULL")
#: The summaries of points by sub-cell and by degree cell, counted again from the grid
#: index (whose columns hold what they sum: a point's lon and lat are its minlon and
#: minlat), in the order written: the last two fold the first.
_POINT_SUMMARIES = (
    ("incident_subcells",
     f"SELECT layer, cell, {SUB_SQL.format(t='')}, event_type, status, count(*), sum(minlon), "
     f"sum(minlat) FROM incidents INDEXED BY {GRID_INDEX} WHERE cell < {LEVEL} "
     "GROUP BY 1, 2, 3, 4, 5"),
    ("incident_subcell_totals",
     "SELECT layer, cell, sub, sum(count) FROM incident_subcells GROUP BY 1, 2, 3"),
    ("incident_degree_types",
     f"SELECT layer, (cell / {ROW} / 8) * {ROW} + (cell % {ROW}) / 8, event_type, status, "
     "sum(count), sum(sumlon), sum(sumlat) FROM incident_subcells GROUP BY 1, 2, 3, 4"),
)


def count_points(conn: sqlite3.Connection) -> None:
    """Count the point summaries again from the table, inside the caller's transaction,
    once the grid index is built (writers keep them only while it is there: SummaryTally)."""
    for table, select in _POINT_SUMMARIES:
        conn.execute(f"DELETE FROM {table}")
        conn.execute(f"INSERT INTO {table} {select}")


def secondary_indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, CREATE statement) of each index of ``incidents`` beyond its keys."""
    return conn.execute(_SECONDARY).fetchall()


def has_grid_index(conn: sqlite3.Connection) -> bool:
    """Whether the grid index is there (an import may have put it off)."""
    return has_index(conn, GRID_INDEX)


def has_index(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the index ``name`` is there (an import may have put it off)."""
    return conn.execute("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?",
                        (name,)).fetchone() is not None


@contextmanager
def rebuilt_indexes(conn: sqlite3.Connection, most_rows: int) -> Iterator[None]:
    """In a store of at most ``most_rows`` incidents, drop the secondary indexes of
    ``incidents`` for the block and build them again at its end (same transaction)."""
    rows = conn.execute("SELECT coalesce(max(seq), 0) FROM incidents").fetchone()[0]
    indexes = [] if rows > most_rows else secondary_indexes(conn)
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.execute(sql)
    if any(name == GRID_INDEX for name, _ in indexes):
        count_points(conn)


def defer_indexes(conn: sqlite3.Connection) -> bool:
    """In an empty store, drop the secondary indexes and list them in deferred_indexes,
    inside the caller's transaction; whether it did."""
    if not _has_list(conn) or conn.execute("SELECT 1 FROM incidents LIMIT 1").fetchone():
        return False
    indexes = secondary_indexes(conn)
    conn.executemany("INSERT OR IGNORE INTO deferred_indexes (name, sql) VALUES (?, ?)", indexes)
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    return bool(indexes)


def build_deferred(conn: sqlite3.Connection) -> int:
    """Build every index listed in deferred_indexes, inside the caller's transaction; how
    many (none when another store got there first)."""
    listed = conn.execute("SELECT name, sql FROM deferred_indexes ORDER BY name").fetchall()
    for name, sql in listed:
        conn.execute(sql)
        conn.execute("DELETE FROM deferred_indexes WHERE name = ?", (name,))
    if any(name == GRID_INDEX for name, _ in listed):
        count_points(conn)
    return len(listed)


def has_deferred(conn: sqlite3.Connection) -> bool:
    """Whether an import left indexes to build."""
    return _has_list(conn) and conn.execute(
        "SELECT 1 FROM deferred_indexes LIMIT 1").fetchone() is not None


def _has_list(conn: sqlite3.Connection) -> bool:
    """Whether the store has the deferred_indexes table (migration 10; a test may hold a
    store at an older version)."""
    return conn.execute("SELECT 1 FROM sqlite_schema WHERE type = 'table' "
                        "AND name = 'deferred_indexes'").fetchone() is not None


@contextmanager
def import_lock(path: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the store's import lock for the block; without ``wait``, yields False (and
    holds nothing) when an import holds it. The lock file is removed when the block ends."""
    descriptor = _locked(f"{path}-import.lock", wait)
    if descriptor is None:
        yield False
        return
    try:
        yield True
    finally:
        os.unlink(f"{path}-import.lock")  # still holding it: no one can be between
        os.close(descriptor)  # the kernel lets go of the lock, also when a process is killed


def _locked(name: str, wait: bool) -> int | None:
    """A descriptor of the lock file ``name``, locked; None when it is held (not ``wait``).

    A holder removes the file as it lets go, so a lock taken on a file that is no longer
    at ``name`` is let go and taken again on the file that is.
    """
    while True:
        descriptor = os.open(name, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(descriptor)
            return None
        try:
            if os.stat(name).st_ino == os.fstat(descriptor).st_ino:
                return descriptor
        except FileNotFoundError:
            pass
        os.close(descriptor)
