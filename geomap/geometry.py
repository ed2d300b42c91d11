"""GeoJSON geometries of incidents: Point, LineString and Polygon in WGS84 ``[lon, lat]``.

``parse_geometry`` refuses anything else with a :class:`~geomap.errors.ValidationError`
naming the field; ``geometry_bbox`` and ``representative_point`` read a parsed one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from geomap.errors import ValidationError

GEOMETRY_TYPES = ("Point", "LineString", "Polygon")
MAX_POSITIONS = 100_000
_KINDS = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
          dict: "an object", list: "a list", tuple: "a list"}


def parse_geometry(value: object, field: str = "geometry") -> dict:
    """A Point, LineString or Polygon in WGS84 ``[lon, lat]``, other members dropped.

    >>> parse_geometry({"type": "Point", "coordinates": [40, 35.5], "bbox": [0, 0, 0, 0]})
    {'type': 'Point', 'coordinates': [40.0, 35.5]}
    """
    if value is None:
        raise ValidationError(field, "is required: a Point, LineString or Polygon")
    if type(value) is not dict and not isinstance(value, Mapping):
        raise ValidationError(field, f"must be a GeoJSON geometry object, not {kind_of(value)}")
    kind = value.get("type")
    if kind not in _COORDINATES:
        raise ValidationError(f"{field}.type", f"must be Point, LineString or Polygon, not {kind!r}")
    return {"type": kind, "coordinates": _COORDINATES[kind](value.get("coordinates"),
                                                            f"{field}.coordinates")}


def _position(value: object, field: str) -> list[float]:
    if type(value) is list and len(value) == 2:  # the common case, decided without calls
        lon, lat = value
        if type(lon) is float and type(lat) is float and -180 <= lon <= 180 and -90 <= lat <= 90:
            return [lon, lat]
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise ValidationError(field, "a position must be [lon, lat] or [lon, lat, altitude]")
    for number in value:
        check_finite(number, field)
    lon, lat = value[0], value[1]
    if not -180 <= lon <= 180:
        raise ValidationError(field, f"longitude {lon} is outside -180..180")
    if not -90 <= lat <= 90:
        hint = "; GeoJSON positions are [lon, lat]" if -90 <= lon <= 90 else ""
        raise ValidationError(field, f"latitude {lat} is outside -90..90{hint}")
    return [float(number) for number in value]


def _line(value: object, field: str, minimum: int = 2) -> list[list[float]]:
    if not isinstance(value, list | tuple) or not minimum <= len(value) <= MAX_POSITIONS:
        raise ValidationError(field, f"must be a list of {minimum} to {MAX_POSITIONS:,} positions")
    return [_position(position, field) for position in value]


def _polygon(value: object, field: str) -> list[list[list[float]]]:
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError(field, "a polygon must be a list of linear rings")
    rings = [_line(ring, field, 4) for ring in value]
    for ring in rings:
        if ring[0] != ring[-1]:
            raise ValidationError(field, "a polygon ring must end where it starts")
    return rings


_COORDINATES = {"Point": _position, "LineString": _line, "Polygon": _polygon}


def geometry_bbox(geometry: Mapping) -> tuple[float, float, float, float]:
    """(minlon, minlat, maxlon, maxlat) of a parsed geometry.

    >>> geometry_bbox({"type": "LineString", "coordinates": [[44.3, 33.3], [43.1, 36.3]]})
    (43.1, 33.3, 44.3, 36.3)
    """
    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        return coords[0], coords[1], coords[0], coords[1]
    points = coords if geometry["type"] == "LineString" else coords[0]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def representative_point(geometry: Mapping) -> tuple[float, float]:
    """(lon, lat): the Point itself, or the centre of a line's or polygon's bbox."""
    minlon, minlat, maxlon, maxlat = geometry_bbox(geometry)
    return (minlon + maxlon) / 2, (minlat + maxlat) / 2


def kind_of(value: object) -> str:
    """How a refusal names a value's JSON kind: ``a string``, ``an object``, ``null``...

    >>> kind_of(None), kind_of([1]), kind_of(2.5)
    ('null', 'a list', 'a number')
    """
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def check_finite(value: object, field: str) -> None:
    """Refuse anything but a finite int or float (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"must be a number, not {kind_of(value)}")
    if not math.isfinite(value):
        raise ValidationError(field, f"must be a finite number, not {value}")
