"""The incident: one GeoJSON Feature (RFC 7946) with ACLED-compatible properties.

``parse_feature`` is the one gate every incident passes before it is stored, served
or exported; it refuses bad input with a :class:`~geomap.errors.ValidationError`
that names the field, e.g. ``geometry.coordinates`` or ``properties.event_date``.

Extra properties beyond the contract are kept when their key is a string of at
most 64 characters and their value is a JSON scalar (a string of at most 10,000
characters, a finite number, a boolean or null); objects and lists are refused,
so that every export format (CSV, KML, GeoPackage) can hold every property.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache

import pycountry

from geomap.errors import ValidationError
from geomap.geometry import (  # noqa: F401  (geometry names stay importable from here)
    GEOMETRY_TYPES,
    MAX_POSITIONS,
    check_finite,
    geometry_bbox,
    kind_of,
    parse_geometry,
    representative_point,
)

DEFAULT_LAYER = "incidents"
STATUSES = ("draft", "published")

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory",
                "Non-state actor overtakes territory"),
    "Explosions/Remote violence": ("Chemical weapon", "Air/drone strike", "Suicide bomb",
                                   "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Grenade"),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Protests": ("Peaceful protest", "Protest with intervention",
                 "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": ("Agreement", "Arrests", "Change to group/activity",
                               "Disrupted weapons use", "Headquarters or base established",
                               "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"),
}
#: Each ACLED sub-event type mapped to the one event type it belongs to.
SUB_EVENT_TYPES: dict[str, str] = {sub: kind for kind, subs in EVENT_TYPES.items() for sub in subs}

#: The contract's properties, in the order a parsed feature lists them.
PROPERTIES = (
    "id", "layer", "event_date", "event_time", "time_precision", "event_type", "sub_event_type",
    "actor1", "actor2", "fatalities", "injuries", "location", "location_mention", "country",
    "admin1", "geo_precision", "gazetteer_id", "summary", "quote", "source", "status",
    "created_at", "updated_at",
)
SOURCE_FIELDS = ("title", "publisher", "url", "published", "document")
#: A merged incident's ``sources``: every source (each may carry the ``quote`` read from it).
MAX_SOURCES = 100
MAX_QUOTE = 10_000
MAX_EXTRA_PROPERTIES = 50
_FEATURE_MEMBERS = frozenset(("type", "id", "geometry", "properties", "bbox"))

_TYPE_BY_KEY = {kind.casefold(): kind for kind in EVENT_TYPES}
_SUB_BY_KEY = {sub.casefold(): sub for sub in SUB_EVENT_TYPES}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_LAYER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_GAZETTEER_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*:\S+")
_UTC_SECOND = re.compile(r"\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ")
_URL = re.compile(r"(?i:https?)://[^\s/?#]+[^\s]*")


def parse_feature(obj: Mapping, *, now: datetime | None = None) -> dict:
    """Validate one incident Feature and return it normalised, with defaults filled.

    >>> f = parse_feature({"type": "Feature",
    ...     "geometry": {"type": "Point", "coordinates": [40.576, 35.152]},
    ...     "properties": {"event_date": "2022-04-07", "event_type": "Battles",
    ...                    "sub_event_type": "Armed clash", "country": "sy"}},
    ...     now=datetime(2022, 4, 8, tzinfo=UTC))
    >>> f["properties"]["country"], f["properties"]["status"], f["properties"]["created_at"]
    ('SY', 'draft', '2022-04-08T00:00:00Z')
    >>> f["id"] == f["properties"]["id"]
    True
    """
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise ValidationError("feature", f"must be a GeoJSON Feature object, not {kind_of(obj)}")
    _check_members(obj)
    geometry = parse_geometry(obj.get("geometry"))
    properties = _parse_properties(obj, geometry, now)
    return {"type": "Feature", "id": properties["id"], "geometry": geometry,
            "properties": properties}


def _check_members(obj: Mapping) -> None:
    if obj.get("type", "Feature") != "Feature":
        raise ValidationError("type", f"must be 'Feature', not {obj.get('type')!r}")
    if not obj.keys() <= _FEATURE_MEMBERS:
        for key in obj.keys() - _FEATURE_MEMBERS:
            raise ValidationError(str(key), "is not a member of an incident Feature")


def _parse_properties(obj: Mapping, geometry: dict, now: datetime | None) -> dict:
    raw = obj.get("properties")
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise ValidationError("properties", "must be an object" if raw is not None else "is required")
    props = _parse_fields(raw, _PROPERTY_SPECS)
    if SUB_EVENT_TYPES[props["sub_event_type"]] != props["event_type"]:
        raise ValidationError("properties.sub_event_type", f"{props['sub_event_type']!r} is not "
                              f"a sub-event type of {props['event_type']!r}")
    _fill_times(props, now)
    props["id"] = _feature_id(obj.get("id"), props, geometry)
    if raw.get("sources") is not None:
        props["sources"] = _sources(raw["sources"], "properties.sources")
    if not raw.keys() <= _PROPERTY_NAMES:
        props.update(_extras(raw, _PROPERTY_NAMES, "properties"))
    return props


def _parse_fields(raw: Mapping, specs: tuple) -> dict:
    get = raw.get  # one comprehension: this runs 28 times per feature
    return {name: parse(value, field) if (value := get(name)) is not None
            else default if default is not _REQUIRED else _missing(field)
            for name, field, parse, default in specs}


def _missing(field: str) -> None:
    raise ValidationError(field, "is required")


def _fill_times(props: dict, now: datetime | None) -> None:
    if props["created_at"] is None:
        props["created_at"] = format_timestamp(now) if now is None else _timestamp_of(now)
    if props["updated_at"] is None:
        props["updated_at"] = props["created_at"]
    elif props["updated_at"] < props["created_at"]:
        raise ValidationError("properties.updated_at", "is before created_at")


def _feature_id(top: object, props: dict, geometry: dict) -> str:
    given = props["id"]
    if top is not None:
        top = parse_id(top, "id")
        if given is not None and top != given:
            raise ValidationError("id", f"{top!r} differs from properties.id {given!r}")
    if given or top:
        return given or top
    source = props["source"] or {}
    place = props["location"] or props["location_mention"] or "{:.4f},{:.4f}".format(
        *representative_point(geometry))
    return incident_id(props["layer"], source.get("document"), props["event_date"], place,
                       props["sub_event_type"], props["quote"] or props["summary"])


def incident_id(layer: str, document: str | None, event_date: str, location: str | None,
                sub_event_type: str, quote: str | None) -> str:
    """A stable id: the same report read twice gives the same ids, whatever its whitespace.

    >>> incident_id("incidents", "seed.md", "2022-04-07", "Green Village", "Armed clash", "x")
    '40ee040bf82014cd'
    >>> incident_id("incidents", "seed.md", "2022-04-07", "Green  village", "armed clash", " X")
    '40ee040bf82014cd'
    """
    parts = (layer, document, event_date, location, sub_event_type, quote)
    key = "\x1f".join(" ".join(str(part).split()) if part else "" for part in parts)
    return hashlib.sha256(key.casefold().encode()).hexdigest()[:16]


# --- single values ----------------------------------------------------------------------

def parse_event_type(value: object, field: str = "properties.event_type") -> str:
    """An ACLED event type, in its canonical spelling (the match ignores case)."""
    kind = _TYPE_BY_KEY.get(value.casefold()) if isinstance(value, str) else None
    if kind is None:
        raise ValidationError(field, f"{value!r} is not an ACLED event type")
    return kind


def parse_sub_event_type(value: object, field: str = "properties.sub_event_type") -> str:
    """An ACLED sub-event type, in its canonical spelling (the match ignores case)."""
    sub = _SUB_BY_KEY.get(value.casefold()) if isinstance(value, str) else None
    if sub is None:
        raise ValidationError(field, f"{value!r} is not an ACLED sub-event type")
    return sub


def parse_country(value: object, field: str = "properties.country") -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased.

    >>> parse_country("iq")
    'IQ'
    """
    if type(value) is str and value in _alpha2_codes():
        return value
    code = value.upper() if isinstance(value, str) else value
    if not isinstance(code, str) or code not in _alpha2_codes():
        alpha3 = pycountry.countries.get(alpha_3=code) if isinstance(code, str) else None
        hint = f"; use {alpha3.alpha_2!r}" if alpha3 else ""
        raise ValidationError(field, f"{value!r} is not an ISO 3166-1 alpha-2 code{hint}")
    return code


@lru_cache(maxsize=1)
def country_names() -> list[tuple[str, str, str]]:
    """(alpha-2 code, common name, official name) of every ISO 3166-1 country, by name.

    >>> ("SY", "Syria", "Syrian Arab Republic") in country_names()
    True
    """
    rows = [(c.alpha_2, getattr(c, "common_name", None) or c.name,
             getattr(c, "official_name", None) or c.name) for c in pycountry.countries]
    return sorted(rows, key=lambda row: row[1])


@lru_cache(maxsize=1)  # parse_country asks twice per feature; building it takes ~50 µs
def _alpha2_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def parse_status(value: object, field: str = "properties.status") -> str:
    """``draft`` or ``published``."""
    if value not in STATUSES:
        raise ValidationError(field, f"must be draft or published, not {value!r}")
    return value


def parse_date(value: object, field: str = "properties.event_date") -> str:
    """A real calendar date written ``YYYY-MM-DD``."""
    if isinstance(value, str) and _is_date(value):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValidationError(field, f"must be a date written YYYY-MM-DD, not {value!r}")
    raise ValidationError(field, f"{value} is not a day of the calendar")


@lru_cache(maxsize=65536)
def _is_date(text: str) -> bool:
    """Whether ``text`` is a real date written YYYY-MM-DD (cached: dates repeat)."""
    try:
        return _DATE.fullmatch(text) is not None and bool(date.fromisoformat(text))
    except ValueError:
        return False


def parse_layer(value: object, field: str = "properties.layer") -> str:
    """A layer id: letters, digits, ``_`` and ``-``, at most 64 characters."""
    if not isinstance(value, str) or not _LAYER.fullmatch(value):
        raise ValidationError(field, f"{value!r} is not a layer id (letters, digits, '_', '-')")
    return value


def parse_precision(value: object, field: str) -> int:
    """A time or geo precision: 1, 2 or 3 (ACLED)."""
    if type(value) is int and 1 <= value <= 3:
        return value
    return _whole(value, field, 1, 3)


def parse_id(value: object, field: str = "properties.id") -> str:
    """An incident id: letters, digits and ``._:-``, at most 128 characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValidationError(field, f"{value!r} is not an id (letters, digits, '._:-')")
    return value


def format_timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 UTC to the second, e.g. ``2022-04-08T10:00:00Z``; naive means UTC."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=64)
def _timestamp_of(moment: datetime) -> str:
    """format_timestamp of a given moment, cached: a batch is stamped with one ``now``."""
    return format_timestamp(moment)


def _whole(value: object, field: str, low: int, high: int) -> int:
    check_finite(value, field)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(field, f"must be a whole number, not {value}")
        value = int(value)
    if not low <= value <= high:
        raise ValidationError(field, f"must be between {low} and {high:,}, not {value}")
    return value


def _count(value: object, field: str) -> int:
    if type(value) is int and 0 <= value <= 1_000_000:
        return value
    return _whole(value, field, 0, 1_000_000)


def _text(limit: int):
    def parse(value: object, field: str) -> str | None:
        # isprintable() is a fast C scan; it is False for every control character
        if type(value) is str and len(value) <= limit and (
                value.isprintable() or not _CONTROL.search(value)):
            return value.strip() or None
        if not isinstance(value, str):
            raise ValidationError(field, f"must be a string, not {kind_of(value)}")
        if len(value) > limit:
            raise ValidationError(field, f"is longer than {limit:,} characters")
        if _CONTROL.search(value):
            raise ValidationError(field, "contains control characters")
        return value.strip() or None
    return parse


def _gazetteer_id(value: object, field: str) -> str | None:
    value = _GAZETTEER_TEXT(value, field)
    if value is not None and not _GAZETTEER_ID.fullmatch(value):
        raise ValidationError(field, f"{value!r} does not look like 'geonames:170794'")
    return value


def _time(value: object, field: str) -> str | None:
    if value == "":
        return None
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise ValidationError(field, f"must be a time written HH:MM (00:00-23:59), not {value!r}")
    return value


def _timestamp(value: object, field: str) -> str:
    if isinstance(value, str) and _UTC_SECOND.fullmatch(value) and _is_date(value[:10]):
        return value  # already in the form this module writes
    text = _utc_text(value) if isinstance(value, str) else None
    if text is None:
        raise ValidationError(field, f"must be an ISO 8601 timestamp, not {value!r}")
    return text


@lru_cache(maxsize=4096)
def _utc_text(value: str) -> str | None:
    try:
        return format_timestamp(datetime.fromisoformat(value))
    except ValueError:
        return None


def _url(value: object, field: str) -> str | None:
    value = _URL_TEXT(value, field)
    if value is not None and not _URL.fullmatch(value):
        raise ValidationError(field, f"must be an http(s) URL, not {value!r}")
    return value


def _published(value: object, field: str) -> str:
    if type(value) is str and _is_date(value):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        return parse_date(value, field)
    return _timestamp(value, field)


def _source(value: object, field: str) -> dict:
    if type(value) is not dict and not isinstance(value, Mapping):
        raise ValidationError(field, f"must be an object ({', '.join(SOURCE_FIELDS)})")
    source = _parse_fields(value, _SOURCE_SPECS)
    if not value.keys() <= _SOURCE_NAMES:
        source.update(_extras(value, _SOURCE_NAMES, field))
    return source


def _sources(value: object, field: str) -> list[dict]:
    if not isinstance(value, list) or not 0 < len(value) <= MAX_SOURCES:
        raise ValidationError(field, f"must be a list of 1 to {MAX_SOURCES} source objects")
    return [_source(item, f"{field}[{number}]") for number, item in enumerate(value)]


def _extras(raw: Mapping, known: frozenset, prefix: str) -> dict:
    keys = raw.keys() - known
    if len(keys) > MAX_EXTRA_PROPERTIES:
        raise ValidationError(prefix, f"has more than {MAX_EXTRA_PROPERTIES} extra properties")
    return {key: _extra(key, raw[key], prefix) for key in sorted(keys, key=str)}


def _extra(key: object, value: object, prefix: str) -> object:
    if not isinstance(key, str) or not 0 < len(key) <= 64 or _CONTROL.search(key):
        raise ValidationError(prefix, f"{key!r} is not a property name")
    field = f"{prefix}.{key}"
    if isinstance(value, str):
        return _EXTRA_TEXT(value, field) or ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        check_finite(value, field)
    elif value is not None and not isinstance(value, bool):
        raise ValidationError(field, "extra properties must be strings, numbers, booleans or "
                              f"null, not {kind_of(value)}")
    return value


_REQUIRED = object()
_URL_TEXT, _EXTRA_TEXT, _GAZETTEER_TEXT = _text(2000), _text(MAX_QUOTE), _text(200)
_SOURCE_SPECS = tuple((name, f"properties.source.{name}", parse, None) for name, parse in (
    ("title", _text(1000)), ("publisher", _text(300)), ("url", _url),
    ("published", _published), ("document", _text(500))))
_SOURCE_NAMES = frozenset(SOURCE_FIELDS)
_PARSERS = {  # name: (parse a value that is not null, value when null or absent)
    "id": (parse_id, None),
    "layer": (parse_layer, DEFAULT_LAYER),
    "event_date": (parse_date, _REQUIRED),
    "event_time": (_time, None),
    "time_precision": (parse_precision, 1),
    "event_type": (parse_event_type, _REQUIRED),
    "sub_event_type": (parse_sub_event_type, _REQUIRED),
    "actor1": (_text(300), None),
    "actor2": (_text(300), None),
    "fatalities": (_count, None),
    "injuries": (_count, None),
    "location": (_text(300), None),
    "location_mention": (_text(300), None),
    "country": (parse_country, None),
    "admin1": (_text(200), None),
    "geo_precision": (parse_precision, 1),
    "gazetteer_id": (_gazetteer_id, None),
    "summary": (_text(5000), None),
    "quote": (_text(MAX_QUOTE), None),
    "source": (_source, None),
    "status": (parse_status, "draft"),
    "created_at": (_timestamp, None),
    "updated_at": (_timestamp, None),
}
_PROPERTY_SPECS = tuple((name, f"properties.{name}", *_PARSERS[name]) for name in PROPERTIES)
_PROPERTY_NAMES = frozenset((*PROPERTIES, "sources"))
