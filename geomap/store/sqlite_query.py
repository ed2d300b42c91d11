"""An IncidentQuery in SQLite's terms: the one place where the filters are written."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator

from geomap.incident import SUB_EVENT_TYPES
from geomap.query import IncidentQuery

#: A bbox query with fewer R*Tree hits than RTREE_FACTOR * sqrt(page end * rows) (at
#: least RTREE_MIN) starts from the R*Tree and sorts the hits (cost ~ hits); otherwise it
#: walks the (layer, event_date) index in order, reading the bbox from the index, until
#: the page is full (cost ~ page end * rows / hits). The factor is the ratio of the two
#: costs per row, measured with benchmarks/bench_store.py.
RTREE_FACTOR = 0.5
RTREE_MIN = 1000
MAX_SEARCH_WORDS = 16

_ORDER = {
    "event_date": "{t}.event_date DESC, {t}.id",
    "event_date_asc": "{t}.event_date, {t}.id DESC",
    "fatalities": "{t}.fatalities IS NULL, {t}.fatalities DESC, {t}.event_date DESC, {t}.id",
    "id": "{t}.id",
}
_RTREE_HITS = "r.minlon <= ? AND r.maxlon >= ? AND r.minlat <= ? AND r.maxlat >= ?"
_PROBE = ("SELECT count(*) FROM (SELECT 1 FROM incidents_rtree AS r WHERE "
          f"{_RTREE_HITS} LIMIT ?)")
_BBOX = "i.minlon <= ? AND i.maxlon >= ? AND i.minlat <= ? AND i.maxlat >= ?"
_FROM_RTREE = "incidents_rtree AS r CROSS JOIN incidents AS i ON i.seq = r.seq"


def select_sql(query: IncidentQuery, column: str, *, rtree: bool) -> tuple[str, list]:
    """SELECT one column of the matches' rows, in the query's order, one page of them.

    From the R*Tree the page is chosen on the small columns first, so that the sort
    does not carry every hit's feature JSON.
    """
    source, where, params = _source_and_where(query, rtree)
    order = _ORDER[query.sort]
    sql = f"FROM {source} WHERE {where} ORDER BY {order.format(t='i')}"
    if query.limit is not None:
        sql, params = f"{sql} LIMIT ? OFFSET ?", [*params, query.limit, query.offset]
    elif query.offset:
        sql, params = f"{sql} LIMIT -1 OFFSET ?", [*params, query.offset]
    if not rtree:
        return f"SELECT i.{column} {sql}", params
    return (f"SELECT f.{column} FROM (SELECT i.seq {sql}) AS page CROSS JOIN incidents AS f "
            f"ON f.seq = page.seq ORDER BY {order.format(t='f')}", params)


def count_sql(query: IncidentQuery) -> tuple[str, list]:
    """SELECT count(*) of every match."""
    source, where, params = _source_and_where(query, query.bbox is not None)
    return f"SELECT count(*) FROM {source} WHERE {where}", params


def use_rtree(conn: sqlite3.Connection, query: IncidentQuery) -> bool:
    """Whether to start from the R*Tree: for a sparse bbox, or when every match is read."""
    if query.bbox is None:
        return False
    if query.limit is None:
        return True
    rows = conn.execute("SELECT coalesce(max(seq), 0) FROM incidents").fetchone()[0]
    cap = max(RTREE_MIN, int(RTREE_FACTOR * math.sqrt((query.limit + query.offset) * rows)))
    hits = conn.execute(_PROBE, [*_box_params(query.bbox), cap]).fetchone()[0]
    return hits < cap


def search_text(properties: dict) -> str:
    """The text that ``IncidentQuery.text`` searches in."""
    names = ("summary", "quote", "location", "location_mention", "actor1", "actor2")
    return "\n".join(properties[name] for name in names if properties[name])


def fts_match(text: str) -> str:
    """An FTS5 expression: every word must start a word of the text, in any order.

    >>> fts_match("al-Omar oil !")
    '"al-Omar"* AND "oil"*'
    """
    words = [word for word in text.split() if any(char.isalnum() for char in word)]
    return " AND ".join('"{}"*'.format(word.replace('"', '""'))
                        for word in words[:MAX_SEARCH_WORDS])


def _source_and_where(query: IncidentQuery, rtree: bool) -> tuple[str, str, list]:
    clauses, params = ["1"], []
    for clause, values in _clauses(query):
        clauses.append(clause)
        params.extend(values)
    if rtree:
        return _FROM_RTREE, f"{_RTREE_HITS} AND {' AND '.join(clauses)}", [
            *_box_params(query.bbox), *params]
    return "incidents AS i", " AND ".join(clauses), params


def _clauses(q: IncidentQuery) -> Iterator[tuple[str, list]]:
    if q.layer is not None:
        yield "i.layer = ?", [q.layer]
    if q.start:
        yield "i.event_date >= ?", [q.start.isoformat()]
    if q.end:
        yield "i.event_date <= ?", [q.end.isoformat()]
    if q.event_types:
        yield _in("i.event_type", q.event_types)
    if q.sub_event_types:  # the implied event types let the type index help
        yield _in("i.event_type", sorted({SUB_EVENT_TYPES[sub] for sub in q.sub_event_types}))
        yield _in("i.sub_event_type", q.sub_event_types)
    if q.countries:
        yield _in("i.country", q.countries)
    if q.statuses:
        yield _in("i.status", q.statuses)
    if q.min_fatalities is not None:
        yield "i.fatalities >= ?", [q.min_fatalities]
    if q.precision is not None:
        yield "i.geo_precision <= ?", [q.precision]
    if q.actor:
        pattern = "%{}%".format(q.actor.replace("\\", "\\\\").replace("%", "\\%")
                                .replace("_", "\\_"))
        yield "(i.actor1 LIKE ? ESCAPE '\\' OR i.actor2 LIKE ? ESCAPE '\\')", [pattern, pattern]
    if q.text:
        yield ("i.seq IN (SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH ?)",
               [fts_match(q.text)])
    if q.bbox:
        yield _BBOX, _box_params(q.bbox)


def _in(column: str, values: tuple | list) -> tuple[str, list]:
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)


def _box_params(bbox: tuple[float, float, float, float]) -> list[float]:
    minlon, minlat, maxlon, maxlat = bbox
    return [maxlon, minlon, maxlat, minlat]
