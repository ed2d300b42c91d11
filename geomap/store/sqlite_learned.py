"""How the SQLite store keeps learned places (see geomap/store/learned.py), inside the
transactions that write the incidents they come from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping

from geomap.incident import format_timestamp
from geomap.store.learned import LearnedPlace, counted_rows, learned_from, learned_place_of

_UPSERT = ("INSERT INTO learned_places (name, country, lat, lon, admin1, source, count, "
           "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (name, country, lat, lon) DO UPDATE SET count = count + excluded.count, "
           "last_seen = excluded.last_seen, admin1 = coalesce(excluded.admin1, admin1), "
           "source = CASE WHEN excluded.source = 'analyst' THEN 'analyst' ELSE source END")
_SELECT = ("SELECT name, country, lat, lon, admin1, source, count, first_seen, last_seen "
           "FROM learned_places ORDER BY name, country, lat, lon")


def learn(conn: sqlite3.Connection, features: Iterable[Mapping]) -> None:
    """Count what stored features teach into the learned places."""
    add_learned(conn, learned_from(features).values())


def learn_places(conn: sqlite3.Connection, rows: Iterable[tuple | None]) -> None:
    """Count the ``learned_row`` rows of stored features (None: taught nothing) in; the
    rows go to SQLite as they are (an import teaches a place for most features)."""
    now = format_timestamp()
    conn.executemany(_UPSERT, [(*row, count, now, now)
                               for row, count in counted_rows(rows).values()])


def add_learned(conn: sqlite3.Connection, places: Iterable[LearnedPlace]) -> None:
    """Add learned places (or their counts to those already known)."""
    now = format_timestamp()  # unless the place says when (a migrated store's)
    conn.executemany(_UPSERT, [(p.name, p.country, p.lat, p.lon, p.admin1, p.source, p.count,
                                p.first_seen or now, p.last_seen or now) for p in places])


def unlearn(conn: sqlite3.Connection, feature: Mapping) -> None:
    """One incident fewer behind what an imported ``feature`` taught (deleted or corrected).

    An analyst's correction stays learned when its incident goes: the name is still there.
    """
    place = learned_place_of(feature)
    if place is None:
        return
    key = (place.name, place.country, place.lat, place.lon)
    row = conn.execute("UPDATE learned_places SET count = count - 1 WHERE name = ? AND "
                       "country = ? AND lat = ? AND lon = ? AND source != 'analyst' "
                       "RETURNING count", key).fetchone()
    if row is not None and row[0] <= 0:
        conn.execute("DELETE FROM learned_places WHERE name = ? AND country = ? AND lat = ? "
                     "AND lon = ?", key)


def iter_learned(conn: sqlite3.Connection) -> Iterator[LearnedPlace]:
    """Every learned place, by name."""
    for row in conn.execute(_SELECT):
        yield LearnedPlace(*row)


def remove_learned(conn: sqlite3.Connection, name: str, country: str | None) -> int:
    """Forget every learned place of this name (in this country); how many were removed."""
    if country:
        cursor = conn.execute("DELETE FROM learned_places WHERE name = ? COLLATE NOCASE "
                              "AND country = ?", (name, country))
    else:
        cursor = conn.execute("DELETE FROM learned_places WHERE name = ? COLLATE NOCASE",
                              (name,))
    return cursor.rowcount
