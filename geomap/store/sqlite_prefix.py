"""Summed-area tables of the sub-cell totals, one a degree cell, shared by a store's connections.

A count without type or status filters adds up the sub-cells strictly inside its bbox from
``incident_subcell_totals`` (migration 014): for a dense 1x1 box some 2,000 rows of its
edge cells, and the inner cells' summaries besides. A summed-area table of a degree cell's
64 x 64 sub-cells (each entry the total of the sub-cells west and south of it) answers any
rectangle of them in four look-ups, so that box needs sixteen. A table is built from the
totals when a count first needs it (about 1 ms) and is dropped as soon as the database has
changed since: each connection checks before each count, ``PRAGMA data_version`` telling
of every other connection's commits (another thread's, another process's) and its own
``total_changes`` of its own writes, and the first to see a change drops every table. So
the answers stay exact after every write, with any number of workers.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from array import array

from geomap.store.sqlite_grid import ROW, SUBDIVISION

#: Sub-cells along each side of a degree cell.
SIDE = 8 * SUBDIVISION
#: A count reads the tables of at most this many degree cells (a box of 3 x 3 degrees).
MAX_DEGREES = 16
#: Tables a store keeps (about 34 KB each); the oldest is dropped beyond.
MAX_TABLES = 256
_WIDTH = SIDE + 1  # a table has a row and a column of zeros first
_TOTALS = ("SELECT t.cell, t.sub, t.count FROM incident_subcell_totals AS t "
           "WHERE t.layer = ? AND t.cell BETWEEN ? AND ?")


class PrefixTables:
    """The summed-area tables of one store, shared by its connections' PrefixSums."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tables: dict[tuple[str, int], array] = {}
        #: Counts the times the tables were dropped: a table read before a drop is not kept.
        self.generation = 0


class PrefixSums:
    """One connection's reads of its store's summed-area tables."""

    def __init__(self, shared: PrefixTables | None = None) -> None:
        self._shared = PrefixTables() if shared is None else shared
        self._version: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self._shared.tables)

    def inside(self, conn: sqlite3.Connection, layer: str, columns: tuple[int, int],
               rows: tuple[int, int]) -> int | None:
        """How many points of ``layer`` lie in the sub-cells (1/64 degree, counted from -180
        and -90) from ``columns[0]`` to ``columns[1]`` and ``rows[0]`` to ``rows[1]``;
        None within a transaction of ``conn`` (what it wrote may yet be rolled back), or
        while a table it needs is missing after it built one: a count right after a write
        costs at most one table more than counting without them, and later ones build the
        rest."""
        if conn.in_transaction:
            return None
        generation, built, total = self._check(conn), False, 0
        for row in range(rows[0] // SIDE, rows[1] // SIDE + 1):
            for column in range(columns[0] // SIDE, columns[1] // SIDE + 1):
                table = self._shared.tables.get((layer, row * ROW + column))
                if table is None:
                    if built:
                        return None
                    table, built = self._build(conn, layer, row * ROW + column, generation), True
                (x0, x1), (y0, y1) = _local(columns, column), _local(rows, row)
                total += (table[(y1 + 1) * _WIDTH + x1 + 1] - table[y0 * _WIDTH + x1 + 1]
                          - table[(y1 + 1) * _WIDTH + x0] + table[y0 * _WIDTH + x0])
        return total

    def _check(self, conn: sqlite3.Connection) -> int:
        """Drop every table if the database changed since this connection last looked (or
        it never did); the generation of the tables it may use."""
        version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        shared = self._shared
        with shared.lock:
            if version != self._version:
                shared.tables.clear()
                shared.generation += 1
                self._version = version
            return shared.generation

    def _build(self, conn: sqlite3.Connection, layer: str, degree: int, generation: int) -> array:
        table = summed_area(conn, layer, degree)
        shared = self._shared
        with shared.lock:
            if shared.generation == generation:  # else read before a change: not kept
                if len(shared.tables) >= MAX_TABLES:
                    del shared.tables[next(iter(shared.tables))]
                shared.tables[(layer, degree)] = table
        return table


def summed_area(conn: sqlite3.Connection, layer: str, degree: int) -> array:
    """The summed-area table of a degree cell (numbered row * ROW + column, from -90 and
    -180): (SIDE + 1) ** 2 entries, the one at (y, x) the total of the sub-cells west of x
    and south of y within the cell."""
    row, column = divmod(degree, ROW)
    first_row, first_column = row * 8, column * 8  # its point cells (8 a degree)
    totals = array("q", bytes(8 * SIDE * SIDE))
    for cell_row in range(first_row, first_row + 8):
        first = cell_row * ROW + first_column
        for cell, sub, count in conn.execute(_TOTALS, (layer, first, first + 7)):
            x = (cell - first) * SUBDIVISION + sub % SUBDIVISION
            y = (cell_row - first_row) * SUBDIVISION + sub // SUBDIVISION
            totals[y * SIDE + x] = count
    table = array("q", bytes(8 * _WIDTH))
    above = [0] * _WIDTH
    for y in range(SIDE):
        line = itertools.accumulate(totals[y * SIDE:(y + 1) * SIDE], initial=0)
        above = [a + b for a, b in zip(above, line, strict=True)]
        table.extend(above)
    return table


def _local(span: tuple[int, int], degree: int) -> tuple[int, int]:
    """The part of ``span`` (sub-cells) within the ``degree``-th degree along its axis, as
    sub-cells of that degree (0 to SIDE - 1)."""
    return max(span[0] - degree * SIDE, 0), min(span[1] - degree * SIDE, SIDE - 1)
