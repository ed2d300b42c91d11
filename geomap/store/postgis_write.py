"""How the PostGIS store writes: rows made in Python, loaded with COPY, summaries kept.

Every write runs inside one transaction that the caller opens; the layer, actor and cell
summaries are updated in the same transaction, so a reader never sees a count that
disagrees with the rows, and a killed writer leaves whole transactions only.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

import orjson
import psycopg

from geomap.incident import geometry_bbox
from geomap.store import postgis_cells
from geomap.store.postgis_query import search_vector
from geomap.store.sqlite_grid import cell_of
from geomap.store.sqlite_query import search_text

COLUMNS = ("id", "layer", "event_date", "event_type", "sub_event_type", "country",
           "fatalities", "geo_precision", "status", "actor1", "actor2", "minlon", "minlat",
           "maxlon", "maxlat", "geom", "search", "feature", "cell")
_COPY = "COPY incidents ({}) FROM STDIN".format(", ".join(COLUMNS))
_REPLACE = "UPDATE incidents SET ({}) = ({}) WHERE id = %s".format(
    ", ".join(COLUMNS[1:]), ", ".join(["%s"] * (len(COLUMNS) - 1)))
_EXISTING = "SELECT id, feature FROM incidents WHERE id = ANY(%s)"
_DELETED = ("SELECT DISTINCT id FROM incident_history "
            "WHERE action IN ('delete', 'reject', 'merged') AND id = ANY(%s)")
_MERGE_LAYER = (
    "INSERT INTO incident_layers AS l VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (layer) DO UPDATE SET count = l.count + excluded.count, "
    "minlon = least(l.minlon, excluded.minlon), minlat = least(l.minlat, excluded.minlat), "
    "maxlon = greatest(l.maxlon, excluded.maxlon), maxlat = greatest(l.maxlat, excluded.maxlat), "
    "first_date = least(l.first_date, excluded.first_date), "
    "last_date = greatest(l.last_date, excluded.last_date)")
_SUBTRACT = ("UPDATE incident_layers SET count = count - 1 WHERE layer = %s "
             "RETURNING count, minlon, minlat, maxlon, maxlat, first_date::text, last_date::text")
_RECOUNT = ("INSERT INTO incident_layers SELECT layer, count(*), min(minlon), min(minlat), "
            "max(maxlon), max(maxlat), min(event_date), max(event_date) FROM incidents "
            "WHERE layer = %s GROUP BY layer")
_ADD_ACTORS = ("INSERT INTO incident_actors AS a VALUES (%s, %s, %s) ON CONFLICT (layer, actor) "
               "DO UPDATE SET count = a.count + excluded.count")
_TAKE_ACTORS = ("UPDATE incident_actors SET count = count - 1 WHERE layer = %s AND actor = ANY(%s) "
                "AND count > 1")
_DROP_ACTORS = "DELETE FROM incident_actors WHERE layer = %s AND actor = ANY(%s) AND count = 1"
#: Little-endian EWKB: byte order, type (with the SRID flag), SRID, then the coordinates.
_WITH_SRID = 0x20000000
_KINDS = {"Point": 1, "LineString": 2, "Polygon": 3}
_POINT = struct.Struct("<BIIdd")
_HEAD = struct.Struct("<BII")
_COUNT = struct.Struct("<I")
_ARCHIVE = ("INSERT INTO incident_history (id, action, author, recorded_at, feature, reason) "
            "VALUES (%s, %s, %s, %s, %s, %s)")


def prepare(feature: dict) -> tuple[dict, tuple]:
    """The feature and its row of COLUMNS, as COPY takes it."""
    p, geometry = feature["properties"], feature["geometry"]
    minlon, minlat, maxlon, maxlat = geometry_bbox(geometry)
    row = (p["id"], p["layer"], p["event_date"], p["event_type"], p["sub_event_type"],
           p["country"], p["fatalities"], p["geo_precision"], p["status"], p["actor1"],
           p["actor2"], minlon, minlat, maxlon, maxlat, ewkb(geometry),
           search_vector(search_text(p)), orjson.dumps(feature).decode(),
           cell_of(minlon, minlat, maxlon, maxlat))
    return feature, row


def ewkb(geometry: Mapping) -> str:
    """A parsed GeoJSON Point, LineString or Polygon as hex EWKB in WGS84 (altitude
    dropped): the server reads the doubles as they are, where EWKT text had it parse
    each number.

    >>> ewkb({"type": "Point", "coordinates": [40.0, 35.5]})
    '0101000020e610000000000000000044400000000000c04140'
    """
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return _POINT.pack(1, _WITH_SRID | 1, 4326, coordinates[0], coordinates[1]).hex()
    head = _HEAD.pack(1, _WITH_SRID | _KINDS[kind], 4326)
    if kind == "LineString":
        return (head + _ring(coordinates)).hex()
    return (head + _COUNT.pack(len(coordinates)) + b"".join(map(_ring, coordinates))).hex()


def _ring(positions: list[list[float]]) -> bytes:
    flat = [value for position in positions for value in position[:2]]
    return struct.pack(f"<I{len(flat)}d", len(positions), *flat)


def existing(conn: psycopg.Connection, ids: list[str], *, lock: bool = False) -> dict[str, dict]:
    """The stored feature of each of ``ids`` that is stored (row-locked with ``lock``)."""
    sql = f"{_EXISTING} FOR UPDATE" if lock else _EXISTING
    return {incident_id: orjson.loads(data) for incident_id, data in conn.execute(sql, (ids,))}


def deleted_ids(conn: psycopg.Connection, absent: list[str]) -> set[str]:
    """Which of these ids (not stored now) were deleted once."""
    if not absent:
        return set()
    return {incident_id for (incident_id,) in conn.execute(_DELETED, (absent,))}


def copy_rows(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """Load rows of COLUMNS with COPY, and count them into the layer summaries."""
    if not rows:
        return
    with conn.cursor() as cur, cur.copy(_COPY) as copy:
        for row in rows:
            copy.write_row(row)
    add_to_summaries(conn, rows)
    add_actors(conn, rows)
    postgis_cells.change(conn, added=map(postgis_cells.row_key, rows))


def add_actors(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """Count the rows' actors (each once per incident) into incident_actors."""
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        for actor in {row[9], row[10]} - {None}:
            counts[row[1], actor] = counts.get((row[1], actor), 0) + 1
    with conn.cursor() as cur:  # sorted, so that two writers lock the rows in one order
        cur.executemany(_ADD_ACTORS, [(*key, counts[key]) for key in sorted(counts)])


def take_actors(conn: psycopg.Connection, stored: dict) -> None:
    """One incident fewer naming each actor of a stored feature."""
    p = stored["properties"]
    actors = sorted({p["actor1"], p["actor2"]} - {None})
    if actors:
        conn.execute(_DROP_ACTORS, (p["layer"], actors))
        conn.execute(_TAKE_ACTORS, (p["layer"], actors))


def add_to_summaries(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """Merge the rows' counts, bboxes and dates into incident_layers, layers in order."""
    layers: dict[str, list] = {}
    for row in rows:
        layer, day, box = row[1], row[2], row[11:15]
        found = layers.get(layer)
        if found is None:
            layers[layer] = [1, *box, day, day]
            continue
        found[0] += 1
        found[1:5] = (min(found[1], box[0]), min(found[2], box[1]),
                      max(found[3], box[2]), max(found[4], box[3]))
        found[5], found[6] = min(found[5], day), max(found[6], day)
    with conn.cursor() as cur:  # sorted, so that two writers lock layers in one order
        cur.executemany(_MERGE_LAYER, [(layer, *layers[layer]) for layer in sorted(layers)])


def forget(conn: psycopg.Connection, stored: dict) -> None:
    """Remove a stored feature from the table and the summaries."""
    conn.execute("DELETE FROM incidents WHERE id = %s", (stored["id"],))
    _subtract(conn, stored)
    take_actors(conn, stored)
    postgis_cells.change(conn, removed=[postgis_cells.stored_key(stored)])


def replace_row(conn: psycopg.Connection, stored: dict, row: tuple) -> None:
    """Write a new version over a stored feature's row (in place, so that a concurrent
    writer waiting on the row lock finds the new version, not a deleted row)."""
    conn.execute(_REPLACE, (*row[1:], stored["id"]))
    recounted = _subtract(conn, stored)
    if not (recounted and row[1] == stored["properties"]["layer"]):  # else counted already
        add_to_summaries(conn, [row])
    take_actors(conn, stored)
    add_actors(conn, [row])
    postgis_cells.change(conn, added=[postgis_cells.row_key(row)],
                         removed=[postgis_cells.stored_key(stored)])


def _subtract(conn: psycopg.Connection, stored: dict) -> bool:
    """One incident fewer in its layer's summary, after the row changed; whether the layer
    was counted again from the table (when the incident was on an edge of it)."""
    p = stored["properties"]
    box = list(geometry_bbox(stored["geometry"]))
    row = conn.execute(_SUBTRACT, (p["layer"],)).fetchone()
    if row is None:
        return False
    count, *edges, first, last = row
    on_edge = any(a == b for a, b in zip(box, edges, strict=True)) or p["event_date"] in (
        first, last)
    if count and not on_edge:
        return False
    conn.execute("DELETE FROM incident_layers WHERE layer = %s", (p["layer"],))
    conn.execute(_RECOUNT, (p["layer"],))
    return True


def archive(conn: psycopg.Connection, stored: dict, action: str, author: str | None,
            recorded_at: str, reason: str | None = None) -> None:
    """Keep the version an update, delete, rejection or merge replaces."""
    conn.execute(_ARCHIVE, (stored["id"], action, author, recorded_at,
                            orjson.dumps(stored).decode(), reason))
