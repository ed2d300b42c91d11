"""The common well-formed incident read straight from its JSON: parse_feature's fast lane.

A file written by geomap (or any tool that writes the contract's properties as geomap
stores them) holds Point features whose every value is already in the form
``parse_feature`` gives back. ``decode_feature`` reads such a feature's JSON with msgspec
into typed structs, which checks the types, ranges, lengths, names and formats in C as
it reads (a third of the time orjson and parse_feature take together); ``parse_decoded``
then makes the few checks left (real dates, a sub-event type of its event type, no
control characters or surrounding spaces) and gives the very dict parse_feature would.
Anything else (another geometry, extra or misspelled properties, a value parse_feature
would change: lower-case country codes, empty strings, other timestamp forms) fails the
typed read, and the feature takes the full path with its error messages, word for word.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Literal

import msgspec
import orjson
from msgspec import Meta, Struct

from geomap.incident import (
    DEFAULT_LAYER,
    EVENT_TYPES,
    MAX_QUOTE,
    SUB_EVENT_TYPES,
    _alpha2_codes,
    _is_date,
    _timestamp_of,
    parse_feature,
)

#: After this many features in a row that the typed read refuses, a file is read the
#: full way only: its features are not written as geomap writes them.
MAX_MISSES = 100

_DAY = r"\d{4}-\d\d-\d\d"
_CLOCK = r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ"
# No control character (those parse_feature refuses), no space at either end (it strips).
_PLAIN = r"^[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*" \
         r"[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f])?$"


def _text(limit: int, pattern: str = _PLAIN):
    return Annotated[str, Meta(max_length=limit, pattern=pattern)] | None


Stamp = Annotated[str, Meta(pattern=f"^{_DAY}{_CLOCK}$")] | None
Count = Annotated[int, Meta(ge=0, le=1_000_000)] | None
Precision = Literal[1, 2, 3]
Lon = Annotated[float, Meta(ge=-180, le=180)]
Lat = Annotated[float, Meta(ge=-90, le=90)]


class Point(Struct, tag="Point", tag_field="type", forbid_unknown_fields=True):
    """A Point geometry of two coordinates in range."""

    coordinates: tuple[Lon, Lat]


class Source(Struct, forbid_unknown_fields=True, kw_only=True):
    """An incident's source, every member in stored form."""

    title: _text(1000) = None
    publisher: _text(300) = None
    url: _text(2000, r"^(?i:https?)://[^\s/?#]+[^\s]*$") = None
    published: Annotated[str, Meta(pattern=f"^{_DAY}(?:{_CLOCK})?$")] | None = None
    document: _text(500) = None


class Properties(Struct, forbid_unknown_fields=True, kw_only=True):
    """The contract's properties in stored form, in the order parse_feature gives them."""

    id: Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    layer: Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")] = DEFAULT_LAYER
    event_date: Annotated[str, Meta(pattern=f"^{_DAY}$")]
    event_time: Annotated[str, Meta(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$")] | None = None
    time_precision: Precision = 1
    event_type: Literal[tuple(EVENT_TYPES)]
    sub_event_type: Literal[tuple(SUB_EVENT_TYPES)]
    actor1: _text(300) = None
    actor2: _text(300) = None
    fatalities: Count = None
    injuries: Count = None
    location: _text(300) = None
    location_mention: _text(300) = None
    country: Literal[tuple(sorted(_alpha2_codes()))] | None = None
    admin1: _text(200) = None
    geo_precision: Precision = 1
    gazetteer_id: _text(200, r"^[A-Za-z][A-Za-z0-9_.-]*:\S+$") = None
    summary: _text(5000) = None
    quote: _text(MAX_QUOTE) = None
    source: Source | None = None
    status: Literal["draft", "published"] = "draft"
    created_at: Stamp = None
    updated_at: Stamp = None


class DecodedFeature(Struct, forbid_unknown_fields=True, kw_only=True):
    """A Point incident Feature whose values are all in stored form (see the module)."""

    type: Literal["Feature"] = "Feature"
    id: str | None = None
    geometry: Point
    properties: Properties


_DECODER = msgspec.json.Decoder(DecodedFeature)


class FeatureDecoder:
    """Each feature of one file from its JSON: typed when it is in stored form, else the
    plain object for parse_feature, or None when the bytes are not a JSON object. After
    MAX_MISSES features in a row that are not in stored form, it stops trying."""

    def __init__(self) -> None:
        self.misses = 0

    def __call__(self, data: bytes) -> DecodedFeature | dict | None:
        if self.misses < MAX_MISSES:
            try:
                decoded = _DECODER.decode(data)
            except msgspec.MsgspecError:
                self.misses += 1  # not in stored form, or not JSON: orjson says which
            else:
                self.misses = 0
                return decoded
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        return obj if isinstance(obj, dict) else None


def decode_feature(data: bytes) -> DecodedFeature | dict | None:
    """One feature's JSON as a FeatureDecoder reads it."""
    return FeatureDecoder()(data)


def parse_any(obj: DecodedFeature | Mapping, *, now: datetime) -> dict:
    """parse_feature of a feature, typed (decode_feature) or not."""
    if type(obj) is DecodedFeature:
        return parse_decoded(obj, now=now)
    return parse_feature(obj, now=now)


def parse_decoded(feature: DecodedFeature, *, now: datetime) -> dict:
    """What parse_feature gives for the decoded feature (and the same error, if any)."""
    ready = stored_form(feature, now=now)
    if ready is None:
        return parse_feature(msgspec.to_builtins(feature), now=now)
    parsed = msgspec.to_builtins(ready)
    geometry = parsed["geometry"]
    geometry["coordinates"] = list(geometry["coordinates"])  # a list, as parse_feature's
    return parsed


def stored_form(feature: DecodedFeature, *, now: datetime) -> DecodedFeature | None:
    """The decoded feature completed as parse_feature stores it (its id given, its times
    filled in), or None when only parse_feature can say what it is. ``msgspec.json.encode``
    of it gives the bytes ``orjson.dumps(parse_decoded(...))`` gives: its numbers are
    coordinates and small integers, which both write alike."""
    props = feature.properties
    if not _checked(feature, props):
        return None
    created = _timestamp_of(now) if props.created_at is None else props.created_at
    updated = created if props.updated_at is None else props.updated_at
    if updated < created:
        return None
    props.created_at, props.updated_at = created, updated
    feature.id = props.id
    return feature


def _checked(feature: DecodedFeature, props: Properties) -> bool:
    """The checks the typed read does not make: all hold for a feature in stored form."""
    source = props.source
    return ((feature.id is None or feature.id == props.id)
            and SUB_EVENT_TYPES[props.sub_event_type] == props.event_type
            and _is_date(props.event_date)
            and (props.created_at is None or _is_date(props.created_at[:10]))
            and (props.updated_at is None or _is_date(props.updated_at[:10]))
            and (source is None or source.published is None or _is_date(source.published[:10])))
