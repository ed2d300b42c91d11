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


@functools.cache
def _bounds() -> dict:
    """Each country's bounding box (minlon, minlat, maxlon, maxlat)."""
    return {code: outline.bounds for code, outline in _outlines().items()}


def km_outside(country: str, lat: float, lon: float, within: float | None = None) -> float | None:
    """About how many km (lat, lon) lies outside ``country`` (0 inside); None if unknown.

    With ``within``, a place clearly farther than that from the country's bounding box is
    answered with the box's distance (a lower bound) without measuring the outline.
    """
    outline = _outlines().get(country)
    if outline is None:
        return None
    if within is not None:
        box_km = _km_outside_box(_bounds()[country], lat, lon)
        if box_km > within:
            return box_km
    from shapely.geometry import Point  # here: most places are answered by the box alone

    point = Point(lon, lat)
    if outline.contains(point):
        return 0.0
    degrees = outline.distance(point)
    return degrees * KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.5)


def _km_outside_box(box: tuple[float, float, float, float], lat: float, lon: float) -> float:
    """km_outside's measure to the box, at most km_outside's measure to the outline."""
    minlon, minlat, maxlon, maxlat = box
    degrees = max(minlat - lat, lat - maxlat, minlon - lon, lon - maxlon, 0.0)
    return degrees * KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.5)
