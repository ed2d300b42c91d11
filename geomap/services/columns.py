"""One flat table of columns for incidents: written by the CSV and GeoPackage exports,
read by the CSV and GeoPackage imports, so that export then import gives back the same
features. ACLED's export columns are read too (``event_id_cnty``, ``notes``, ``iso`` ...).

Values read are converted but not validated: ``parse_feature`` does that afterwards.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import BinaryIO

import orjson
import pycountry

from geomap.errors import ValidationError
from geomap.incident import PROPERTIES, SOURCE_FIELDS, representative_point

#: (column, property or source.field, kind, other column names read on import).
TABLE = (
    ("id", "id", "text", ("event_id_cnty",)),
    ("layer", "layer", "text", ()),
    ("event_date", "event_date", "date", ()),
    ("event_time", "event_time", "text", ()),
    ("time_precision", "time_precision", "int", ()),
    ("event_type", "event_type", "text", ()),
    ("sub_event_type", "sub_event_type", "text", ()),
    ("actor1", "actor1", "text", ()),
    ("actor2", "actor2", "text", ()),
    ("fatalities", "fatalities", "int", ()),
    ("injuries", "injuries", "int", ()),
    ("location", "location", "text", ()),
    ("location_mention", "location_mention", "text", ()),
    ("country", "country", "country", ("iso",)),
    ("admin1", "admin1", "text", ()),
    ("geo_precision", "geo_precision", "int", ()),
    ("gazetteer_id", "gazetteer_id", "text", ()),
    ("summary", "summary", "text", ("notes",)),
    ("quote", "quote", "text", ()),
    ("status", "status", "text", ()),
    ("created_at", "created_at", "text", ()),
    ("updated_at", "updated_at", "text", ()),
    ("latitude", "geometry", "float", ("lat",)),
    ("longitude", "geometry", "float", ("lon", "lng", "long")),
    ("geometry", "geometry", "json", ()),  # GeoJSON, only when not a 2-D Point
    ("source_title", "source.title", "text", ()),
    ("source_publisher", "source.publisher", "text", ("source",)),
    ("source_url", "source.url", "text", ()),
    ("source_published", "source.published", "text", ()),
    ("source_document", "source.document", "text", ()),
    ("extra", "extra", "json", ()),  # other properties, and the source's under "source"
)
COLUMNS = tuple(row[0] for row in TABLE)
#: Columns read into a property that are kept as they were written too, so that an ACLED
#: file round-trips (``iso`` also gives the country; ``country_name`` is ACLED's country).
ALSO_KEPT = frozenset(("iso",))
KNOWN = frozenset(name for row in TABLE for name in (row[0], *row[3])) - ALSO_KEPT
_PROPERTY_ROWS = tuple(row for row in TABLE if row[1] in PROPERTIES)
_SOURCE_ROWS = tuple(row for row in TABLE if row[1].startswith("source."))
#: (column names to read, property or source field, kind, whether in source), on import.
_READ_ROWS = tuple(((column, *others), prop.removeprefix("source."), kind,
                    prop.startswith("source.")) for column, prop, kind, others in
                   _PROPERTY_ROWS + _SOURCE_ROWS)
_KNOWN_PROPERTIES = frozenset(PROPERTIES)
_KNOWN_SOURCE = frozenset(SOURCE_FIELDS)
# ACLED's export tool writes 09 May 2020, its API 2020-05-09, a spreadsheet 9-May-20.
_ACLED_DATES = ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%B %d, %Y", "%d-%b-%y",
                "%d-%B-%y", "%d %b %y", "%d/%b/%Y")
_INTEGER = re.compile(r"[+-]?\d+")
_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def normalize_column(name: str) -> str:
    """A header as the table spells it: ``Event Date`` → ``event_date``."""
    return re.sub(r"[\s-]+", "_", name.strip().lstrip("\ufeff")).lower()


# --- features to rows ---------------------------------------------------------------------

def feature_to_row(feature: Mapping) -> tuple:
    """A parsed feature as one flat row, values in COLUMNS order (None when empty)."""
    props, geometry = feature["properties"], feature["geometry"]
    source = props.get("source") or {}
    lon, lat = representative_point(geometry)
    plain_point = geometry["type"] == "Point" and len(geometry["coordinates"]) == 2
    values = {"latitude": lat, "longitude": lon, "extra": _extra_json(props, source),
              "geometry": None if plain_point else orjson.dumps(geometry).decode()}
    for column, prop, _, _ in _PROPERTY_ROWS:
        values[column] = props.get(prop)
    for column, prop, _, _ in _SOURCE_ROWS:
        values[column] = source.get(prop[7:])
    return tuple(values[column] for column in COLUMNS)


def _extra_json(props: Mapping, source: Mapping) -> str | None:
    extra = {key: value for key, value in props.items() if key not in _KNOWN_PROPERTIES}
    source_extra = {key: value for key, value in source.items() if key not in _KNOWN_SOURCE}
    if source_extra:
        extra["source"] = source_extra
    return orjson.dumps(extra).decode() if extra else None


# --- rows to features ---------------------------------------------------------------------

def row_to_feature(cells: Mapping[str, object], geometry: Mapping | None = None) -> dict:
    """A raw Feature from one row keyed by normalised column names.

    ValidationError names the column whose value cannot be read; ``geometry`` (read
    from a GeoPackage) wins over the columns.
    """
    props, source = {}, {}
    for names, prop, kind, in_source in _READ_ROWS:
        value = read_cell(cells, names, kind)
        if value is not None:
            (source if in_source else props)[prop] = value
    extra = _object(read_cell(cells, ("extra",), "json") or {}, "extra")
    source.update(_object(extra.pop("source", None) or {}, "extra.source"))
    props.update(extra)
    props.update(_unknown_columns(cells))
    if _is_country_name(cells.get("country")):
        props["country_name"] = _text(cells["country"])
    if source:
        props["source"] = source
    return {"type": "Feature", "geometry": geometry or _row_geometry(cells), "properties": props}


def read_cell(cells: Mapping[str, object], names: tuple[str, ...], kind: str) -> object:
    """The first of ``names`` whose cell is filled and readable as ``kind``, or None."""
    error = None
    for name in names:
        value = cells.get(name)
        if _is_empty(value):
            continue
        try:
            return _READERS[kind](value)
        except (ValueError, TypeError, LookupError) as exc:
            error = error or ValidationError(name, f"{value!r} {exc}")
    if error:
        raise error
    return None


def _object(value: object, column: str) -> dict:
    if not isinstance(value, Mapping):
        raise ValidationError(column, "must be a JSON object")
    return dict(value)


def _unknown_columns(cells: Mapping[str, object]) -> dict:
    return {name: value for name, value in cells.items()
            if name not in KNOWN and not _is_empty(value)}


def _is_country_name(value: object) -> bool:
    return isinstance(value, str) and len(value.strip()) > 3 and not value.strip().isdigit()


def _row_geometry(cells: Mapping[str, object]) -> dict:
    given = read_cell(cells, ("geometry",), "json")
    if given is not None:
        return given
    lat = read_cell(cells, ("latitude", "lat"), "float")
    lon = read_cell(cells, ("longitude", "lon", "lng", "long"), "float")
    if lat is None or lon is None:
        raise ValidationError("latitude" if lat is None else "longitude", "is empty")
    return {"type": "Point", "coordinates": [lon, lat]}


def _is_empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _text(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _whole(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        raise ValueError("is not a whole number") from None


def _float(value: object) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError("is not a number") from None


def _json(value: object) -> object:
    try:
        return orjson.loads(value) if isinstance(value, str | bytes) else value
    except orjson.JSONDecodeError:
        raise ValueError("is not valid JSON") from None


def read_date(value: object) -> str:
    """``YYYY-MM-DD`` from ISO text, ACLED's ``07 April 2022`` or a date object."""
    if isinstance(value, datetime | date) or hasattr(value, "to_pydatetime"):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    if _ISO_DAY.match(text):
        return text[:10]
    for pattern in _ACLED_DATES:
        try:
            return datetime.strptime(text, pattern).strftime("%Y-%m-%d")
        except ValueError:
            continue
    raise ValueError("is not a date (2022-04-07, 07 April 2022 or 7-Apr-22)")


@lru_cache(maxsize=1024)
def read_country(value: object) -> str:
    """An alpha-2 code from a code, an ISO numeric code (ACLED's ``iso``) or a name."""
    text = str(int(value) if isinstance(value, float) else value).strip()
    if text.isdigit():
        text = text.zfill(3)
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        pass
    try:
        found = pycountry.countries.search_fuzzy(text)
    except LookupError:
        found = []
    if len(found) != 1:
        raise LookupError("is not a country name or ISO 3166 code")
    return found[0].alpha_2


_READERS = {"text": _text, "int": _whole, "float": _float, "json": _json, "date": read_date,
            "country": read_country}


_FORMULA_STARTS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (OWASP).

    Text starting with ``= + - @``, a tab or a carriage return gets a leading ``'``;
    numbers, and text that is exactly a number, stay as they are.

    >>> print(spreadsheet_safe('=HYPERLINK("http://x.example","click")'))
    '=HYPERLINK("http://x.example","click")
    >>> spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("-2"), spreadsheet_safe(-2), spreadsheet_safe("Mosul")
    ("'@SUM(A1)", '-2', -2, 'Mosul')
    """
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_spreadsheet_csv(header: Iterable[str], rows: Iterable[Iterable[object]], out: BinaryIO) -> int:
    """UTF-8 CSV: ``header``, then ``rows`` with every cell ``spreadsheet_safe``; returns how many rows.

    ``out`` stays open: the CSV is written through a wrapper that is flushed and let go of.
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow([spreadsheet_safe(value) for value in row])
            count += 1
        text.flush()
    finally:
        text.detach()
    return count
