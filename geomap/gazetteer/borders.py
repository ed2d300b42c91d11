"""How far a place lies outside a country, from the Natural Earth outlines the map ships
(``static/data/countries.geojson``): a place just across the border of the hinted country
is what a report may mean (the Rukban camp on the Syrian side of Jordan's Rukban).

The outlines are 1:110m, good to a few km: enough to tell "across the border" from "in
another part of the world", not to draw a border.
"""

from __future__ import annotations

import functools
import json
import math

import pycountry

from geomap.datafiles import data_folder

KM_PER_DEGREE = 111.2


@functools.cache
def _outlines() -> dict:
    """Each country's outline (shapely, prepared) by ISO alpha-2 code."""
    import shapely
    from shapely.geometry import shape

    path = data_folder("static") / "data" / "countries.geojson"
    outlines = {}
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        country = pycountry.countries.get(alpha_3=feature["properties"].get("iso_a3") or "")
        if country is not None:
            geometry = shape(feature["geometry"])
            shapely.prepare(geometry)
            outlines[country.alpha_2] = geometry
    return outlines


def km_outside(country: str, lat: float, lon: float) -> float | None:
    """About how many km (lat, lon) lies outside ``country`` (0 inside); None if unknown."""
    from shapely.geometry import Point

    outline = _outlines().get(country)
    if outline is None:
        return None
    point = Point(lon, lat)
    if outline.contains(point):
        return 0.0
    degrees = outline.distance(point)
    return degrees * KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.5)
