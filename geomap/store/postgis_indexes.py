"""Secondary indexes of ``incidents`` put off while an import fills an empty PostGIS
store, and built once after it (the twin of ``sqlite_indexes.py``).

Each row COPY writes costs an entry in every index, inserted one at a time into pages
the whole batch touches in no order; CREATE INDEX over the finished table sorts or packs
each in one pass. Measured as server CPU a feature (primary and standby) for 100,000
features into an empty store: 99 to 115 µs with the indexes kept, 82 to 90 µs put off
and built at the end (README, "PostGIS beside SQLite"). The importer holds a session advisory lock (one per
schema) from dropping them until it has built them; the dropped ones are listed in
``deferred_indexes`` in the transaction that drops them. The primary key stays, so ids
stay unique and a re-run finds what is stored. Readers meanwhile scan: slower, never
wrong. A killed importer's session ends and frees the lock; the next store to open the
schema (seeing the lock free) builds what is listed, so a re-run completes indexed. The
per-cell counts are put off and listed alike (``postgis_cells``), with the statements
that count them again.
"""

from __future__ import annotations

import psycopg

from geomap.store import postgis_cells

#: Any number will do: with the schema's hash, the key of the importer's advisory lock.
IMPORT_LOCK = 0x6765_6F6E
_LOCK = "SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))"
_SECONDARY = ("SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
              "JOIN pg_class i ON i.oid = x.indexrelid "
              "WHERE x.indrelid = 'incidents'::regclass AND NOT x.indisprimary ORDER BY 1")
#: Room to sort an index in memory (the server's default, 64 MB, spills a GIN to disk).
_BUILD_MEMORY = "SELECT set_config('maintenance_work_mem', '256MB', true)"


def import_lock(conn: psycopg.Connection) -> bool:
    """Take the schema's import lock for ``conn``'s session, if no one holds it."""
    return conn.execute(_LOCK, (IMPORT_LOCK,)).fetchone()[0]


def defer_indexes(conn: psycopg.Connection) -> bool:
    """In an empty store, drop the secondary indexes of incidents and list them in
    deferred_indexes, in one transaction; whether it did."""
    with conn.transaction():
        if conn.execute("SELECT EXISTS (SELECT FROM incidents)").fetchone()[0]:
            return False
        indexes = [*conn.execute(_SECONDARY).fetchall(),
                   (postgis_cells.NAME, postgis_cells.RECOUNT)]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO deferred_indexes VALUES (%s, %s) "
                            "ON CONFLICT (name) DO NOTHING", indexes)
        for name, _ in indexes[:-1]:
            conn.execute(f'DROP INDEX "{name}"')
    return True


def build_deferred(conn: psycopg.Connection) -> int:
    """Build every listed index, each in its own transaction, then refresh the statistics
    and the visibility map (the bbox indexes answer from the index alone); how many."""
    listed = conn.execute("SELECT name, sql FROM deferred_indexes ORDER BY name").fetchall()
    for name, sql in listed:
        with conn.transaction():
            conn.execute(_BUILD_MEMORY)
            conn.execute(sql)
            conn.execute("DELETE FROM deferred_indexes WHERE name = %s", (name,))
    if listed:
        conn.execute("VACUUM (ANALYZE) incidents")
    return len(listed)


def build_left_indexes(conn: psycopg.Connection) -> int:
    """Build the indexes that a killed import put off (none while an import runs); the
    lock is the session's until it closes."""
    if not conn.execute("SELECT EXISTS (SELECT FROM deferred_indexes)").fetchone()[0]:
        return 0
    return build_deferred(conn) if import_lock(conn) else 0
