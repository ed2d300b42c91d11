"""One query object for every way incidents are read: the map API, the OGC API, exports.

``parse_query`` turns HTTP-style parameters into an :class:`IncidentQuery`; the store
turns that into its own query language. Filters live in the store's translation of
this object and nowhere else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from geomap.errors import ValidationError
from geomap.incident import (
    DEFAULT_LAYER,
    parse_country,
    parse_date,
    parse_event_type,
    parse_layer,
    parse_precision,
    parse_status,
    parse_sub_event_type,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
#: Sort orders: ``event_date`` newest first then id, ``event_date_asc`` the exact reverse,
#: ``fatalities`` most first (unknown last) then newest, ``id`` by id, ``event_type`` and
#: ``location`` by that text (unknown last) then newest.
SORTS = ("event_date", "event_date_asc", "fatalities", "id", "event_type", "location")

#: HTTP parameter → IncidentQuery field.
PARAMETERS = {
    "layer": "layer", "bbox": "bbox", "start": "start", "end": "end", "type": "event_types",
    "sub_type": "sub_event_types", "country": "countries", "admin1": "admin1", "actor": "actor",
    "q": "text",
    "min_fatalities": "min_fatalities", "precision": "precision", "status": "statuses",
    "limit": "limit", "offset": "offset", "sort": "sort",
}
_FIELD_PARAMETERS = {name: param for param, name in PARAMETERS.items()}
_LISTS = frozenset(("bbox", "event_types", "sub_event_types", "countries", "admin1", "statuses"))
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_WORD = re.compile(r"[^\W_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_NULL = frozenset(("event_types", "sub_event_types", "countries", "admin1", "statuses",
                       "offset", "sort", "actor_variants", "where"))
MAX_ADMIN1_LENGTH = 200


#: Properties a CQL2 filter may test (OGC queryables) → the kind of their values.
QUERYABLE = {"event_date": "date", "event_type": "text", "sub_event_type": "text",
             "country": "text", "status": "text", "actor1": "text", "actor2": "text",
             "admin1": "text", "location": "text", "gazetteer_id": "text", "fatalities": "int",
             "injuries": "int", "geo_precision": "int", "time_precision": "int"}
#: Operators of a Condition; ``like`` takes ``%`` and ``_`` and ignores case, ``in`` a tuple.
OPERATORS = ("=", "<>", "<", "<=", ">", ">=", "like", "in", "isnull")


@dataclass(frozen=True)
class Condition:
    """One test of a property, as a CQL2 filter states it: ``fatalities > 5``.

    >>> Condition("event_date", ">=", "2022-01-01").value
    '2022-01-01'
    """

    property: str
    op: str
    value: object = None

    def __post_init__(self):
        if self.property not in QUERYABLE:
            raise ValidationError("filter", f"{self.property!r} is not queryable")
        if self.op not in OPERATORS:
            raise ValidationError("filter", f"{self.op!r} is not an operator geomap knows")
        if self.op == "in":
            values = tuple(_condition_value(self, v) for v in self.value)
            if not 0 < len(values) <= 100:
                raise ValidationError("filter", f"IN on {self.property} takes 1 to 100 values")
            object.__setattr__(self, "value", values)
        elif self.op != "isnull":
            object.__setattr__(self, "value", _condition_value(self, self.value))


def _condition_value(condition: Condition, value: object) -> object:
    kind = "text" if condition.op == "like" else QUERYABLE[condition.property]
    if kind == "int" and isinstance(value, int | float) and not isinstance(value, bool) \
            and math.isfinite(value):
        return value
    if kind == "date" and isinstance(value, date | str):
        return _check_date(value, "filter").isoformat()
    if kind == "text" and isinstance(value, str) and len(value) <= 500 and not _CONTROL.search(value):
        return value
    raise ValidationError("filter", f"{condition.property} {condition.op.upper()} takes "
                          f"{'a ' + kind if kind != 'int' else 'a number'}, not {value!r}")


@dataclass(frozen=True)
class IncidentQuery:
    """A validated search over stored incidents; ``limit=None`` means every match.

    >>> IncidentQuery(bbox=(40, 34, 41, 35.5), event_types=["battles"]).event_types
    ('Battles',)
    """

    layer: str | None = DEFAULT_LAYER
    bbox: tuple[float, float, float, float] | None = None
    start: date | None = None
    end: date | None = None
    event_types: tuple[str, ...] = ()
    sub_event_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    #: First-level divisions (``admin1``, as stored: the gazetteer's names), any of them.
    admin1: tuple[str, ...] = ()
    actor: str | None = None
    #: Other spellings of ``actor`` that also match (the read service fills them in from
    #: the actor table; every backend matches any of :attr:`actor_patterns`).
    actor_variants: tuple[str, ...] = ()
    text: str | None = None
    min_fatalities: int | None = None
    precision: int | None = None
    statuses: tuple[str, ...] = ()
    limit: int | None = DEFAULT_LIMIT
    offset: int = 0
    sort: str = "event_date"
    where: tuple[Condition, ...] = ()  # CQL2 conditions (geomap.cql), all of which must hold

    def __post_init__(self):
        for name, check in _CHECKS.items():
            value = getattr(self, name)
            if value is not None or name in _NOT_NULL:
                object.__setattr__(self, name, check(value, name))
        if self.start and self.end and self.start > self.end:
            raise ValidationError("end", f"{self.end} is before start {self.start}")

    @property
    def actor_patterns(self) -> tuple[str, ...]:
        """The actor filter's spellings: each is matched anywhere in actor1 or actor2."""
        return tuple(dict.fromkeys((self.actor, *self.actor_variants))) if self.actor else ()

    def unpaged(self) -> IncidentQuery:
        """The same filters and order without limit or offset, for streams and exports."""
        return replace(self, limit=None, offset=0)

    def to_params(self) -> dict[str, str]:
        """HTTP parameters that ``parse_query`` turns back into this query (None layer aside)."""
        params = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _FIELD_PARAMETERS and value != f.default and value is not None:
                params[_FIELD_PARAMETERS[f.name]] = _format(value)
        return params


def parse_query(params: Mapping[str, str | list[str]]) -> IncidentQuery:
    """An IncidentQuery from HTTP-style parameters; unknown parameters are ignored.

    Lists are comma-separated or repeated; empty values count as absent.

    >>> q = parse_query({"bbox": "40,34,41,35.5", "type": ["Battles", "Riots"], "limit": "5"})
    >>> q.bbox, q.event_types, q.limit
    ((40.0, 34.0, 41.0, 35.5), ('Battles', 'Riots'), 5)
    """
    values = {}
    for param, name in PARAMETERS.items():
        raw = _values(params, param)
        if raw:
            values[name] = _PARSERS.get(name, _scalar)(raw, param)
    try:
        return IncidentQuery(**values)
    except ValidationError as error:
        raise ValidationError(_FIELD_PARAMETERS.get(error.field, error.field),
                              error.message) from None


def _values(params: Mapping, param: str) -> list[str]:
    raw = params.getlist(param) if hasattr(params, "getlist") else params.get(param)
    raw = [] if raw is None else [raw] if isinstance(raw, str) else list(raw)
    if not all(isinstance(item, str) for item in raw):
        raise ValidationError(param, "must be text")
    return [item.strip() for item in raw if item.strip()]


def _scalar(raw: list[str], param: str) -> str:
    if len(raw) > 1:
        raise ValidationError(param, "is given more than once")
    return raw[0]


def _list(raw: list[str], param: str) -> tuple[str, ...]:
    return tuple(item.strip() for value in raw for item in value.split(",") if item.strip())


def _integer(raw: list[str], param: str) -> int:
    text = _scalar(raw, param)
    if not _INTEGER.fullmatch(text):
        raise ValidationError(param, f"must be a whole number, not {text!r}")
    return int(text)


def _bbox(raw: list[str], param: str) -> tuple[float, ...]:
    parts = _list(raw, param)
    if len(parts) != 4 or not all(_NUMBER.fullmatch(part) for part in parts):
        raise ValidationError(param, "must be four numbers: minlon,minlat,maxlon,maxlat")
    return tuple(float(part) for part in parts)


_PARSERS = {"bbox": _bbox, "min_fatalities": _integer, "precision": _integer,
            "limit": _integer, "offset": _integer}
_PARSERS.update({name: _list for name in _LISTS - {"bbox"}})


def _check_bbox(value, name: str) -> tuple[float, float, float, float]:
    if len(value) != 4 or not all(isinstance(v, int | float) and math.isfinite(v) for v in value):
        raise ValidationError(name, "must be four finite numbers: minlon,minlat,maxlon,maxlat")
    minlon, minlat, maxlon, maxlat = (float(v) for v in value)
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180):
        raise ValidationError(name, "longitudes must be within -180..180")
    if not (-90 <= minlat <= 90 and -90 <= maxlat <= 90):
        raise ValidationError(name, "latitudes must be within -90..90")
    if minlat > maxlat:
        raise ValidationError(name, "minlat is greater than maxlat")
    if minlon > maxlon:
        raise ValidationError(name, "minlon is greater than maxlon: a bbox crossing the "
                              "antimeridian is not supported; query each side separately")
    return minlon, minlat, maxlon, maxlat


def _check_date(value, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(parse_date(value, name))


def _check_words(value, name: str) -> str | None:
    if not isinstance(value, str) or len(value) > 500:
        raise ValidationError(name, "must be text of at most 500 characters")
    if _CONTROL.search(value):
        raise ValidationError(name, "contains a control character (such as NUL); give plain words")
    value = value.strip()
    if value and not _WORD.search(value):
        raise ValidationError(name, f"{value!r} has no word to search for")
    return value or None


def parse_admin1(value: str, name: str = "admin1") -> str:
    """One division name or code as the admin1 filter takes it (stripped), or
    ValidationError naming ``name``."""
    return _check_admin1(value, name)


def _check_admin1(value, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ADMIN1_LENGTH:
        raise ValidationError(name, f"takes division names of 1 to {MAX_ADMIN1_LENGTH} characters")
    if _CONTROL.search(value):
        raise ValidationError(name, "contains a control character (such as NUL); give a name")
    return value.strip()


def _check_int(low: int, high: int):
    def check(value, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(name, f"must be a whole number from {low} to {high:,}")
        return value
    return check


def _check_each(parse):
    def check(value, name: str) -> tuple:
        items = () if value is None else (value,) if isinstance(value, str) else tuple(value)
        return tuple(dict.fromkeys(parse(item, name) for item in items))
    return check


def _check_where(value, name: str) -> tuple:
    conditions = tuple(value)
    if len(conditions) > 50 or not all(isinstance(c, Condition) for c in conditions):
        raise ValidationError("filter", "takes at most 50 conditions")
    return conditions


def _check_sort(value, name: str) -> str:
    if value not in SORTS:
        raise ValidationError(name, f"must be one of {', '.join(SORTS)}, not {value!r}")
    return value


_CHECKS = {
    "layer": parse_layer,
    "bbox": _check_bbox,
    "start": _check_date,
    "end": _check_date,
    "event_types": _check_each(parse_event_type),
    "sub_event_types": _check_each(parse_sub_event_type),
    "countries": _check_each(parse_country),
    "admin1": _check_each(_check_admin1),
    "actor": _check_words,
    "actor_variants": _check_each(_check_words),
    "text": _check_words,
    "min_fatalities": _check_int(0, 1_000_000),
    "precision": parse_precision,
    "statuses": _check_each(parse_status),
    "limit": _check_int(1, MAX_LIMIT),
    "offset": _check_int(0, MAX_OFFSET),
    "sort": _check_sort,
    "where": _check_where,
}


def _format(value) -> str:
    if isinstance(value, tuple):
        return ",".join(_format(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
