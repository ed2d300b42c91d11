"""An IncidentQuery in SQLite's terms: the one place where the filters are written."""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import NamedTuple

from geomap.incident import SUB_EVENT_TYPES
from geomap.query import Condition, IncidentQuery
from geomap.store.sqlite_grid import (
    CELL_SQL,
    DEGREE_SQL,
    LEVEL,
    SUB_COLUMN_SQL,
    SUB_ROW_SQL,
    SUB_SQL,
    cell_ranges,
    degree_ranges,
)
from geomap.store.sqlite_indexes import COLUMN_INDEX, DEGREE_INDEX, has_grid_index, has_index

#: A bbox query starts from the grid when its hits H (read from incident_cells) cost less
#: there than the walk down the (layer, event_date) index costs until the page is full:
#: H < DATE_WALK_COST * min(rows in its date range, page end * rows / (H * share)), where
#: share guesses what part of the bbox's incidents the other filters keep. The walk reads
#: the bbox from the index; a grid hit is read from a covering index too (migration 009)
#: and then sorted. Measured at 1,000,000 incidents (180 bboxes of 0.02 to 2 degrees, with
#: and without filters, both plans timed): they cost the same where H is 0.65 to 0.99 of
#: the walk's rows (it was a third before migration 009).
DATE_WALK_COST = 0.8
#: The guessed share of incidents that one value of a filter keeps (6 event types, ...).
SHARE = {"event_types": 1 / 6, "sub_event_types": 1 / 25, "statuses": 1 / 2,
         "countries": 1 / 4, "admin1": 1 / 20, "actor": 1 / 20, "text": 1 / 50, "min_fatalities": 1 / 2,
         "precision": 2 / 3}
MAX_SEARCH_WORDS = 16
#: A page newest first of a bbox meeting at most MAX_DEGREES degree cells merges their
#: own date indexes (migration 015: each cell's points newest first), one arm of a UNION
#: ALL a cell, which SQLite walks side by side and stops once the page is full: no sort,
#: and no guess of how far back to read. Measured at 1,000,000 incidents (dense 1x1 boxes:
#: 101,000 match, 4 degree cells hold 150,000): it reads about 1,500 entries; walking the
#: cells from a day guessed from the layer's days read 2,000 and sorted 1,500, 0.3-0.4 ms
#: more, and the layer's own date index read 15,000.
MAX_DEGREES = 16

_ORDER = {
    "event_date": "{t}.event_date DESC, {t}.id",
    "event_date_asc": "{t}.event_date, {t}.id DESC",
    "fatalities": "{t}.fatalities IS NULL, {t}.fatalities DESC, {t}.event_date DESC, {t}.id",
    "id": "{t}.id",
    "event_type": "{t}.event_type, {t}.event_date DESC, {t}.id",
    "location": ("json_extract({t}.feature, '$.properties.location') IS NULL, "
                 "json_extract({t}.feature, '$.properties.location'), {t}.event_date DESC, {t}.id"),
}
#: An incident's first-level division, read from its JSON (not a column of its own).
ADMIN1 = "json_extract(i.feature, '$.properties.admin1')"
_SUB = SUB_SQL.format(t="i.")
_BBOX = "i.minlon <= ? AND i.maxlon >= ? AND i.minlat <= ? AND i.maxlat >= ?"
_FEATURE = "CAST({t}.feature AS BLOB)"  # bytes as stored: no UTF-8 decoding in Python
#: values_table's padding rows (-1, ..., -2) are dropped before they cost a seek.
_REAL_ROW = "r.column1 >= 0"
_CELL_BBOX = "c.minlon <= ? AND c.maxlon >= ? AND c.minlat <= ? AND c.maxlat >= ?"
_LAYER = ("SELECT count, first_date, last_date FROM incident_layers WHERE layer = ?")
_ALL_LAYERS = ("SELECT coalesce(sum(count), 0), min(first_date), max(last_date) "
               "FROM incident_layers")


def select_sql(query: IncidentQuery, *, grid: bool,
               degrees: tuple[int, ...] | None = None) -> tuple[str, list]:
    """SELECT the matches' feature JSON (bytes), in the query's order, one page of them;
    from the grid if ``grid``, or merged from the date indexes of the degree cells
    ``degrees`` (see plan_page).

    From the grid or the degree cells the page is chosen on the small columns first, so
    that the sort does not carry every hit's feature JSON; the features of a page with a
    limit are then read in its order (the page, kept whole by its LIMIT, is the outer
    loop of the CROSS JOIN): sorting them again would carry the JSON after all (a dense
    page: 0.6 ms more).
    """
    if degrees is not None:
        sql, params = merge_sql(query, degrees)
        return (f"SELECT {_FEATURE.format(t='f')} FROM ({sql} LIMIT ? OFFSET ?) AS page "
                "CROSS JOIN incidents AS f ON f.seq = page.seq",
                [*params, query.limit, query.offset])
    source, where, params = source_and_where(query, grid)
    sql = f"FROM {source} WHERE {where} ORDER BY {_ORDER[query.sort].format(t='i')}"
    if query.limit is not None:
        sql, params = f"{sql} LIMIT ? OFFSET ?", [*params, query.limit, query.offset]
    elif query.offset:
        sql, params = f"{sql} LIMIT -1 OFFSET ?", [*params, query.offset]
    if not grid:
        return f"SELECT {_FEATURE.format(t='i')} {sql}", params
    sql = (f"SELECT {_FEATURE.format(t='f')} FROM (SELECT i.seq {sql}) AS page "
           "CROSS JOIN incidents AS f ON f.seq = page.seq")
    if query.limit is None:  # SQLite drops a subquery's ORDER BY that has no LIMIT
        sql = f"{sql} ORDER BY {_ORDER[query.sort].format(t='f')}"
    return sql, params


def merge_sql(query: IncidentQuery, degrees: tuple[int, ...]) -> tuple[str, list]:
    """SELECT (event_date, id, seq) of the query's matches newest first (then by id), as a
    UNION ALL of one arm a degree cell, each read down that cell's dates (migration 015)
    in this order already, which SQLite merges as it goes; degree -1 stands for the
    lines and polygons, read from the grid's cells of shapes and sorted (they are few).
    No LIMIT: the caller adds it.

    A degree cell's arm holds points only, whose bbox is their position: the bbox test is
    two ranges of it, 0.045 ms less than the four sides' of a dense 1x1 page (about 1,500
    entries tested)."""
    where, params = _where(query, bbox=False)
    minlon, minlat, maxlon, maxlat = query.bbox
    where, params = (f"{where} AND i.minlon BETWEEN ? AND ? AND i.minlat BETWEEN ? AND ?",
                     [*params, minlon, maxlon, minlat, maxlat])
    arms, numbers = [], []
    for degree in degrees:
        if degree < 0:
            source, shapes_where, shapes_params = source_and_where(
                query, True, [pair for pair in cell_ranges(query.bbox) if pair[0] >= LEVEL])
            arms.append(f"SELECT i.event_date, i.id, i.seq FROM {source} WHERE {shapes_where}")
            numbers += shapes_params
        else:
            arms.append(f"SELECT i.event_date, i.id, i.seq FROM incidents AS i INDEXED BY "
                        f"{DEGREE_INDEX} WHERE {where} AND {DEGREE_SQL} = ?")
            numbers += [*params, degree]
    return f"{' UNION ALL '.join(arms)} ORDER BY 1 DESC, 2", numbers


def count_sql(query: IncidentQuery, *, grid: bool) -> tuple[str, list]:
    """SELECT count(*) of every match (from incident_layers when only the layer is asked);
    a bbox from the grid if ``grid``."""
    clauses = list(_clauses(query))
    if len(clauses) <= (query.layer is not None):
        where = "" if query.layer is None else " WHERE layer = ?"
        return f"SELECT coalesce(sum(count), 0) FROM incident_layers{where}", [
            *(() if query.layer is None else (query.layer,))]
    source, where, params = source_and_where(query, grid and query.bbox is not None)
    return f"SELECT count(*) FROM {source} WHERE {where}", params


def use_grid(conn: sqlite3.Connection, query: IncidentQuery) -> bool:
    """Whether to start from the grid rather than walk the date index (see DATE_WALK_COST);
    never while an import has put the grid index off."""
    return _grid_plan(conn, query)[0]


class PagePlan(NamedTuple):
    """How plan_page reads a page."""

    #: Whether to start from the grid.
    grid: bool
    #: The degree cells whose date indexes a page newest first merges, or None.
    degrees: tuple[int, ...] | None
    #: Whether the page is expected to be full: FULL_MARGIN times its end is estimated to
    #: match (the bbox's hits, times the share of them the other filters and the dates
    #: keep), so that counting the matches costs nothing the page would have saved.
    full: bool


#: See PagePlan.full: the estimate counts every incident of the cells the bbox meets.
FULL_MARGIN = 4


def plan_page(conn: sqlite3.Connection, query: IncidentQuery) -> PagePlan:
    """How to read a page: whether to start from the grid, and the degree cells whose date
    indexes a page newest first merges, or None: a dense bbox meeting at most MAX_DEGREES
    of them merges those (merge_sql, with -1 for the shapes when the bbox's cells hold
    some) rather than walking the whole layer's dates, when the index is there."""
    grid, days, hits, shapes = _grid_plan(conn, query)
    if (grid or not hits or query.limit is None or query.sort != "event_date"
            or query.layer is None or not has_index(conn, DEGREE_INDEX)):
        return PagePlan(grid, None, False)
    degrees = [cell for first, last in degree_ranges(query.bbox) for cell in range(first, last + 1)]
    if len(degrees) > MAX_DEGREES:
        return PagePlan(False, None, False)
    full = hits * _filter_share(query) * days >= FULL_MARGIN * (query.limit + query.offset)
    return PagePlan(False, (*degrees, *((-1,) if shapes else ())), full)


def _grid_plan(conn: sqlite3.Connection, query: IncidentQuery) -> tuple[bool, float, int, int]:
    """(whether to start from the grid, the share of the layer's days the query's dates
    cover, the bbox's hits as estimated, and how many of them are lines and polygons)."""
    if query.bbox is None or not has_grid_index(conn):
        return False, 1.0, 0, 0
    rows, first, last = conn.execute(*_layer_sql(query.layer)).fetchone() or (0, None, None)
    hits, shapes = _hits(conn, query.layer, query.bbox)
    days = _date_share(query, first, last)
    walk = rows * days
    if query.limit is not None and hits:
        walk = min(walk, (query.limit + query.offset) * rows / (hits * _filter_share(query)))
    return hits <= DATE_WALK_COST * walk, days, hits, shapes


def estimate_hits(conn: sqlite3.Connection, layer: str | None,
                  bbox: tuple[float, float, float, float]) -> int:
    """How many incidents the cells that meet ``bbox`` hold (all of each edge cell)."""
    return _hits(conn, layer, bbox)[0]


def _hits(conn: sqlite3.Connection, layer: str | None,
          bbox: tuple[float, float, float, float]) -> tuple[int, int]:
    """(estimate_hits, how many of them are lines and polygons: in cells of a level above 0)."""
    values, params = _ranges(bbox)
    layers = "incident_layers AS l CROSS JOIN " if layer is None else ""
    on = "c.layer = l.layer" if layer is None else "c.layer = ?"
    sql = (f"SELECT coalesce(sum(c.count), 0), coalesce(sum(c.count) FILTER (WHERE c.cell >= "
           f"{LEVEL}), 0) FROM {layers}{values} AS r CROSS JOIN incident_cells AS c ON {on} "
           f"AND c.cell BETWEEN r.column1 AND r.column2 WHERE {_REAL_ROW} AND {_CELL_BBOX}")
    args = [*params, *([] if layer is None else [layer]), *_box_params(bbox)]
    return conn.execute(sql, args).fetchone()


#: The properties that ``IncidentQuery.text`` searches in.
TEXT_FIELDS = ("summary", "quote", "location", "location_mention", "actor1", "actor2")
_TEXT_VALUES = operator.itemgetter(*TEXT_FIELDS)
_TEXT_ATTRIBUTES = operator.attrgetter(*TEXT_FIELDS)


def search_text(properties: dict) -> str:
    """The text that ``IncidentQuery.text`` searches in."""
    return "\n".join(filter(None, _TEXT_VALUES(properties)))


def search_text_of(properties: object) -> str:
    """search_text of properties held as attributes (a decoded struct's)."""
    return "\n".join(filter(None, _TEXT_ATTRIBUTES(properties)))


def like_pattern(text: str) -> str:
    """A LIKE pattern (ESCAPE '\\') for ``text`` anywhere: % and _ are plain characters.

    >>> print(like_pattern("50%_off"))
    %50\\%\\_off%
    """
    return "%{}%".format(text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))


def fts_match(text: str) -> str:
    """An FTS5 expression: every word must start a word of the text, in any order.

    >>> fts_match("al-Omar oil !")
    '"al-Omar"* AND "oil"*'
    """
    words = [word for word in text.split() if any(char.isalnum() for char in word)]
    return " AND ".join('"{}"*'.format(word.replace('"', '""'))
                        for word in words[:MAX_SEARCH_WORDS])


def _layer_sql(layer: str | None) -> tuple[str, list]:
    return (_ALL_LAYERS, []) if layer is None else (_LAYER, [layer])


def _date_share(query: IncidentQuery, first: str | None, last: str | None) -> float:
    """The share of a layer's days that the query's date range covers (1 without one)."""
    if not (query.start or query.end) or not first:
        return 1.0
    first, last = date.fromisoformat(first), date.fromisoformat(last)
    start, end = max(query.start or first, first), min(query.end or last, last)
    return max((end - start).days + 1, 0) / ((last - first).days + 1)


def _filter_share(query: IncidentQuery) -> float:
    """The guessed share of a bbox's incidents that the query's other filters keep."""
    share = 1.0
    for name, one in SHARE.items():
        value = getattr(query, name)
        if value is not None and value != ():
            share *= min(1.0, one * len(value)) if isinstance(value, tuple) else one
    return share


def source_and_where(query: IncidentQuery, grid: bool,
                     ranges: list[tuple[int, int]] | None = None) -> tuple[str, str, list]:
    """(FROM, WHERE, parameters) of the query's matches, aliased ``i``; from the grid, the
    cell ranges read are ``ranges`` (by default those of the query's bbox)."""
    where, params = _where(query)
    if not grid:
        return "incidents AS i", where, params
    values, ranges = _ranges(query.bbox) if ranges is None else values_table(ranges)
    if query.layer is None:  # the index starts with the layer: visit each one
        source = (f"incident_layers AS l CROSS JOIN {values} AS r CROSS JOIN incidents AS i "
                  "INDEXED BY incidents_layer_cell ON i.layer = l.layer")
    else:
        source = (f"{values} AS r CROSS JOIN incidents AS i INDEXED BY incidents_layer_cell "
                  "ON i.layer = ?")
        ranges = [*ranges, query.layer]
    return (f"{source} AND {CELL_SQL} BETWEEN r.column1 AND r.column2", f"{_REAL_ROW} AND {where}",
            [*ranges, *params])


def column_source_and_where(query: IncidentQuery,
                            strips: list[tuple[int, int, int]]) -> tuple[str, str, list]:
    """(FROM, WHERE, parameters) of the query's matches (it names its layer) among the
    points in ``strips`` of sub-cells, (column, first row, last row) each, aliased ``i``."""
    where, params = _where(query)
    source, numbers = _strips_source(strips)
    return source, f"{_REAL_ROW} AND {where}", [*numbers, query.layer, *params]


def sub_source_and_where(query: IncidentQuery,
                         runs: list[tuple[int, int, int]]) -> tuple[str, str, list]:
    """(FROM, WHERE, parameters) of the query's matches (it names its layer) in ``runs`` of
    point sub-cells, (cell, first sub, last sub) each, aliased ``i``."""
    where, params = _where(query)
    source, numbers = _runs_source(runs)
    return source, f"{_REAL_ROW} AND {where}", [*numbers, query.layer, *params]


def edge_points_sql(layer: str, bbox: tuple[float, float, float, float],
                    runs: list[tuple[int, int, int]],
                    strips: list[tuple[int, int, int]]) -> tuple[str, list]:
    """SELECT how many points of ``layer`` in ``bbox`` lie in ``runs`` of point sub-cells (as
    sub_source_and_where reads them) and in ``strips`` of sub-cell columns whose rows lie
    strictly inside the bbox (as column_source_and_where reads them), neither empty, for
    a query with no other filter. A point's bbox is its position, so its test is two
    ranges (a strip's only its longitudes'): a dense 1x1 count's 1,900 entries cost a
    quarter less than with the four sides of the bbox test."""
    minlon, minlat, maxlon, maxlat = bbox
    runs_source, runs_numbers = _runs_source(runs)
    strips_source, strips_numbers = _strips_source(strips)
    return (f"SELECT (SELECT count(*) FROM {runs_source} WHERE {_REAL_ROW} AND i.minlat "
            f"BETWEEN ? AND ? AND i.minlon BETWEEN ? AND ?) + (SELECT count(*) FROM "
            f"{strips_source} WHERE {_REAL_ROW} AND i.minlon BETWEEN ? AND ?)",
            [*runs_numbers, layer, minlat, maxlat, minlon, maxlon, *strips_numbers, layer,
             minlon, maxlon])


def _strips_source(strips: list[tuple[int, int, int]]) -> tuple[str, list]:
    values, numbers = values_table(strips)
    return (f"{values} AS r CROSS JOIN incidents AS i INDEXED BY {COLUMN_INDEX} ON "
            f"i.layer = ? AND {SUB_COLUMN_SQL} = r.column1 AND {SUB_ROW_SQL} BETWEEN "
            "r.column2 AND r.column3"), numbers


def _runs_source(runs: list[tuple[int, int, int]]) -> tuple[str, list]:
    values, numbers = values_table(runs)
    return (f"{values} AS r CROSS JOIN incidents AS i INDEXED BY incidents_layer_cell ON "
            f"i.layer = ? AND {CELL_SQL} = r.column1 AND {_SUB} BETWEEN r.column2 AND "
            "r.column3"), numbers


def _where(query: IncidentQuery, bbox: bool = True) -> tuple[str, list]:
    """(WHERE, parameters) of the query's filters, its bbox's test only if ``bbox``."""
    clauses, params = ["1"], []
    for clause, values in _clauses(query, bbox):
        clauses.append(clause)
        params.extend(values)
    return " AND ".join(clauses), params


def _ranges(bbox: tuple[float, float, float, float]) -> tuple[str, list[int]]:
    return values_table(cell_ranges(bbox))


def values_table(rows: list[tuple[int, ...]]) -> tuple[str, list[int]]:
    """A VALUES table of integer rows (column1, column2, ...) and its parameters, padded to
    a power of two rows with rows that match nothing (-1, ..., -1, -2: no cell is -1, and a
    range from -1 to -2 is empty), so that statements of like size share their text and
    so SQLite's compiled program (compiling one with the grid's expressions costs more
    than running it).

    >>> values_table([(3, 4, 5)] * 3)
    ('(VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?))', [3, 4, 5, 3, 4, 5, 3, 4, 5, -1, -1, -2])
    """
    width, size = len(rows[0]), 1 << (len(rows) - 1).bit_length()
    row = "({})".format(", ".join("?" * width))
    padded = [*rows, *[(*[-1] * (width - 1), -2)] * (size - len(rows))]
    return f"(VALUES {', '.join([row] * size)})", [n for values in padded for n in values]


def _clauses(q: IncidentQuery, bbox: bool = True) -> Iterator[tuple[str, list]]:
    if q.layer is not None:
        yield "i.layer = ?", [q.layer]
    if q.start:
        yield "i.event_date >= ?", [q.start.isoformat()]
    if q.end:
        yield "i.event_date <= ?", [q.end.isoformat()]
    if q.event_types:
        yield _in("i.event_type", q.event_types)
    if q.sub_event_types:  # the implied event types can be checked from an index
        yield _in("i.event_type", sorted({SUB_EVENT_TYPES[sub] for sub in q.sub_event_types}))
        yield _in("i.sub_event_type", q.sub_event_types)
    if q.countries:
        yield _in("i.country", q.countries)
    if q.admin1:
        yield _in(ADMIN1, q.admin1)
    if q.statuses:
        yield _in("i.status", q.statuses)
    if q.min_fatalities is not None:
        yield "i.fatalities >= ?", [q.min_fatalities]
    if q.precision is not None:
        yield "i.geo_precision <= ?", [q.precision]
    if q.actor_patterns:
        patterns = [like_pattern(actor) for actor in q.actor_patterns]
        one = "i.actor1 LIKE ? ESCAPE '\\' OR i.actor2 LIKE ? ESCAPE '\\'"
        yield "(" + " OR ".join([one] * len(patterns)) + ")", [p for pat in patterns for p in (pat, pat)]
    if q.text:
        yield ("i.seq IN (SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH ?)",
               [fts_match(q.text)])
    if q.bbox and bbox:
        yield _BBOX, _box_params(q.bbox)
    for condition in q.where:
        yield condition_sql(condition)


#: Queryable properties kept as columns; the others are read from the feature's JSON.
_COLUMNS = frozenset(("event_date", "event_type", "sub_event_type", "country", "status",
                      "actor1", "actor2", "fatalities", "geo_precision"))


def condition_sql(condition: Condition) -> tuple[str, list]:
    """SQL of one CQL2 condition; LIKE ignores ASCII case, as SQLite's does.

    >>> condition_sql(Condition("admin1", "=", "Deir ez-Zor"))
    ("json_extract(i.feature, '$.properties.admin1') = ?", ['Deir ez-Zor'])
    """
    name, op, value = condition.property, condition.op, condition.value
    column = f"i.{name}" if name in _COLUMNS else f"json_extract(i.feature, '$.properties.{name}')"
    if op == "isnull":
        return f"{column} IS NULL", []
    if op == "in":
        return _in(column, value)
    if op == "like":
        return f"{column} LIKE ? ESCAPE '\\'", [value]
    return f"{column} {op} ?", [value]


def _in(column: str, values: tuple | list) -> tuple[str, list]:
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)


def _box_params(bbox: tuple[float, float, float, float]) -> list[float]:
    minlon, minlat, maxlon, maxlat = bbox
    return [maxlon, minlon, maxlat, minlat]
