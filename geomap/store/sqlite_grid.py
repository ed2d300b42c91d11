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
LEVEL = 1 << 24
ROW = 1 << 12
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
