"""Counts, map cells and histograms from the summaries, scanning only what they cannot answer.

``incident_cell_types`` holds, per grid cell, event type and status, how many incidents
there are; ``incident_days`` the same per day. A point cell (level 0, 1/8 degree) wholly
inside a bbox is answered from its summary row; only the edge cells of the bbox, and the
cells of lines and polygons, are scanned with the bbox test. Filters the summaries do not
break down (sub-type, country, actor, text, fatalities, precision, and dates for cells)
send the whole question to a scan: the answers are exact either way.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import timedelta

from geomap.aggregate import WORLD
from geomap.query import IncidentQuery
from geomap.store.sqlite_grid import LEVEL, LEVELS, ROW, SUBDIVISION, cell_ranges, edge_runs, south_north_runs
from geomap.store.sqlite_indexes import COLUMN_INDEX, has_grid_index, has_index
from geomap.store.sqlite_prefix import MAX_DEGREES, SIDE, PrefixSums
from geomap.store.sqlite_query import (
    ADMIN1,
    column_source_and_where,
    edge_points_sql,
    like_pattern,
    source_and_where,
    sub_source_and_where,
    use_grid,
    values_table,
)

#: Query fields that never change what matches.
_PAGING = frozenset(("limit", "offset", "sort"))
#: The filters each summary breaks down by (besides the layer).
CELL_FILTERS = frozenset(("layer", "bbox", "event_types", "statuses"))
DAY_FILTERS = frozenset(("layer", "start", "end", "event_types", "statuses"))
ADMIN1_FILTERS = frozenset(("layer", "countries", "admin1", "event_types", "statuses"))
_PER_DEGREE = LEVELS[0][1]  # point cells per degree
#: Point cells along each side of a degree cell (incident_degree_types, migration 012).
DEGREE = 8
#: At most this many runs of sub-cells in one count (three parameters each; SQLite takes
#: 32,766): a bbox with more edge cells is counted scanning them whole.
MAX_RUNS = 4000
_COLUMNS = int(360 * _PER_DEGREE)
_ROWS = int(180 * _PER_DEGREE)
_CENTRE = "((i.minlon + i.maxlon) / 2)", "((i.minlat + i.maxlat) / 2)"
_BUCKET = {"day": "{d}", "week": "date({d}, '-6 days', 'weekday 1')",
           "month": "substr({d}, 1, 8) || '01'"}


def answerable(query: IncidentQuery, allowed: frozenset[str]) -> bool:
    """Whether a summary broken down by ``allowed`` filters answers ``query`` exactly."""
    if query.layer is None:
        return False
    return all(f.name in allowed or f.name in _PAGING or getattr(query, f.name) in (None, ())
               for f in fields(query))


def count(conn: sqlite3.Connection, query: IncidentQuery,
          prefix: PrefixSums | None = None) -> int | None:
    """How many incidents match, from the summaries (and ``prefix``, the summed-area tables
    of ``conn``, when given); None when they cannot say."""
    if query.bbox is None and answerable(query, DAY_FILTERS):
        where, params = _summary_where(query, "d", dates=True)
        sql = f"SELECT coalesce(sum(d.count), 0) FROM incident_days AS d WHERE {where}"
        return conn.execute(sql, params).fetchone()[0]
    if query.bbox is None and answerable(query, ADMIN1_FILTERS):
        where, params = _summary_where(query, "d", dates=False, places=True)
        sql = f"SELECT coalesce(sum(d.count), 0) FROM incident_admin1 AS d WHERE {where}"
        return conn.execute(sql, params).fetchone()[0]
    if query.bbox is None or not answerable(query, CELL_FILTERS) or not has_grid_index(conn) \
            or not has_index(conn, COLUMN_INDEX):
        return None  # the edge cells are read from the grid and sub-cell column indexes
    split = _split(conn, query)
    if split is None:
        return 0
    inner, edges, bbox = split
    if bbox != query.bbox:  # clipped to the layer's extent
        query = replace(query, bbox=bbox)
    counted = None if prefix is None else _prefix_count(conn, query, prefix, [
        pair for pair in edges if pair[0] >= LEVEL])
    if counted is not None:
        return counted
    degrees, inner = _degree_split(inner)
    points = [pair for pair in edges if pair[0] < LEVEL]
    runs = _edge_runs(conn, query, points)
    shapes = [pair for pair in edges if pair[0] >= LEVEL] if runs else edges
    # one statement a part: each is compiled once for its size (see values_table)
    return sum(conn.execute(sql, params).fetchone()[0] for sql, params in
               _count_parts(query, degrees, inner, runs or ([], [], []), shapes))


def _prefix_count(conn: sqlite3.Connection, query: IncidentQuery, prefix: PrefixSums,
                  shapes: list[tuple[int, int]]) -> int | None:
    """The count with the sub-cells strictly inside the (clipped) bbox from summed-area
    tables (sqlite_prefix), those on its edge scanned in one statement, and the ``shapes``
    cell ranges; None when the tables cannot tell: filters by type or status, a bbox
    under three sub-cells a side or meeting more than MAX_DEGREES degree cells (the
    inner ones are then read from incident_degree_types), or within a transaction."""
    (west, east), (south, north) = _sub_bounds(query.bbox)
    degrees = ((east - 1) // SIDE - (west + 1) // SIDE + 1) * (
        (north - 1) // SIDE - (south + 1) // SIDE + 1)
    if query.event_types or query.statuses or min(east - west, north - south) < 2 \
            or degrees > MAX_DEGREES:
        return None
    inside = prefix.inside(conn, query.layer, (west + 1, east - 1), (south + 1, north - 1))
    if inside is None:
        return None
    runs = south_north_runs((west, east), (south, north))
    counted = inside + conn.execute(*edge_points_sql(
        query.layer, query.bbox, runs, _column_strips(query.bbox))).fetchone()[0]
    if shapes:
        source, where, params = source_and_where(query, True, shapes)
        counted += conn.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]
    return counted


def _count_parts(query: IncidentQuery, degrees: list, inner: list, edge: tuple,
                 shapes: list) -> Iterable[tuple[str, list]]:
    """The statements (and parameters) whose counts add up to the query's: inner degree
    cells and cells from the summaries, the edge cells' sub-cells strictly inside, the
    sub-cells on the bbox's edge (its south and north rows, then its west and east
    columns) and the shapes scanned."""
    if degrees:
        values, where, params = _inner_sql(query, degrees, "incident_degree_types")
        yield f"SELECT coalesce(sum(t.count), 0) FROM {values} WHERE {where}", params
    if inner:
        values, where, params = _inner_sql(query, inner)
        yield f"SELECT coalesce(sum(t.count), 0) FROM {values} WHERE {where}", params
    cells, inside, scanned = edge
    if cells and not (query.event_types or query.statuses):
        values, where, params = _totals_sql(query, cells)
        yield f"SELECT coalesce(sum(t.count), 0) FROM {values} WHERE {where}", params
    elif inside:
        values, where, params = _subcells_sql(query, inside)
        yield f"SELECT coalesce(sum(t.count), 0) FROM {values} WHERE {where}", params
    if scanned:
        source, where, params = sub_source_and_where(query, scanned)
        yield f"SELECT count(*) FROM {source} WHERE {where}", params
    if cells and (strips := _column_strips(query.bbox)):
        source, where, params = column_source_and_where(query, strips)
        yield f"SELECT count(*) FROM {source} WHERE {where}", params
    if shapes:
        source, where, params = source_and_where(query, True, shapes)
        yield f"SELECT count(*) FROM {source} WHERE {where}", params


def _edge_runs(conn: sqlite3.Connection, query: IncidentQuery,
               edges: list[tuple[int, int]]) -> tuple[list, list, list] | None:
    """(cells, inside, scanned) for the point cell ranges ``edges`` on the bbox's edge:
    ranges of the cells holding incidents, the runs of their sub-cells (cell, first, last)
    strictly inside, counted from the summaries, and of those in the bbox's south and
    north sub-cell rows, scanned (sqlite_grid.edge_runs; its west and east sub-cell
    columns are scanned one range each, see _column_strips); None when there would be
    more than MAX_RUNS (the caller then scans the ranges as they are)."""
    if not edges or len(edges) > MAX_RUNS:
        return None
    columns, rows = _sub_bounds(query.bbox)
    values, numbers = values_table(edges)
    found = conn.execute(
        f"SELECT c.cell FROM {values} AS r CROSS JOIN incident_cells AS c ON "
        "c.layer = ? AND c.cell BETWEEN r.column1 AND r.column2 WHERE r.column1 >= 0",
        [*numbers, query.layer])
    cells, inside, scanned = [], [], []
    for (cell,) in found:
        if cells and cells[-1][1] + 1 == cell:
            cells[-1] = (cells[-1][0], cell)
        else:
            cells.append((cell, cell))
        on_edge, within = edge_runs(cell, columns, rows)
        scanned += [(cell, first, last) for first, last in on_edge]
        inside += [(cell, first, last) for first, last in within]
        if len(scanned) + len(inside) > MAX_RUNS:
            return None
    return cells, inside, scanned


def _column_strips(bbox: tuple[float, float, float, float]) -> list[tuple[int, int, int]]:
    """(sub-cell column, first row, last row) of the bbox's west and east edges between the
    sub-cell rows of its south and north edges (which edge_runs scans)."""
    (west, east), (south, north) = _sub_bounds(bbox)
    if north - south < 2:
        return []
    return [(column, south + 1, north - 1) for column in dict.fromkeys((west, east))]


def _sub_bounds(bbox: tuple[float, float, float, float]) -> tuple[tuple[int, int], ...]:
    """The first and last sub-cell column and row (counted from -180 and -90) meeting ``bbox``."""
    minlon, minlat, maxlon, maxlat = bbox
    per_degree = _PER_DEGREE * SUBDIVISION
    return (_cells(minlon, maxlon, 180, _COLUMNS * SUBDIVISION, per_degree),
            _cells(minlat, maxlat, 90, _ROWS * SUBDIVISION, per_degree))


def cell_rows(conn: sqlite3.Connection, query: IncidentQuery, size: float) -> Iterable[tuple]:
    """(column, row, type, count, sumlon, sumlat) of the matches in cells of ``size`` degrees."""
    factor = size * _PER_DEGREE
    if factor < 1 or not answerable(query, CELL_FILTERS) or not has_grid_index(conn):
        yield from _scanned_cells(conn, query, size)
        return
    split = _split(conn, query)
    if split is None:
        return
    inner, edges, bbox = split
    degrees, inner = _degree_split(inner) if factor >= DEGREE else ([], inner)
    for ranges, table, per_cell in ((degrees, "incident_degree_types", int(factor) // DEGREE),
                                    (inner, "incident_cell_types", int(factor))):
        if ranges:
            values, where, params = _inner_sql(query, ranges, table)
            yield from conn.execute(
                f"SELECT (t.cell % {ROW}) / ?, (t.cell / {ROW}) / ?, t.event_type, sum(t.count), "
                f"sum(t.sumlon), sum(t.sumlat) FROM {values} WHERE {where} GROUP BY 1, 2, 3",
                [per_cell, per_cell, *params])
    yield from _scanned_cells(conn, replace(query, bbox=bbox), size, edges)


def bucket_rows(conn: sqlite3.Connection, query: IncidentQuery, interval: str) -> Iterable[tuple]:
    """(bucket start, type, count, fatalities) of the matches per day, week or month."""
    if query.bbox is None and answerable(query, DAY_FILTERS):
        if interval == "month" and _whole_months(query):
            where, params = _summary_where(query, "d", dates=True, column="month")
            return conn.execute("SELECT d.month, d.event_type, sum(d.count), sum(d.fatalities) "
                                f"FROM incident_months AS d WHERE {where} GROUP BY 1, 2", params)
        where, params = _summary_where(query, "d", dates=True)
        bucket = _BUCKET[interval].format(d="d.event_date")
        return conn.execute(f"SELECT {bucket}, d.event_type, sum(d.count), sum(d.fatalities) "
                            f"FROM incident_days AS d WHERE {where} GROUP BY 1, 2", params)
    query = query.unpaged()
    source, where, params = source_and_where(query, use_grid(conn, query))
    bucket = _BUCKET[interval].format(d="i.event_date")
    return conn.execute(f"SELECT {bucket}, i.event_type, count(*), coalesce(sum(i.fatalities), 0)"
                        f" FROM {source} WHERE {where} GROUP BY 1, 2", params)


def division_rows(conn: sqlite3.Connection, query: IncidentQuery) -> Iterable[tuple]:
    """(country, admin1, type, count, sumlon, sumlat) of the matches per first-level division."""
    if query.bbox is None and answerable(query, ADMIN1_FILTERS):
        where, params = _summary_where(query, "d", dates=False, places=True)
        return conn.execute("SELECT d.country, d.admin1, d.event_type, sum(d.count), "
                            "sum(d.sumlon), sum(d.sumlat) FROM incident_admin1 AS d "
                            f"WHERE {where} GROUP BY 1, 2, 3", params)
    query = query.unpaged()
    source, where, params = source_and_where(query, use_grid(conn, query))
    x, y = _CENTRE
    return conn.execute(f"SELECT i.country, {ADMIN1}, i.event_type, count(*), sum({x}), "
                        f"sum({y}) FROM {source} WHERE {where} GROUP BY 1, 2, 3", params)


def actors(conn: sqlite3.Connection, layer: str, text: str | None, limit: int) -> list[dict]:
    """The layer's actors naming ``text`` (a case-insensitive substring, as the actor filter
    reads it), most named first."""
    pattern = like_pattern(text or "")
    rows = conn.execute("SELECT actor, count FROM incident_actors WHERE layer = ? AND actor "
                        "LIKE ? ESCAPE '\\' ORDER BY count DESC, actor LIMIT ?",
                        (layer, pattern, limit))
    return [{"name": name, "count": count} for name, count in rows]


def _scanned_cells(conn: sqlite3.Connection, query: IncidentQuery, size: float,
                   ranges: list[tuple[int, int]] | None = None) -> Iterable[tuple]:
    """Cell rows counted from the incidents themselves (from ``ranges`` of the grid if given)."""
    query = query.unpaged()
    grid = ranges is not None or use_grid(conn, query)
    source, where, params = source_and_where(query, grid, ranges)
    (x, y), columns, rows = _CENTRE, int(360 / size) - 1, int(180 / size) - 1
    sql = (f"SELECT min(CAST(({x} + 180) / ? AS INTEGER), ?), "
           f"min(CAST(({y} + 90) / ? AS INTEGER), ?), i.event_type, count(*), sum({x}), "
           f"sum({y}) FROM {source} WHERE {where} GROUP BY 1, 2, 3")
    return conn.execute(sql, [size, columns, size, rows, *params])


def _split(conn: sqlite3.Connection, query: IncidentQuery):
    """(inner point cells as row ranges, edge and shape cell ranges, the bbox clipped to the
    layer's extent), or None when the bbox misses the layer."""
    extent = conn.execute("SELECT minlon, minlat, maxlon, maxlat FROM incident_layers "
                          "WHERE layer = ?", (query.layer,)).fetchone()
    bbox = _clip(query.bbox or WORLD, extent)
    if bbox is None:
        return None
    first_col, last_col = _cells(bbox[0], bbox[2], 180, _COLUMNS)
    first_row, last_row = _cells(bbox[1], bbox[3], 90, _ROWS)
    inner, edges = [], []
    for row in range(first_row, last_row + 1):
        base = row * ROW
        if first_row < row < last_row and last_col - first_col >= 2:
            inner.append((base + first_col + 1, base + last_col - 1))
            edges.extend(((base + first_col,) * 2, (base + last_col,) * 2))
        else:
            edges.append((base + first_col, base + last_col))
    edges.extend(pair for pair in cell_ranges(bbox) if pair[0] >= LEVEL)  # lines, polygons
    return inner, edges, bbox


def _cells(low: float, high: float, offset: int, count: int,
           per_degree: float = _PER_DEGREE) -> tuple[int, int]:
    """The first and last point cell (or sub-cell) along one axis that meet [low, high].

    A cell strictly between them lies wholly inside: floating-point rounding is monotonic,
    and scaling by a power of two exact, so a point filed there is strictly within (low,
    high) too. A point on the antimeridian or a pole (lon 180, lat 90) is filed one past the
    ``count`` cells of the axis, so the last cell may be ``count``: a bbox reaching that far
    has it as its edge, and scans it.
    """
    first = math.floor((low + offset) * per_degree)
    last = math.floor((high + offset) * per_degree)
    return max(first, 0), min(last, count)


def _clip(bbox: tuple, extent: tuple | None) -> tuple[float, float, float, float] | None:
    if extent is None:
        return None
    minlon, minlat = max(bbox[0], extent[0]), max(bbox[1], extent[1])
    maxlon, maxlat = min(bbox[2], extent[2]), min(bbox[3], extent[3])
    if minlon > maxlon or minlat > maxlat:
        return None
    return minlon, minlat, maxlon, maxlat


def _inner_sql(query: IncidentQuery, inner: list[tuple[int, int]],
               table: str = "incident_cell_types") -> tuple[str, str, list]:
    """(FROM, WHERE, parameters) of the summary rows of the inner cells (of ``table``: the
    point cells', or the degree cells'), aliased ``t``."""
    values, numbers = values_table(inner)
    where, params = _summary_where(query, "t", dates=False)
    source = f"{values} AS r CROSS JOIN {table} AS t ON t.cell BETWEEN r.column1 AND r.column2"
    return source, f"r.column1 >= 0 AND {where}", [*numbers, *params]


def _degree_split(inner: list[tuple[int, int]]) -> tuple[list, list]:
    """(degree cell ranges, point cell ranges): the 1-degree cells (DEGREE point cells a side,
    numbered as the grid numbers its cells) that lie wholly among the ``inner`` point cell
    ranges (a rectangle, one range a row), and the point cells of it they leave.

    >>> degrees, left = _degree_split([(row * ROW + 5, row * ROW + 30) for row in range(3, 20)])
    >>> degrees == [(1 * ROW + 1, 1 * ROW + 2)], len(left)  # rows 8-15: two ranges each
    (True, 25)
    """
    if not inner:
        return [], inner
    first_row, last_row = inner[0][0] // ROW, inner[-1][0] // ROW
    first_col, last_col = inner[0][0] % ROW, inner[0][1] % ROW
    west, east = -(-first_col // DEGREE), (last_col + 1) // DEGREE - 1
    south, north = -(-first_row // DEGREE), (last_row + 1) // DEGREE - 1
    if west > east or south > north:
        return [], inner
    degrees = [(row * ROW + west, row * ROW + east) for row in range(south, north + 1)]
    left = []
    for low, high in inner:
        row = low // ROW
        if not south * DEGREE <= row < (north + 1) * DEGREE:
            left.append((low, high))
            continue
        base = row * ROW
        left += [pair for pair in ((low, base + west * DEGREE - 1),
                                   (base + (east + 1) * DEGREE, high)) if pair[0] <= pair[1]]
    return degrees, left


def _totals_sql(query: IncidentQuery, split: list[tuple[int, int]]) -> tuple[str, str, list]:
    """(FROM, WHERE, parameters) of the sub-cell totals of the ``split`` point cell ranges
    that lie strictly inside the query's bbox, aliased ``t``: one seek a range (a row of
    edge cells is one), the sub-cells told apart by their position as sqlite_grid numbers
    them, instead of one seek a run of sub-cells."""
    values, numbers = values_table(split)
    (west, east), (south, north) = _sub_bounds(query.bbox)
    source = (f"{values} AS r CROSS JOIN incident_subcell_totals AS t ON t.layer = ? AND "
              "t.cell BETWEEN r.column1 AND r.column2")
    inside = (f"(t.cell % {ROW}) * {SUBDIVISION} + t.sub % {SUBDIVISION} BETWEEN ? AND ? AND "
              f"(t.cell / {ROW}) * {SUBDIVISION} + t.sub / {SUBDIVISION} BETWEEN ? AND ?")
    return source, f"r.column1 >= 0 AND {inside}", [
        *numbers, query.layer, west + 1, east - 1, south + 1, north - 1]


def _subcells_sql(query: IncidentQuery, runs: list[tuple[int, int, int]]) -> tuple[str, str, list]:
    """(FROM, WHERE, parameters) of the sub-cell summary rows in ``runs``, aliased ``t``."""
    values, numbers = values_table(runs)
    where, params = _summary_where(query, "t", dates=False)
    source = (f"{values} AS r CROSS JOIN incident_subcells AS t ON t.cell = r.column1 "
              "AND t.sub BETWEEN r.column2 AND r.column3")
    return source, f"r.column1 >= 0 AND {where}", [*numbers, *params]


def _whole_months(query: IncidentQuery) -> bool:
    """Whether the query's dates, if any, start on a month's first day and end on its last
    (so that incident_months answers them: its rows are named by their first day)."""
    return ((query.start is None or query.start.day == 1)
            and (query.end is None or (query.end + timedelta(days=1)).day == 1))


def _summary_where(query: IncidentQuery, alias: str, *, dates: bool, places: bool = False,
                   column: str = "event_date") -> tuple[str, list]:
    clauses, params = [f"{alias}.layer = ?"], [query.layer]
    if dates and query.start:
        clauses.append(f"{alias}.{column} >= ?")
        params.append(query.start.isoformat())
    if dates and query.end:
        clauses.append(f"{alias}.{column} <= ?")
        params.append(query.end.isoformat())
    filters = [("event_type", query.event_types), ("status", query.statuses)]
    if places:
        filters += [("country", query.countries), ("admin1", query.admin1)]
    for column, values in filters:
        if values:
            clauses.append(f"{alias}.{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    return " AND ".join(clauses), params
