"""The coordinate reference systems geomap serves besides its own (OGC API – Features Part 2).

Incidents are stored in CRS84: longitude, latitude in WGS 84. EPSG:4326 is the same datum
with the axes the other way round (latitude first); EPSG:3857 (web Mercator, metres) is
projected with pyproj. ``parse_crs`` turns a client's URI into one of these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

from geomap.errors import ValidationError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
SUPPORTED = (CRS84, EPSG_4326, EPSG_3857)
#: Other spellings clients send, e.g. a safe CURIE ``[EPSG:4326]`` or ``EPSG:3857``.
_ALIASES = {"ogc:crs84": CRS84, "crs84": CRS84, "epsg:4326": EPSG_4326, "epsg:3857": EPSG_3857,
            "http://www.opengis.net/def/crs/ogc/1.3/crs84": CRS84,
            "https://www.opengis.net/def/crs/ogc/1.3/crs84": CRS84,
            "http://www.opengis.net/def/crs/epsg/0/4326": EPSG_4326,
            "https://www.opengis.net/def/crs/epsg/0/4326": EPSG_4326,
            "http://www.opengis.net/def/crs/epsg/0/3857": EPSG_3857,
            "https://www.opengis.net/def/crs/epsg/0/3857": EPSG_3857}
_MERCATOR_LAT = 85.06  # web Mercator stops short of the poles


def parse_crs(value: str | None, field: str = "crs") -> str:
    """The URI of a supported CRS (CRS84 when absent), or ValidationError naming ``field``.

    >>> parse_crs("[EPSG:4326]") == EPSG_4326, parse_crs(None) == CRS84
    (True, True)
    """
    if value is None or not value.strip():
        return CRS84
    found = _ALIASES.get(value.strip().strip("[]").lower())
    if found is None:
        raise ValidationError(field, f"{value!r} is not a CRS this server offers: "
                              f"{', '.join(SUPPORTED)}")
    return found


def bbox_to_crs84(bbox: tuple[float, float, float, float], crs: str
                  ) -> tuple[float, float, float, float]:
    """A bbox given in ``crs`` (its axis order) as minlon, minlat, maxlon, maxlat.

    >>> bbox_to_crs84((34.5, 40.0, 35.5, 41.0), EPSG_4326)
    (40.0, 34.5, 41.0, 35.5)
    """
    if crs == CRS84:
        return bbox
    if crs == EPSG_4326:
        minlat, minlon, maxlat, maxlon = bbox
        return minlon, minlat, maxlon, maxlat
    minlon, minlat, maxlon, maxlat = _to_lonlat().transform_bounds(*bbox)
    return minlon, minlat, maxlon, maxlat


def transform_feature(feature: Mapping, crs: str) -> dict:
    """The feature with its geometry's positions in ``crs``."""
    if crs == CRS84:
        return dict(feature)
    move = _position_mover(crs)
    geometry = feature["geometry"]
    return {**feature, "geometry": {**geometry, "coordinates": _moved(geometry["coordinates"], move)}}


def _moved(coordinates: list, move: Callable[[list], list]) -> list:
    if coordinates and isinstance(coordinates[0], list):
        return [_moved(part, move) for part in coordinates]
    return move(coordinates)


def _position_mover(crs: str) -> Callable[[list], list]:
    if crs == EPSG_4326:
        return lambda position: [position[1], position[0], *position[2:]]
    to_mercator = _to_mercator()

    def project(position: list) -> list:
        lat = max(-_MERCATOR_LAT, min(_MERCATOR_LAT, position[1]))
        x, y = to_mercator.transform(position[0], lat)
        return [round(x, 3), round(y, 3), *position[2:]]  # millimetres
    return project


@lru_cache(maxsize=1)
def _to_mercator():
    import pyproj

    return pyproj.Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)


@lru_cache(maxsize=1)
def _to_lonlat():
    import pyproj

    return pyproj.Transformer.from_crs("EPSG:3857", "OGC:CRS84", always_xy=True)
