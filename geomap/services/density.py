"""Density of the filtered set as H3 hexagons, built on the store's map aggregates.

A hexagon counts the incidents of the aggregate's cells whose centre of mass falls in it,
the cells being three zoom levels finer than the map (about 11 px, a quarter of a
hexagon's width or less): the total is exact, a hexagon's border is blurred by at most
one such cell. So every backend's aggregate, from its summaries, answers this too.
"""

from __future__ import annotations

import h3

from geomap.query import IncidentQuery
from geomap.services.incidents import get_aggregate
from geomap.store import IncidentStore

#: Hexagon resolution at zoom 5, and how many H3 resolutions one zoom level is worth
#: (an H3 resolution is sqrt(7) times finer, a zoom level 2 times).
BASE_ZOOM, BASE_RESOLUTION, PER_ZOOM = 5, 3, 0.712
MAX_RESOLUTION = 10
FINER_CELLS = 3


def resolution_for(zoom: int) -> int:
    """The H3 resolution whose hexagons are about 30 px wide at ``zoom``.

    >>> [resolution_for(z) for z in (2, 5, 7, 9, 12, 20)]
    [1, 3, 4, 6, 8, 10]
    """
    return max(0, min(MAX_RESOLUTION, round(BASE_RESOLUTION + (zoom - BASE_ZOOM) * PER_ZOOM)))


def get_density(store: IncidentStore, query: IncidentQuery, zoom: int) -> dict:
    """``{numberMatched, resolution, cells: [{h3, count, boundary}]}``, most first; the
    boundary is a closed ring of [lon, lat]. NotFoundError when the layer does not exist."""
    resolution = resolution_for(zoom)
    answer = get_aggregate(store, query, min(zoom + FINER_CELLS, 24))
    counts: dict[str, int] = {}
    for cell in answer["cells"]:
        hexagon = h3.latlng_to_cell(cell["lat"], cell["lon"], resolution)
        counts[hexagon] = counts.get(hexagon, 0) + cell["count"]
    cells = [{"h3": hexagon, "count": count, "boundary": _ring(hexagon)}
             for hexagon, count in sorted(counts.items(), key=lambda item: -item[1])]
    return {"numberMatched": answer["numberMatched"], "resolution": resolution, "cells": cells}


def _ring(hexagon: str) -> list[list[float]]:
    points = [[round(lon, 5), round(lat, 5)] for lat, lon in h3.cell_to_boundary(hexagon)]
    return [*points, points[0]]
