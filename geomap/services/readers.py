"""Files of incidents read one feature at a time: GeoJSON, GeoJSONSeq, CSV and GeoPackage.

Each reader yields ``(where, feature)`` pairs in constant memory, where ``where`` says
which feature it is (``features[12]``, ``line 13``, ``incidents fid 7``) and ``feature`` is
a raw Feature for ``parse_feature``, or the ValidationError that refused its row. A file
that cannot be read at all raises SourceError saying what is wrong (the caller names
the file).
``tick(position)`` is told how many bytes have been read, now and then.
"""

from __future__ import annotations

import csv
import functools
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import ijson
import orjson

from geomap.errors import SourceError, ValidationError
from geomap.incident_json import FeatureDecoder
from geomap.services.columns import normalize_column, row_to_feature
from geomap.services.geojson_lines import LineReading, iter_line_features
from geomap.services.json_bounds import MAX_FEATURE_BYTES, BoundedJSONFile

Item = tuple[str, "dict | ValidationError"]
Tick = Callable[[int], None]

TICK_EVERY = 1000  # features between progress reports
GPKG_CHUNK = 10_000  # features read from a GeoPackage at a time
MAX_LONE_FEATURE_BYTES = 50_000_000
_LATITUDE = ("latitude", "lat")
_LONGITUDE = ("longitude", "lon", "lng", "long")
_WGS84 = (None, "EPSG:4326", "OGC:CRS84")
_FORMULA_STARTS = "=+-@\t\r"  # what the CSV export guards with a leading "'"


def _no_tick(position: int) -> None:
    pass


# --- GeoJSON ------------------------------------------------------------------------------

def iter_geojson(path: Path, tick: Tick = _no_tick, *, typed: bool = False) -> Iterator[Item]:
    """A FeatureCollection (or a list of Features, or one Feature): a line at a time while
    it holds one Feature a line (geojson_lines.py), else streamed with ijson. ``typed``:
    the lines' features in stored form come typed (incident_json.py), for parse_any."""
    reading = LineReading()
    with _open(path, "rb") as f:
        if _skip_bom(f) == b"{":
            start = f.tell()
            yield from iter_line_features(f, reading, tick, FeatureDecoder() if typed else None)
            f.seek(start)
    if not reading.done:
        yield from iter_geojson_streamed(path, tick, skip=reading.count)
    elif reading.count == 0:
        yield from _lone_feature(path)


def iter_geojson_streamed(path: Path, tick: Tick = _no_tick, *, skip: int = 0) -> Iterator[Item]:
    """iter_geojson with ijson only, leaving out the first ``skip`` features."""
    with _open(path, "rb") as raw:
        prefix = "item" if _skip_bom(raw) == b"[" else "features.item"
        f = BoundedJSONFile(raw, prefix.count(".") + 1, "features[{}]".format)
        count = 0
        try:
            for count, obj in enumerate(ijson.items(f, prefix, use_float=True), 1):
                if count > skip:
                    yield f"features[{count - 1}]", obj
                if count % TICK_EVERY == 0:
                    tick(f.tell())
        except ijson.JSONError as exc:
            raise SourceError(f"not valid JSON (before byte {f.tell():,}): "
                              f"{_json_problem(exc)}") from None
        tick(f.tell())
    if count == 0:
        yield from _lone_feature(path)


def _skip_bom(f) -> bytes:
    """Step over a UTF-8 byte order mark; the first character that is not a space."""
    head = f.read(4096)
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    f.seek(start)
    return head[start:].lstrip()[:1]


def _lone_feature(path: Path) -> Iterator[Item]:
    """A file without ``features``: one Feature, an empty collection, or an error."""
    if path.stat().st_size > MAX_LONE_FEATURE_BYTES:
        raise SourceError("no 'features' list found")
    try:
        obj = orjson.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"not valid JSON: {exc}") from None
    kind = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
    if kind == "Feature":
        yield "feature", obj
    elif kind != "FeatureCollection" and obj != []:
        raise SourceError(f"not a GeoJSON FeatureCollection or Feature (type {kind!r})")


def iter_geojsonseq(path: Path, tick: Tick = _no_tick, *, typed: bool = False) -> Iterator[Item]:
    """GeoJSON text sequences: one Feature per line (RFC 8142 separators allowed); ``typed``
    as for iter_geojson."""
    decode = FeatureDecoder() if typed else None
    with _open(path, "rb") as f:
        position = 0
        for number, line in enumerate(_iter_lines(f, MAX_FEATURE_BYTES), 1):
            position += len(line)
            text = line.strip().lstrip(b"\x1e")
            if len(line) > MAX_FEATURE_BYTES:
                yield f"line {number}", ValidationError(
                    "line", f"longer than {MAX_FEATURE_BYTES:,} bytes (one feature's bound)")
            elif text:
                yield f"line {number}", (decode and decode(text)) or _json_line(text)
            if number % TICK_EVERY == 0:
                tick(position)
        tick(position)


def _iter_lines(f, limit: int) -> Iterator[bytes]:
    """Lines of a binary file; a line over ``limit`` bytes comes as ``limit + 1`` bytes, its
    rest skipped, so that one endless line cannot fill memory."""
    while line := f.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := f.readline(limit)) and not rest.endswith(b"\n"):
                pass
            line = line + b"\n"
        yield line


def _json_line(text: bytes) -> dict | ValidationError:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return ValidationError("line", f"not valid JSON: {exc}")


# --- CSV ----------------------------------------------------------------------------------

def iter_csv(path: Path, tick: Tick = _no_tick) -> Iterator[Item]:
    """Rows with latitude/longitude (or GeoJSON ``geometry``) columns, ACLED's included."""
    with _open(path, "r", encoding="utf-8-sig", newline="") as f:
        reader = None
        try:
            first = f.readline()
            delimiter = max(",;\t", key=first.count)
            # strict: an unterminated quote is an error at the end, not one row of the rest
            reader = csv.reader(itertools.chain([first], f), delimiter=delimiter, strict=True)
            yield from _csv_items(reader, lambda: tick(f.buffer.tell()))
        except UnicodeDecodeError:
            line = reader.line_num if reader else 1
            raise SourceError(f"not UTF-8 text (after line {line}); save it as UTF-8") from None
        except csv.Error as exc:
            raise SourceError(f"line {reader.line_num}: {exc}") from None


def _csv_items(reader, tick: Callable[[], None]) -> Iterator[Item]:
    header = [normalize_column(name) for name in next(reader, [])]
    check_header(header)
    for number, (start, row) in enumerate(_csv_rows(reader), 1):
        if any(cell.strip() for cell in row):
            yield f"line {start}", _csv_feature(header, row)
        if number % TICK_EVERY == 0:
            tick()
    tick()


def _csv_rows(reader) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, row); a quote left open names the line where it opened."""
    start = reader.line_num + 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise SourceError(f"line {start}: a quoted field is never closed, so the rest of "
                              f"the file (lines {start}-{reader.line_num}) was refused") from None
        raise SourceError(f"line {reader.line_num}: {exc}") from None


def check_header(header: list[str]) -> None:
    """SourceError unless the columns hold a position: latitude and longitude, or geometry."""
    if not header:
        raise SourceError("the file is empty; a CSV needs a header row")
    located = "geometry" in header or (
        any(name in header for name in _LATITUDE) and any(name in header for name in _LONGITUDE))
    if not located:
        raise SourceError("no latitude and longitude columns (its columns: "
                          f"{', '.join(header)[:300]})")


def _csv_feature(header: list[str], row: list[str]) -> dict | ValidationError:
    if len(row) != len(header):
        return ValidationError("row", f"has {len(row)} fields; the header has {len(header)}")
    try:
        return row_to_feature({name: _unguarded(cell) for name, cell in zip(header, row, strict=True)})
    except ValidationError as error:
        return error


def _unguarded(cell: str) -> str:
    """A cell as it was before the export's formula guard (``'=x`` → ``=x``), so CSV round-trips."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in _FORMULA_STARTS and cell[1:2] else cell


# --- GeoPackage ---------------------------------------------------------------------------

def iter_gpkg(path: Path, tick: Tick = _no_tick) -> Iterator[Item]:
    """Every layer with geometries, read GPKG_CHUNK features at a time, in WGS84."""
    size = path.stat().st_size
    for layer, info in _gpkg_layers(path):
        total, start = max(info["features"], 1), 0
        while not (frame := _read_chunk(path, layer, start, info["crs"])).empty:
            yield from _frame_items(frame, layer)
            start += len(frame)
            tick(min(size, size * start // total))


def _gpkg_layers(path: Path) -> list[tuple[str, dict]]:
    import pyogrio

    try:
        names = [name for name, kind in pyogrio.list_layers(path) if kind is not None]
        return [(name, pyogrio.read_info(path, layer=name)) for name in names]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise SourceError(f"not a readable GeoPackage: {exc}") from None


def _read_chunk(path: Path, layer: str, start: int, crs: str | None):
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, layer=layer, skip_features=start,
                                       max_features=GPKG_CHUNK, fid_as_index=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise SourceError(f"layer {layer!r} cannot be read after {start:,} features: {exc}") from None
    return frame if crs in _WGS84 or frame.empty else frame.to_crs(4326)


def _frame_items(frame, layer: str) -> Iterator[Item]:
    import shapely.geometry

    data = frame.drop(columns=frame.geometry.name)
    data.columns = [normalize_column(str(name)) for name in data.columns]
    data = data.astype(object).where(data.notna(), None)
    for fid, cells, geometry in zip(frame.index, data.to_dict("records"), frame.geometry.values,
                                    strict=True):
        shape = shapely.geometry.mapping(_single_part(geometry)) if geometry is not None else None
        try:
            yield f"{layer} fid {fid}", row_to_feature(cells, geometry=shape)
        except ValidationError as error:
            yield f"{layer} fid {fid}", error


def _single_part(geometry):
    """A multi-part geometry of one part as that part (GDAL often promotes to Multi*)."""
    if geometry.geom_type.startswith("Multi") and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    return geometry


# --- files --------------------------------------------------------------------------------

READERS: dict[str, Callable[..., Iterator[Item]]] = {
    ".geojson": iter_geojson, ".json": iter_geojson, ".geojsonl": iter_geojsonseq,
    ".geojsons": iter_geojsonseq, ".ndjson": iter_geojsonseq, ".jsonl": iter_geojsonseq,
    ".csv": iter_csv, ".gpkg": iter_gpkg,
}
#: The readers that can give features in stored form typed (incident_json.py).
TYPED_READERS: dict[str, Callable[..., Iterator[Item]]] = {
    suffix: functools.partial(reader, typed=True) for suffix, reader in READERS.items()
    if reader in (iter_geojson, iter_geojsonseq)}


def _open(path: Path, mode: str, **kwargs):
    try:
        return path.open(mode, **kwargs)
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror}") from None


def _json_problem(exc: Exception) -> str:
    """yajl's message, and the text where it stopped: ``parse error: ... at '{,]}'``."""
    lines = [line.strip() for line in str(exc).replace("\\n", "\n").splitlines()]
    message = lines[0].removeprefix("b'").rstrip(".") if lines else type(exc).__name__
    return f"{message} at {lines[1]!r}" if len(lines) > 2 and lines[1] else message
