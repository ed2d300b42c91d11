"""The grid that stands in for a spatial index: each incident gets one integer ``cell``.

A B-tree index on (layer, cell, ...) finds the incidents in a bbox as a few ranges of
cells, much as an R*Tree would, at a quarter of an R*Tree's cost per insert.

Points are filed in 1/8-degree cells. A line or polygon is filed by the corner
(minlon, minlat) of its bbox, in the first level whose cells are at least twice its
extent (1/8, 1 or 8 degrees; larger ones share one cell), so a query finds it by looking
one cell further west and south at those levels. Cells are numbered row by row (south to
north, west to east): one row of a bbox is one range of cells. Cell sizes are powers of
two, so SQLite (migration 002 computes ``cell`` as a generated column with the same
arithmetic) and Python get the very same numbers.
"""

from __future__ import annotations

import functools

#: The cell of the row aliased ``i`` as migration 002's generated column computes it; the
#: grid index (migration 009) is on this very expression, which makes it a covering index.
CELL_SQL = """(CASE
    WHEN max(i.maxlon - i.minlon, i.maxlat - i.minlat) <= 0.0 THEN
        CAST((i.minlat + 90) * 8.0 AS INTEGER) * 4096 + CAST((i.minlon + 180) * 8.0 AS INTEGER)
    WHEN max(i.maxlon - i.minlon, i.maxlat - i.minlat) <= 0.0625 THEN 16777216
        + CAST((i.minlat + 90) * 8.0 AS INTEGER) * 4096 + CAST((i.minlon + 180) * 8.0 AS INTEGER)
    WHEN max(i.maxlon - i.minlon, i.maxlat - i.minlat) <= 0.5 THEN 33554432
        + CAST((i.minlat + 90) * 1.0 AS INTEGER) * 4096 + CAST((i.minlon + 180) * 1.0 AS INTEGER)
    WHEN max(i.maxlon - i.minlon, i.maxlat - i.minlat) <= 4.0 THEN 50331648
        + CAST((i.minlat + 90) * 0.125 AS INTEGER) * 4096 + CAST((i.minlon + 180) * 0.125 AS INTEGER)
    ELSE 67108864 END)"""
#: The 1-degree cell of a point (row * ROW + column, from -90 and -180), -1 for a line or
#: polygon, as migration 015's date index within degree cells computes it.
DEGREE_SQL = """(CASE WHEN max(i.maxlon - i.minlon, i.maxlat - i.minlat) <= 0.0 THEN
    CAST(i.minlat + 90 AS INTEGER) * 4096 + CAST(i.minlon + 180 AS INTEGER) ELSE -1 END)"""
#: A point's sub-cell column and row (1/64 degree, from -180 and -90), -1 for a line or
#: polygon, as migration 016's index computes them.
SUB_COLUMN_SQL = """(CASE WHEN max(i.maxlon - i.minlon, i.maxlat - i.minlat) <= 0.0 THEN
    CAST((i.minlon + 180) * 64.0 AS INTEGER) ELSE -1 END)"""
SUB_ROW_SQL = """(CASE WHEN max(i.maxlon - i.minlon, i.maxlat - i.minlat) <= 0.0 THEN
    CAST((i.minlat + 90) * 64.0 AS INTEGER) ELSE -1 END)"""
#: A point cell's sub-cell, 0..63: eight by eight sub-cells of 1/64 degree, row by row,
#: so that a count reads the sub-cells of an edge cell wholly inside a bbox from
#: ``incident_subcells`` and scans only those on the bbox's edge (migration 010 indexes
#: it after the cell). Lines and polygons are all in sub-cell 0.
SUB_SQL = """(CASE WHEN max({t}maxlon - {t}minlon, {t}maxlat - {t}minlat) <= 0.0 THEN
    (CAST(({t}minlat + 90) * 64.0 AS INTEGER) % 8) * 8 + CAST(({t}minlon + 180) * 64.0 AS INTEGER) % 8
    ELSE 0 END)"""
LEVEL = 1 << 24
ROW = 1 << 12
#: Sub-cells along each side of a point cell.
SUBDIVISION = 8
#: (largest bbox extent in degrees, cells per degree) of each level; level 0 holds points.
LEVELS = ((0.0, 8.0), (0.0625, 8.0), (0.5, 1.0), (4.0, 0.125))
#: Above this many rows of cells, a level is read as one range and filtered on the bbox.
MAX_ROW_RANGES = 40


def cell_of(minlon: float, minlat: float, maxlon: float, maxlat: float) -> int:
    """The cell of a bbox, as the generated column computes it.

    >>> cell_of(44.3661, 33.3152, 44.3661, 33.3152) == (123 * 8 + 2) * ROW + 224 * 8 + 2
    True
    >>> cell_of(40.0, 35.0, 40.5, 35.2) // LEVEL, cell_of(-180, -90, 180, 90) // LEVEL
    (2, 4)
    """
    extent = max(maxlon - minlon, maxlat - minlat)
    for level, (largest, per_degree) in enumerate(LEVELS):
        if extent <= largest:
            return (level * LEVEL + int((minlat + 90) * per_degree) * ROW
                    + int((minlon + 180) * per_degree))
    return len(LEVELS) * LEVEL


def sub_of(lon: float, lat: float) -> int:
    """The sub-cell of a point within its cell, as SUB_SQL computes it.

    >>> sub_of(44.0 + 3 / 64 + 0.001, 33.0 + 5 / 64 + 0.001)
    43
    """
    per_degree = LEVELS[0][1] * SUBDIVISION
    return (int((lat + 90) * per_degree) % SUBDIVISION) * SUBDIVISION + int(
        (lon + 180) * per_degree) % SUBDIVISION


def degree_ranges(bbox: tuple[float, float, float, float]) -> list[tuple[int, int]]:
    """(first, last) 1-degree cells (as DEGREE_SQL numbers them) of the points in ``bbox``, a
    range a row.

    >>> degree_ranges((44.2, 33.5, 45.1, 34.0)) == [(123 * ROW + 224, 123 * ROW + 225),
    ...                                              (124 * ROW + 224, 124 * ROW + 225)]
    True
    """
    minlon, minlat, maxlon, maxlat = bbox
    first_col, last_col = int(max(minlon, -180) + 180), int(min(maxlon, 180) + 180)
    return [(row * ROW + first_col, row * ROW + last_col)
            for row in range(int(max(minlat, -90) + 90), int(min(maxlat, 90) + 90) + 1)]


def cell_ranges(bbox: tuple[float, float, float, float]) -> list[tuple[int, int]]:
    """(first, last) cell ranges that hold every incident whose bbox meets ``bbox``.

    >>> ranges = cell_ranges((44.0, 33.0, 44.2, 33.2))
    >>> ranges[0] == (cell_of(44.0, 33.0, 44.0, 33.0), cell_of(44.2, 33.0, 44.2, 33.0))
    True
    >>> len(ranges)  # 2 rows of points, 3 of small shapes, 2 of middling, 2 of large, 1
    10
    """
    minlon, minlat, maxlon, maxlat = bbox
    ranges = []
    for level, (largest, per_degree) in enumerate(LEVELS):
        margin = 1 if largest else 0  # a line's corner may lie one cell west or south
        first_row = max(int((minlat + 90) * per_degree) - margin, 0)
        last_row = int((maxlat + 90) * per_degree)
        first_col = max(int((minlon + 180) * per_degree) - margin, 0)
        last_col = int((maxlon + 180) * per_degree)
        base = level * LEVEL
        if last_row - first_row >= MAX_ROW_RANGES:
            ranges.append((base + first_row * ROW + first_col, base + last_row * ROW + last_col))
            continue
        ranges.extend((base + row * ROW + first_col, base + row * ROW + last_col)
                      for row in range(first_row, last_row + 1))
    everything = len(LEVELS) * LEVEL
    ranges.append((everything, everything))
    return ranges


def edge_runs(cell: int, columns: tuple[int, int], rows: tuple[int, int]) -> tuple:
    """(edge, inside): runs (first sub, last sub) of the point ``cell``'s sub-cells in the
    sub-cell rows of a bbox's south and north edges, whose incidents the bbox test decides
    one by one, and of those strictly inside, counted from their summary. The sub-cells
    of its west and east edges are in neither: they are read a column at a time (migration
    016's index). Adjacent runs of one kind are joined.

    ``columns`` and ``rows`` are the first and last sub-cell (1/64 degree, counted from
    -180 and -90) that meet the bbox along each axis; the sub-cells strictly between them
    lie wholly inside. Cells cut alike share their runs (cached), so that a count reads
    its edge cells' runs without working each one out again.

    >>> cell = ROW + 1  # the bbox's south-west corner lies in its sub-cell 2 (2, 0)
    >>> edge, inside = edge_runs(cell, (8 + 2, 99), (8 + 0, 99))
    >>> edge  # the south edge's row; the west edge's column (2) in neither
    ((2, 7),)
    >>> inside
    ((11, 15), (19, 23), (27, 31), (35, 39), (43, 47), (51, 55), (59, 63))
    >>> edge_runs(cell, (0, 99), (8 + 5, 99))  # south of the bbox's edge
    (((40, 47),), ((48, 63),))
    """
    column, row = cell % ROW * SUBDIVISION, cell // ROW * SUBDIVISION
    last = SUBDIVISION - 1
    return _edge_pattern(max(columns[0] - column, 0), min(columns[1] - column, last),
                         max(rows[0] - row, 0), min(rows[1] - row, last),
                         (columns[0] >= column, columns[1] <= column + last,
                          rows[0] >= row, rows[1] <= row + last))


def south_north_runs(columns: tuple[int, int], rows: tuple[int, int]) -> list[tuple[int, int, int]]:
    """(cell, first sub, last sub) runs of the point sub-cells in a bbox's south and north
    sub-cell rows (edge_runs' edge runs of each cell along them), from the first and last
    sub-cell ``columns`` and ``rows`` that meet the bbox.

    >>> south_north_runs((8 + 2, 8 + 9), (8 + 0, 8 + 5)) == [  # both rows in cells ROW + 1, 2
    ...     (ROW + 1, 2, 7), (ROW + 1, 42, 47), (ROW + 2, 0, 1), (ROW + 2, 40, 41)]
    True
    """
    return [(cell, first, last)
            for row in dict.fromkeys((rows[0] // SUBDIVISION, rows[1] // SUBDIVISION))
            for column in range(columns[0] // SUBDIVISION, columns[1] // SUBDIVISION + 1)
            for cell in (row * ROW + column,)
            for first, last in edge_runs(cell, columns, rows)[0]]


@functools.lru_cache(maxsize=4096)
def _edge_pattern(west: int, east: int, south: int, north: int,
                  sides: tuple[bool, bool, bool, bool]) -> tuple[tuple, tuple]:
    """edge_runs of a cell whose sub-cells from (west, south) to (east, north) meet the
    bbox, and which of its sides (west, east, south, north) the bbox's edge crosses."""
    edge: list[tuple[int, int]] = []
    inside: list[tuple[int, int]] = []
    cut_west, cut_east, cut_south, cut_north = sides
    low, high = west + cut_west, east - cut_east
    for sub_row in range(south, north + 1):
        base = sub_row * SUBDIVISION
        if (sub_row == south and cut_south) or (sub_row == north and cut_north):
            _add_run(edge, base + west, base + east)
        elif low <= high:
            _add_run(inside, base + low, base + high)
    return tuple(edge), tuple(inside)


def _add_run(runs: list, first: int, last: int) -> None:
    if runs and runs[-1][1] + 1 == first:
        runs[-1] = (runs[-1][0], last)
    else:
        runs.append((first, last))
