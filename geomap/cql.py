"""CQL2 filters (OGC API – Features Part 3) turned into the one query object.

pygeofilter parses ``cql2-text`` and ``cql2-json``; this module turns the parsed tree into
:class:`~geomap.query.Condition` rows and a bbox for :class:`~geomap.query.IncidentQuery`,
so every store backend filters the same way and no second copy of the filters exists.
What it supports: comparisons (``= <> < <= > >=``), ``LIKE``, ``IN``, ``BETWEEN`` and
``IS NULL`` on the queryable properties, joined by ``AND``, and ``S_INTERSECTS`` of the
geometry with a ``BBOX`` or ``ENVELOPE``. ``OR``, ``NOT`` and other functions are refused
with a ValidationError naming them.
"""

from __future__ import annotations

from datetime import date, datetime

from geomap.errors import ValidationError
from geomap.query import QUERYABLE, Condition

LANGUAGES = ("cql2-text", "cql2-json")
MAX_FILTER = 10_000  # characters of one filter
_COMPARISONS = {"Equal": "=", "NotEqual": "<>", "LessThan": "<", "LessEqual": "<=",
                "GreaterThan": ">", "GreaterEqual": ">="}


def parse_filter(text: str, lang: str | None = None
                 ) -> tuple[tuple[Condition, ...], tuple[float, float, float, float] | None]:
    """(conditions, bbox or None) of a CQL2 filter, or ValidationError naming ``filter``.

    >>> conditions, bbox = parse_filter("fatalities > 5 AND actor1 LIKE 'Houthi%'")
    >>> [(c.property, c.op, c.value) for c in conditions], bbox
    ([('fatalities', '>', 5), ('actor1', 'like', 'Houthi%')], None)
    """
    lang = (lang or "cql2-text").strip().lower()
    if lang not in LANGUAGES:
        raise ValidationError("filter-lang", f"must be cql2-text or cql2-json, not {lang!r}")
    if len(text) > MAX_FILTER:
        raise ValidationError("filter", f"is longer than {MAX_FILTER:,} characters")
    conditions, boxes = [], []
    for node in _conjuncts(_parse(text, lang)):
        if type(node).__name__ == "GeometryIntersects":
            boxes.append(_box(node))
        else:
            conditions.extend(_conditions(node))
    return tuple(conditions), _intersection(boxes)


def _parse(text: str, lang: str):
    import orjson
    from pygeofilter.parsers.cql2_json import parse as parse_json
    from pygeofilter.parsers.cql2_text import parse as parse_text

    try:
        return parse_text(text) if lang == "cql2-text" else parse_json(orjson.loads(text))
    except ValidationError:
        raise
    except Exception as exc:  # lark and pygeofilter raise many kinds, each a syntax error here
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ValidationError("filter", f"not valid {lang}: {first}") from None


def _conjuncts(node) -> list:
    if type(node).__name__ == "And":
        return [*_conjuncts(node.lhs), *_conjuncts(node.rhs)]
    if type(node).__name__ in ("Or", "Not"):
        raise ValidationError("filter", f"{type(node).__name__.upper()} is not supported: "
                              "join conditions with AND")
    return [node]


def _conditions(node) -> list[Condition]:
    kind = type(node).__name__
    if kind in _COMPARISONS:
        return [Condition(_property(node.lhs), _COMPARISONS[kind], _literal(node.rhs))]
    if getattr(node, "not_", False):
        raise ValidationError("filter", f"NOT {kind.upper()} is not supported")
    if kind == "Like":
        return [Condition(_property(node.lhs), "like", _literal(node.pattern))]
    if kind == "In":
        return [Condition(_property(node.lhs), "in", tuple(_literal(v) for v in node.sub_nodes))]
    if kind == "Between":
        name = _property(node.lhs)
        return [Condition(name, ">=", _literal(node.low)), Condition(name, "<=", _literal(node.high))]
    if kind == "IsNull":
        return [Condition(_property(node.lhs), "isnull", None)]
    raise ValidationError("filter", f"{_name_of(node)} is not supported; geomap takes comparisons, "
                          "LIKE, IN, BETWEEN, IS NULL and S_INTERSECTS with a BBOX, joined by AND")


def _property(node) -> str:
    name = getattr(node, "name", None)
    if type(node).__name__ != "Attribute":
        raise ValidationError("filter", f"{_name_of(node)} is not supported where a property "
                              "name is expected")
    if name not in QUERYABLE:
        raise ValidationError("filter", f"{name!r} is not queryable; the queryables are "
                              f"{', '.join(QUERYABLE)}")
    return name


def _literal(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, bool) or not isinstance(value, str | int | float | date):
        raise ValidationError("filter", f"{_name_of(value)} is not supported as a value; give "
                              "a string, a number or DATE('YYYY-MM-DD')")
    return value


def _box(node) -> tuple[float, float, float, float]:
    target = node.rhs
    if getattr(node.lhs, "name", None) != "geometry":
        raise ValidationError("filter", "S_INTERSECTS takes the property geometry")
    if type(target).__name__ == "Function" and target.name in ("bbox", "envelope"):
        numbers = target.arguments
    elif type(target).__name__ == "Envelope":
        numbers = [target.x1, target.y1, target.x2, target.y2]
    else:
        raise ValidationError("filter", f"S_INTERSECTS with {_name_of(target)} is not supported; "
                              "give BBOX(minlon, minlat, maxlon, maxlat)")
    if len(numbers) != 4 or not all(isinstance(n, int | float) for n in numbers):
        raise ValidationError("filter", "BBOX takes 4 numbers: minlon, minlat, maxlon, maxlat")
    return tuple(float(n) for n in numbers)


def _intersection(boxes: list[tuple]) -> tuple[float, float, float, float] | None:
    if not boxes:
        return None
    minlon, minlat = max(b[0] for b in boxes), max(b[1] for b in boxes)
    return minlon, minlat, min(b[2] for b in boxes), min(b[3] for b in boxes)


def _name_of(node) -> str:
    name = getattr(node, "name", None)
    kind = type(node).__name__
    return f"the function {name.upper()}" if kind == "Function" and name else kind


def parse_sortby(text: str | None) -> str | None:
    """The store's sort order for an OGC ``sortby`` (``-fatalities``, ``+event_date``...).

    >>> parse_sortby("-event_date"), parse_sortby("event_date"), parse_sortby(None)
    ('event_date', 'event_date_asc', None)
    """
    if text is None or not text.strip():
        return None
    key = text.strip().replace(" ", "+")
    key = key if key[0] in "+-" else f"+{key}"
    if key not in _SORTBY:
        raise ValidationError("sortby", f"{text!r} is not a sort order geomap offers: "
                              f"{', '.join(_SORTBY)}")
    return _SORTBY[key]


_SORTBY = {"-event_date": "event_date", "+event_date": "event_date_asc",
           "-fatalities": "fatalities", "+id": "id", "+event_type": "event_type",
           "+location": "location"}
