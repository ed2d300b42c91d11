"""An IncidentQuery in PostgreSQL's terms: the PostGIS backend's one place for the filters.

The meaning is SQLite's (``sqlite_query.py``), stated by the store contract tests:
``text`` matches when every word starts a word of the incident's text (a word with
punctuation inside is a phrase: ``al-Omar`` is ``al`` followed by a word starting
``omar``); ``actor`` is a case-insensitive substring of either actor; a bbox keeps every
geometry whose bbox meets it, edges included.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from itertools import chain, repeat

from geomap.incident import SUB_EVENT_TYPES
from geomap.query import QUERYABLE, Condition, IncidentQuery
from geomap.store import postgis_cells
from geomap.store.sqlite_grid import cell_ranges
from geomap.store.sqlite_query import MAX_SEARCH_WORDS, like_pattern

_ORDER = {
    "event_date": "event_date DESC, id",
    "event_date_asc": "event_date, id DESC",
    "fatalities": "fatalities DESC NULLS LAST, event_date DESC, id",
    "id": "id",
    "event_type": 'event_type COLLATE "C", event_date DESC, id',
    "location": """(feature->'properties'->>'location') COLLATE "C" NULLS LAST, event_date DESC, id""",
}
ADMIN1 = "(feature->'properties'->>'admin1')"
#: A bbox is a list of grid cells (migrations 007 and 009: a B-tree that finds and counts
#: them from the index alone), or past MAX_CELLS a box (the GiST of migration 003); the exact bbox
#: columns, included in both indexes, then decide as SQLite does, edges included.
_CELL = "cell"
_BOX = "box(point(minlon, minlat), point(maxlon, maxlat)) && box(point(%s, %s), point(%s, %s))"
_EXACT = "minlon <= %s AND maxlon >= %s AND minlat <= %s AND maxlat >= %s"
#: About a 4 by 4 degree bbox; one B-tree descent per cell.
MAX_CELLS = 4000
#: A page newest first that the summaries count reads the days from which its matches are
#: expected to be this many times the page's end (postgis_query._dated_page_sql).
DATE_MARGIN = 2.0
#: Sorts on columns of the bbox indexes, which can choose a page without the table.
_INDEXED_SORTS = frozenset(("event_date", "event_date_asc", "id"))
_TOKEN = re.compile(r"[^\W_]+")
#: The same words in ASCII text, lowercased: a plain character class matches them faster.
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
MAX_POSITION = 16383
#: ":1", ":2", ...: PostgreSQL keeps positions up to 16383, the later words all at 16383.
_POSITIONS = [f":{position}" for position in range(1, MAX_POSITION)]


def select_sql(query: IncidentQuery) -> tuple[str, list]:
    """SELECT the matches' feature JSON, in the query's order, one page of them.

    A bbox page is chosen on the indexed columns first (an index-only scan), so that only
    the page's rows are read from the table.
    """
    where, params = where_sql(query)
    order = _ORDER[query.sort]
    page = f"WHERE {where} ORDER BY {order}"
    if query.limit is not None:
        page, params = f"{page} LIMIT %s", [*params, query.limit]
    if query.offset:
        page, params = f"{page} OFFSET %s", [*params, query.offset]
    if query.bbox is None or query.limit is None or query.sort not in _INDEXED_SORTS:
        return f"SELECT feature FROM incidents {page}", params
    return (f"SELECT feature FROM incidents WHERE id IN (SELECT id FROM incidents {page}) "
            f"ORDER BY {order}", params)


def page_sql(query: IncidentQuery) -> tuple[str, list]:
    """One statement for a whole page: rows (feature, matched, NULL) in the query's order,
    then a last row (NULL, matched, whether the layer holds incidents).

    A bbox page is chosen from the grid index first. ``matched`` rides on its rows when
    the cell summaries cannot count it (the scan that sorts finds every match, so a
    window count costs little more); otherwise the last row counts, and only when the
    page cannot tell (a full page, or an empty one past the start): PostgreSQL runs an
    uncorrelated subquery only when a CASE reaches it. One round trip, where the page,
    its count and the layer's existence took three.
    """
    summed = summary_count_sql(query)
    if summed is not None and query.sort == "event_date":
        return _dated_page_sql(query, summed)
    where, params = where_sql(query)
    order, paging = _ORDER[query.sort], [query.limit, query.offset]
    count, count_params = count_sql(query)
    by_id = query.bbox is not None and query.sort in _INDEXED_SORTS
    windowed = by_id and summed is None
    if by_id:
        matched = "count(*) OVER ()" if windowed else "NULL::bigint"
        page = (f"SELECT id, {matched} AS matched FROM incidents WHERE {where} "
                f"ORDER BY {order} LIMIT %s OFFSET %s")
        rows = f"SELECT feature, matched FROM incidents JOIN page USING (id) ORDER BY {order}"
    else:
        page = (f"SELECT row_number() OVER () AS n, feature FROM (SELECT feature FROM incidents "
                f"WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s) AS chosen")
        rows = "SELECT feature, NULL::bigint AS matched FROM page ORDER BY n"
    if windowed:
        needed, needed_params = "NOT EXISTS (SELECT FROM page) AND %s > 0", [query.offset]
    else:
        needed = "(SELECT count(*) FROM page) = %s OR (NOT EXISTS (SELECT FROM page) AND %s > 0)"
        needed_params = [query.limit, query.offset]
    stored, stored_params = _layer_stored(query.layer)
    sql = (f"WITH page AS MATERIALIZED ({page}) "
           f"(SELECT feature, matched, NULL::boolean FROM ({rows}) AS ordered) UNION ALL "
           f"SELECT NULL, CASE WHEN {needed} THEN ({count}) END, {stored}")
    return sql, [*params, *paging, *needed_params, *count_params, *stored_params]


def _dated_page_sql(query: IncidentQuery, summed: tuple[str, list]) -> tuple[str, list]:
    """page_sql of a page newest first that the summaries count: its ids are chosen among
    the matches from the day on which DATE_MARGIN times the page's end is expected
    (``total``, its dates spread as the layer's), a few thousand entries of the grid's
    date index (migration 011) instead of every match; and again among every match only
    when that day left the page short of what ``total`` says it holds."""
    where, params = where_sql(query)
    count, count_params = summed
    order, paging = _ORDER[query.sort], [query.limit, query.offset]
    since = ("SELECT l.last_date - ((l.last_date - l.first_date) * least(1.0, %s / "
             "greatest(t.n, 1)))::integer FROM total AS t, incident_layers AS l WHERE l.layer = %s")
    since_params = [DATE_MARGIN * (query.offset + query.limit), query.layer]
    short = "(SELECT count(*) FROM bounded) < least(%s, (SELECT n FROM total) - %s)"
    stored, stored_params = _layer_stored(query.layer)
    sql = (f"WITH total AS MATERIALIZED ({count} AS n), bounded AS MATERIALIZED (SELECT id "
           f"FROM incidents WHERE {where} AND event_date >= ({since}) ORDER BY {order} "
           f"LIMIT %s OFFSET %s), page AS MATERIALIZED (SELECT id FROM bounded WHERE NOT {short} "
           f"UNION ALL (SELECT id FROM incidents WHERE {where} AND {short} ORDER BY {order} "
           f"LIMIT %s OFFSET %s)) (SELECT feature, NULL::bigint, NULL::boolean FROM (SELECT "
           f"feature FROM incidents JOIN page USING (id) ORDER BY {order}) AS ordered) "
           f"UNION ALL SELECT NULL, (SELECT n FROM total), {stored}")
    return sql, [*count_params, *params, *since_params, *paging, *paging, *params, *paging,
                 *paging, *stored_params]


def _layer_stored(layer: str | None) -> tuple[str, list]:
    if layer is None:
        return "TRUE", []
    return "EXISTS (SELECT FROM incident_layers WHERE layer = %s AND count > 0)", [layer]


def count_sql(query: IncidentQuery) -> tuple[str, list]:
    """SELECT count(*) of every match: from incident_layers when only the layer is asked,
    from the cell summaries and the edge cells when they can tell, else by scanning."""
    clauses = list(_clauses(query))
    if len(clauses) <= (query.layer is not None):
        if query.layer is None:
            return "SELECT coalesce(sum(count), 0)::bigint FROM incident_layers", []
        return ("SELECT coalesce(sum(count), 0)::bigint FROM incident_layers WHERE layer = %s",
                [query.layer])
    summed = summary_count_sql(query)
    if summed is not None:
        return summed
    where, params = where_sql(query)
    return f"SELECT count(*) FROM incidents WHERE {where}", params


def summary_count_sql(query: IncidentQuery) -> tuple[str, list] | None:
    """SELECT the count of a bbox's matches as the summaries of the point cells wholly
    inside it and a scan of the rest (postgis_cells), or None when they cannot tell; by
    scanning every match while an import has put the summaries off."""
    cells = grid_cells(query.bbox) if postgis_cells.answerable(query) else None
    if cells is None:
        return None
    inner, edge = postgis_cells.split(query.bbox, cells)
    if not inner:
        return None
    summed, summed_params = postgis_cells.inner_sql(query, inner)
    where, params = where_sql(query, cells=edge)
    every, every_params = where_sql(query)
    return (f"SELECT CASE WHEN {postgis_cells.DEFERRED} THEN (SELECT count(*) FROM incidents "
            f"WHERE {every}) ELSE ({summed})::bigint + (SELECT count(*) FROM incidents "
            f"WHERE {where}) END", [*every_params, *summed_params, *params])


def where_sql(query: IncidentQuery, *, cells: list[int] | None = None) -> tuple[str, list]:
    """The WHERE condition of ``query`` and its parameters; with ``cells``, its bbox is
    looked for in those grid cells only."""
    clauses, params = ["TRUE"], []
    for clause, values in _clauses(query, cells):
        clauses.append(clause)
        params.extend(values)
    return " AND ".join(clauses), params


def search_words(text: str) -> list[str]:
    """The words of a text as the index keeps them: runs of letters and digits, folded.

    >>> search_words("Al-Omar, Déir 2022_x")
    ['al', 'omar', 'deir', '2022', 'x']
    """
    if text.isascii():  # the common case: nothing to decompose
        return _ASCII_TOKEN.findall(text.lower())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _TOKEN.findall(plain)


def search_vector(text: str) -> str:
    """A tsvector literal of ``text``'s words with their positions (1-based, at most 16383).

    Words are letters and digits only, so they need no quotes.

    >>> search_vector("Mosul: an IED")
    'mosul:1 an:2 ied:3'
    """
    words = search_words(text)
    if len(words) <= len(_POSITIONS):  # nearly always: without chain(), a third faster
        return " ".join(map(str.__add__, words, _POSITIONS))
    positions = chain(_POSITIONS, repeat(f":{MAX_POSITION}"))
    return " ".join(map(str.__add__, words, positions))


def search_query(text: str) -> str | None:
    """A tsquery literal: every word must start a word of the text, in any order.

    >>> search_query("al-Omar oil !")
    "'al' <-> 'omar':* & 'oil':*"
    """
    words = [tokens for tokens in map(search_words, text.split()) if tokens]
    phrases = [" <-> ".join(f"'{token}'" for token in tokens) + ":*"
               for tokens in words[:MAX_SEARCH_WORDS]]
    return " & ".join(phrases) or None


def _clauses(q: IncidentQuery, cells: list[int] | None = None) -> Iterator[tuple[str, list]]:
    if q.layer is not None:
        yield "layer = %s", [q.layer]
    if q.start:
        yield "event_date >= %s", [q.start]
    if q.end:
        yield "event_date <= %s", [q.end]
    if q.event_types:
        yield "event_type = ANY(%s)", [list(q.event_types)]
    if q.sub_event_types:
        yield "event_type = ANY(%s)", [sorted({SUB_EVENT_TYPES[s] for s in q.sub_event_types})]
        yield "sub_event_type = ANY(%s)", [list(q.sub_event_types)]
    if q.countries:
        yield "country = ANY(%s)", [list(q.countries)]
    if q.admin1:
        yield f"{ADMIN1} = ANY(%s)", [list(q.admin1)]
    if q.statuses:
        yield "status = ANY(%s)", [list(q.statuses)]
    if q.min_fatalities is not None:
        yield "fatalities >= %s", [q.min_fatalities]
    if q.precision is not None:
        yield "geo_precision <= %s", [q.precision]
    if q.actor_patterns:
        patterns = [like_pattern(actor) for actor in q.actor_patterns]
        one = "actor1 ILIKE %s OR actor2 ILIKE %s"
        yield "(" + " OR ".join([one] * len(patterns)) + ")", [p for pat in patterns for p in (pat, pat)]
    if q.text:
        yield _text_clause(q.text)
    if q.bbox:
        yield _bbox_clause(q.bbox, grid=q.layer is not None, cells=cells)
    for condition in q.where:
        yield condition_sql(condition)


#: Queryable properties kept as columns; the others are read from the feature's JSON.
_COLUMNS = frozenset(("event_date", "event_type", "sub_event_type", "country", "status",
                      "actor1", "actor2", "fatalities", "geo_precision"))


def condition_sql(condition: Condition) -> tuple[str, list]:
    """SQL of one CQL2 condition; LIKE ignores case (ILIKE), as SQLite's LIKE does."""
    name, op, value = condition.property, condition.op, condition.value
    column = name if name in _COLUMNS else f"(feature->'properties'->>'{name}')"
    if name not in _COLUMNS and QUERYABLE[name] == "int":
        column = f"{column}::integer"
    if name == "event_date" and op not in ("isnull", "like"):
        value = (tuple(map(date.fromisoformat, value)) if op == "in"
                 else date.fromisoformat(value))
    if op == "isnull":
        return f"{column} IS NULL", []
    if op == "in":
        return f"{column} = ANY(%s)", [list(value)]
    if op == "like":
        return f"{column}::text ILIKE %s", [value]
    return f"{column} {op} %s", [value]


def _bbox_clause(bbox: tuple[float, float, float, float], *, grid: bool,
                 cells: list[int] | None = None) -> tuple[str, list]:
    """The cells of the grid index (migration 007) when they are few (or ``cells``, some
    of them), else the box index."""
    minlon, minlat, maxlon, maxlat = bbox
    exact = [maxlon, minlon, maxlat, minlat]
    if cells is None:
        cells = grid_cells(bbox) if grid else None
    if cells is None:
        return f"{_BOX} AND {_EXACT}", [minlon, minlat, maxlon, maxlat, *exact]
    return f"{_CELL} = ANY(%s) AND {_EXACT}", [cells, *exact]


def grid_cells(bbox: tuple[float, float, float, float]) -> list[int] | None:
    """Every grid cell that may hold an incident meeting ``bbox``, or None past MAX_CELLS.

    >>> len(grid_cells((44.0, 33.0, 45.0, 34.0))), grid_cells((-180, -90, 180, 90))
    (195, None)
    """
    ranges = cell_ranges(bbox)
    if sum(last - first + 1 for first, last in ranges) > MAX_CELLS:
        return None
    return [cell for first, last in ranges for cell in range(first, last + 1)]


def _text_clause(text: str) -> tuple[str, list]:
    tsquery = search_query(text)
    if tsquery is None:  # no word at all: as FTS5 with an empty expression, nothing matches
        return "FALSE", []
    return "search @@ %s::tsquery", [tsquery]
