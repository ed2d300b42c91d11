"""Export: the incidents matching one IncidentQuery to GeoJSON, CSV, KML, GeoPackage, ACLED's
CSV shape or a standalone HTML map. Every format but the map streams in constant memory.

CSV and GeoPackage share the flat table of :mod:`geomap.services.columns`, which the
CSV and GeoPackage readers read back: export then ingest gives the same features.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import quoteattr

from geomap.errors import ValidationError
from geomap.incident import DEFAULT_LAYER
from geomap.query import IncidentQuery, parse_query
from geomap.services import incidents
from geomap.services.acled import write_acled
from geomap.services.columns import COLUMNS, TABLE, feature_to_row, write_spreadsheet_csv
from geomap.services.html_map import write_html_map
from geomap.store import IncidentStore

FORMATS = ("geojson", "csv", "kml", "gpkg", "html", "acled")
SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".kml": "kml",
            ".gpkg": "gpkg", ".html": "html", ".htm": "html"}
GPKG_CHUNK = 10_000  # features written to a GeoPackage at a time
_KML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
             "<Document><name>{}</name>\n")
_KML_TAIL = "</Document></kml>\n"
#: event type → (KML style id, colour as rrggbb): the map page's colours (static/css).
KML_STYLES = {
    "Battles": ("battles", "d55e00"),
    "Explosions/Remote violence": ("explosions", "e69f00"),
    "Violence against civilians": ("civilians", "cc79a7"),
    "Protests": ("protests", "0072b2"),
    "Riots": ("riots", "009e73"),
    "Strategic developments": ("strategic", "56b4e9"),
}

__all__ = ["FORMATS", "export_query", "export_to", "format_for", "iter_csv_rows", "write_acled",
           "write_csv", "write_geojson", "write_gpkg", "write_html_map", "write_kml"]


def export_query(params: Mapping) -> IncidentQuery:
    """The query of ``parse_query``, without a page limit unless one is given."""
    query = parse_query(params)
    limit = params.get("limit")
    return query if limit not in (None, "", (), []) else replace(query, limit=None)


def format_for(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The export format: ``fmt`` when given, else the one the file name's suffix says."""
    fmt = fmt or SUFFIXES.get(Path(path).suffix.lower())
    if fmt not in FORMATS:
        raise ValidationError("format", f"say which format ({', '.join(FORMATS)}); the file "
                              f"name {os.fspath(path)!r} does not")
    return fmt


def export_to(store: IncidentStore, query: IncidentQuery, fmt: str,
              path: str | os.PathLike, **map_options) -> int:
    """Write the matches to ``path`` (``-``: stdout) in ``fmt``; return how many.

    The file appears whole or not at all: it is written beside and renamed when done.
    A layer that does not exist is refused (NotFoundError) before anything is written.
    """
    incidents.require_layer(store, query)
    if os.fspath(path) == "-":
        if fmt == "gpkg":
            raise ValidationError("output", "a GeoPackage needs a file name, not stdout")
        return _write(store, query, fmt, sys.stdout.buffer, **map_options)
    with _replacing(Path(path)) as partial:
        if fmt == "gpkg":
            return write_gpkg(store, query, partial)
        with partial.open("wb") as out:
            return _write(store, query, fmt, out, **map_options)


def _write(store: IncidentStore, query: IncidentQuery, fmt: str, out: BinaryIO,
           **map_options) -> int:
    if fmt == "html":
        return write_html_map(store, query, out, **map_options)
    writers = {"geojson": write_geojson, "csv": write_csv, "kml": write_kml, "acled": write_acled}
    return writers[fmt](store, query, out)


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    partial = Path(name)
    partial.unlink()  # writers create it; the GeoPackage driver wants no file there
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# --- GeoJSON ------------------------------------------------------------------------------

def write_geojson(store: IncidentStore, query: IncidentQuery, out: BinaryIO) -> int:
    """A FeatureCollection of the stored features' JSON, streamed as stored."""
    counted = _Counted(incidents.iter_feature_json(store, query))
    for chunk in incidents.iter_collection(counted):
        out.write(chunk)
    return counted.count


class _Counted:
    """An iterable that counts what passes through it."""

    def __init__(self, items):
        self.items, self.count = items, 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


# --- CSV ----------------------------------------------------------------------------------

def iter_csv_rows(store: IncidentStore, query: IncidentQuery) -> Iterator[tuple]:
    """One flat row per match, values in ``COLUMNS`` order (None when empty)."""
    for feature in incidents.iter_features(store, query):
        yield feature_to_row(feature)


def write_csv(store: IncidentStore, query: IncidentQuery, out: BinaryIO) -> int:
    """UTF-8 CSV: a header of ``COLUMNS``, then one row per match."""
    return write_spreadsheet_csv(COLUMNS, iter_csv_rows(store, query), out)


# --- KML ----------------------------------------------------------------------------------

def write_kml(store: IncidentStore, query: IncidentQuery, out: BinaryIO) -> int:
    """KML 2.2: one style per event type, one Placemark per match, every column under ExtendedData."""
    out.write(_KML_HEAD.format(kml_text(query.layer or DEFAULT_LAYER)).encode())
    out.write(kml_styles().encode())
    count = 0
    for feature in incidents.iter_features(store, query):
        out.write(placemark(feature).encode())
        count += 1
    out.write(_KML_TAIL.encode())
    return count


def placemark(feature: Mapping) -> str:
    """One feature as a KML Placemark, its text written so that no viewer runs it as markup."""
    p = feature["properties"]
    name = p.get("location") or p.get("location_mention") or p["sub_event_type"]
    data = "".join(f"<Data name={quoteattr(column)}><value>{kml_text(str(value))}</value></Data>"
                   for column, value in zip(COLUMNS, feature_to_row(feature), strict=True)
                   if value is not None and column != "geometry")
    return (f"<Placemark><name>{kml_text(name)}</name>"
            f"<description>{kml_text(p.get('summary') or '')}</description>"
            f"<styleUrl>#{KML_STYLES[p['event_type']][0]}</styleUrl>"
            f"<TimeStamp><when>{p['event_date']}</when></TimeStamp>"
            f"<ExtendedData>{data}</ExtendedData>{kml_geometry(feature['geometry'])}"
            "</Placemark>\n")


def kml_text(text: str) -> str:
    """Text for a KML element that viewers render as HTML (Google Earth, ArcGIS): the text
    HTML-escaped inside CDATA, so the viewer shows ``<script>`` rather than running it.

    >>> kml_text('<img src=x onerror="alert(1)"> & ]]>')
    '<![CDATA[&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; ]]&gt;]]>'
    """
    return f"<![CDATA[{html.escape(text)}]]>"  # escaped text holds no "]]>"


def kml_styles() -> str:
    """One Style per ACLED event type, in the map page's colours."""
    return "".join(
        f'<Style id="{style}"><IconStyle><color>ff{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}</color>'
        f"<scale>1.1</scale></IconStyle><LineStyle><color>ff{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}</color>"
        f"<width>2</width></LineStyle><PolyStyle><color>80{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}</color>"
        "</PolyStyle></Style>\n" for style, rgb in KML_STYLES.values())


def kml_geometry(geometry: Mapping) -> str:
    """A Point, LineString or Polygon in KML."""
    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        return f"<Point><coordinates>{_kml_coordinates([coords])}</coordinates></Point>"
    if geometry["type"] == "LineString":
        return f"<LineString><coordinates>{_kml_coordinates(coords)}</coordinates></LineString>"
    rings = [f"<LinearRing><coordinates>{_kml_coordinates(ring)}</coordinates></LinearRing>"
             for ring in coords]
    inner = "".join(f"<innerBoundaryIs>{ring}</innerBoundaryIs>" for ring in rings[1:])
    return f"<Polygon><outerBoundaryIs>{rings[0]}</outerBoundaryIs>{inner}</Polygon>"


def _kml_coordinates(positions) -> str:
    return " ".join(",".join(repr(float(number)) for number in position) for position in positions)


# --- GeoPackage ---------------------------------------------------------------------------

def write_gpkg(store: IncidentStore, query: IncidentQuery, path: str | os.PathLike) -> int:
    """A GeoPackage with typed columns (Date, Integer, Real, Text), GPKG_CHUNK rows at a time.

    Points go to a Point layer named after the query's layer; other geometries, if any, to
    one layer per geometry type beside it (``incidents_linestring``, ``incidents_polygon``),
    since a GeoPackage layer holds one geometry type.
    """
    features, count, written = incidents.iter_features(store, query), 0, set()
    layer = query.layer or DEFAULT_LAYER
    while chunk := list(itertools.islice(features, GPKG_CHUNK)):
        for kind, group in _by_geometry_type(chunk).items():
            name = layer if kind == "Point" else f"{layer}_{kind.lower().replace(' ', '_')}"
            _append_gpkg(path, name, kind, group, append=name in written)
            written.add(name)
        count += len(chunk)
    if not written:
        _append_gpkg(path, layer, "Point", [], append=False)
    return count


def _by_geometry_type(features: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for feature in features:
        geometry = feature["geometry"]
        positions = geometry["coordinates"]
        while isinstance(positions[0], list):
            positions = positions[0]
        kind = geometry["type"] + (" Z" if len(positions) == 3 else "")
        groups.setdefault(kind, []).append(feature)
    return groups


def _append_gpkg(path, layer: str, kind: str, features: list[dict], *, append: bool) -> None:
    import numpy
    import pyogrio.raw
    import shapely

    rows = [feature_to_row(feature) for feature in features]
    columns = [(number, column, kind_of) for number, (column, _, kind_of, _) in enumerate(TABLE)
               if column != "geometry"]
    data, masks = zip(*(_gpkg_column([row[number] for row in rows], kind_of)
                        for number, _, kind_of in columns), strict=True)
    shapes = numpy.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    pyogrio.raw.write(path, shapely.to_wkb(shapes), list(data), [c for _, c, _ in columns],
                      field_mask=list(masks), layer=layer, driver="GPKG", geometry_type=kind,
                      crs="EPSG:4326", append=append)


def _gpkg_column(values: list, kind: str) -> tuple:
    """(numpy array typed for the column's kind, mask of nulls or None)."""
    import numpy

    if kind == "int":
        return (numpy.array([value or 0 for value in values], dtype="int32"),
                numpy.array([value is None for value in values], dtype=bool))
    if kind == "float":
        return numpy.array([numpy.nan if v is None else v for v in values], dtype="float64"), None
    if kind == "date":
        return numpy.array([value or "NaT" for value in values], dtype="datetime64[D]"), None
    return numpy.array(values, dtype=object), None
