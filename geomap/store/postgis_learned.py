"""How the PostGIS store keeps learned places (see geomap/store/learned.py), inside the
transactions that write the incidents they come from (the SQLite store's twin)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import orjson
import psycopg

from geomap.incident import format_timestamp
from geomap.store.learned import LearnedPlace, learned_from, learned_place_of

#: One statement per batch, whatever the number of places: the rows as one JSON array,
#: which orjson writes and the server reads several times faster than psycopg's arrays.
_UPSERT = ("INSERT INTO learned_places AS l (name, country, lat, lon, admin1, source, count, "
           "first_seen, last_seen) SELECT * FROM json_to_recordset(%s::json) AS r(name text, "
           "country text, lat float8, lon float8, admin1 text, source text, count int, "
           "first_seen text, last_seen text) "
           "ON CONFLICT (name, country, lat, lon) DO UPDATE SET count = l.count + excluded.count, "
           "last_seen = excluded.last_seen, admin1 = coalesce(excluded.admin1, l.admin1), "
           "source = CASE WHEN excluded.source = 'analyst' THEN 'analyst' ELSE l.source END")
_SELECT = ("SELECT name, country, lat, lon, admin1, source, count, first_seen, last_seen "
           "FROM learned_places ORDER BY name COLLATE \"C\", country, lat, lon")
_KEY = "name = %s AND country = %s AND lat = %s AND lon = %s"


def learn(conn: psycopg.Connection, features: Iterable[Mapping]) -> None:
    """Count what stored features teach into the learned places."""
    add_learned(conn, learned_from(features).values())


def add_learned(conn: psycopg.Connection, places: Iterable[LearnedPlace]) -> None:
    """Add learned places (or their counts to those already known)."""
    now = format_timestamp()  # unless the place says when (a migrated store's)
    ordered = sorted(places, key=lambda p: p.key)  # one lock order for every writer
    rows = [{"name": p.name, "country": p.country, "lat": p.lat, "lon": p.lon,
             "admin1": p.admin1, "source": p.source, "count": p.count,
             "first_seen": p.first_seen or now, "last_seen": p.last_seen or now}
            for p in ordered]
    if rows:
        conn.execute(_UPSERT, [orjson.dumps(rows).decode()])


def unlearn(conn: psycopg.Connection, feature: Mapping) -> None:
    """One incident fewer behind what an imported ``feature`` taught (deleted or corrected)."""
    place = learned_place_of(feature)
    if place is None:
        return
    row = conn.execute(f"UPDATE learned_places SET count = count - 1 WHERE {_KEY} "
                       "AND source <> 'analyst' RETURNING count", place.key).fetchone()
    if row is not None and row[0] <= 0:
        conn.execute(f"DELETE FROM learned_places WHERE {_KEY}", place.key)


def iter_learned(conn: psycopg.Connection) -> Iterator[LearnedPlace]:
    """Every learned place, by name."""
    for row in conn.execute(_SELECT):
        yield LearnedPlace(*row)


def remove_learned(conn: psycopg.Connection, name: str, country: str | None) -> int:
    """Forget every learned place of this name (in this country); how many were removed."""
    if country:
        cursor = conn.execute("DELETE FROM learned_places WHERE lower(name) = lower(%s) "
                              "AND country = %s", (name, country))
    else:
        cursor = conn.execute("DELETE FROM learned_places WHERE lower(name) = lower(%s)", (name,))
    return cursor.rowcount
