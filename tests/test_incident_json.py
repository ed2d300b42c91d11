"""The typed lane (incident_json.py) gives what parse_feature gives: the same incident,
or the same refusal naming the same field, whatever the feature holds."""

import copy
from datetime import UTC, datetime

import orjson
import pytest

from geomap.errors import ValidationError
from geomap.incident import parse_feature
from geomap.incident_json import MAX_MISSES, DecodedFeature, FeatureDecoder, decode_feature, parse_any
from geomap.store.batches import validated_batch
from geomap.store.sqlite_write import prepare, prepare_batch
from tests.incident_samples import SEED_SOURCE, samples

NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def stored_form() -> dict[str, dict]:
    """Every sample as geomap stores and exports it (ids given, values normalised)."""
    return {name: parse_feature(raw, now=NOW) for name, raw in samples().items()}


def outcome(parse, data: bytes):
    try:
        return parse(data)
    except ValidationError as error:
        return ("refused", error.field, error.message)


def typed(data: bytes):
    return parse_any(decode_feature(data), now=NOW)


def plain(data: bytes):
    return parse_feature(orjson.loads(data), now=NOW)


def test_a_feature_in_stored_form_is_read_typed_and_parsed_the_same():
    for name, feature in stored_form().items():
        data = orjson.dumps(feature)
        assert isinstance(decode_feature(data), DecodedFeature), name
        assert typed(data) == plain(data) == feature, name
        assert orjson.dumps(typed(data)) == data, name  # the same bytes are stored


def test_a_stored_form_feature_without_times_gets_those_of_its_batch():
    for feature in stored_form().values():
        for name in ("created_at", "updated_at"):
            feature["properties"][name] = None
        data = orjson.dumps(feature)
        assert typed(data) == plain(data)
        assert typed(data)["properties"]["updated_at"] == "2024-05-01T12:30:00Z"


#: (what the feature holds, where in it, the value): each a feature an analyst's file or
#: another tool may hold, that parse_feature changes or refuses.
CHANGES = (
    ("a lower-case country code", ("properties", "country"), "sy"),
    ("an alpha-3 country code", ("properties", "country"), "SYR"),
    ("an event type in lower case", ("properties", "event_type"), "battles"),
    ("a sub-event type of another type", ("properties", "sub_event_type"), "Peaceful protest"),
    ("a day not in the calendar", ("properties", "event_date"), "2022-02-30"),
    ("a date written otherwise", ("properties", "event_date"), "7 April 2022"),
    ("an empty actor", ("properties", "actor1"), ""),
    ("a location with spaces around it", ("properties", "location"), " Mayadin "),
    ("a control character", ("properties", "summary"), "Rockets\x07struck the base."),
    ("a division name too long", ("properties", "admin1"), "x" * 201),
    ("a quote of the greatest length", ("properties", "quote"), "q" * 10_000),
    ("fatalities as a whole float", ("properties", "fatalities"), 3.0),
    ("fatalities as a fraction", ("properties", "fatalities"), 2.5),
    ("negative injuries", ("properties", "injuries"), -1),
    ("a boolean precision", ("properties", "geo_precision"), True),
    ("a precision of 4", ("properties", "time_precision"), 4),
    ("an extra property", ("properties", "weather"), "clear"),
    ("an object as a property", ("properties", "tags"), {"kind": "base"}),
    ("a timestamp with an offset", ("properties", "created_at"), "2024-01-02T03:04:05+02:00"),
    ("an update before the creation", ("properties", "updated_at"), "2000-01-01T00:00:00Z"),
    ("a time of day out of range", ("properties", "event_time"), "24:10"),
    ("an empty time of day", ("properties", "event_time"), ""),
    ("an unknown status", ("properties", "status"), "final"),
    ("a top-level id that differs", ("id",), "another-id"),
    ("a numeric top-level id", ("id",), 12345),
    ("an id with a space", ("properties", "id"), "an id"),
    ("no id at all", ("properties", "id"), None),
    ("a position with an altitude", ("geometry", "coordinates"), [40.576, 35.152, 230.0]),
    ("a latitude out of range", ("geometry", "coordinates"), [35.152, 95.0]),
    ("whole-degree coordinates", ("geometry", "coordinates"), [40, 35]),
    ("coordinates as text", ("geometry", "coordinates"), ["40.5", "35.1"]),
    ("a route", ("geometry",), {"type": "LineString", "coordinates": [[40.1, 35.2], [40.6, 35.0]]}),
    ("a bbox member", ("bbox",), [40.576, 35.152, 40.576, 35.152]),
    ("a geometry with a bbox", ("geometry", "bbox"), [40.576, 35.152, 40.576, 35.152]),
    ("no geometry", ("geometry",), None),
    ("a type other than Feature", ("type",), "Point"),
    ("a source URL that is not http", ("properties", "source", "url"), "ftp://example.org/x"),
    ("a source published with its time", ("properties", "source", "published"),
     "2022-04-08T10:15:00Z"),
    ("a source published as a local time", ("properties", "source", "published"),
     "2022-04-08T10:15:00+03:00"),
    ("a source with an extra member", ("properties", "source", "language"), "en"),
    ("a source that is a string", ("properties", "source"), "Example News"),
    ("every source of a merged incident", ("properties", "sources"), [SEED_SOURCE, SEED_SOURCE]),
    ("text in Arabic script", ("properties", "location_mention"), "دير الزور"),
    ("a quote of two lines", ("properties", "quote"), "Rockets struck.\nNo one was hurt."),
    ("a zero-width space inside", ("properties", "summary"), "Green\u200bVillage"),
    ("a no-break space at the end", ("properties", "summary"), "Green Village\u00a0"),
)


def changed(feature: dict, where: tuple, value) -> dict:
    feature = copy.deepcopy(feature)
    target = feature
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    return feature


@pytest.mark.parametrize(("what", "where", "value"), CHANGES, ids=[row[0] for row in CHANGES])
def test_any_other_feature_is_parsed_or_refused_as_parse_feature_does(what, where, value):
    for feature in stored_form().values():
        data = orjson.dumps(changed(feature, where, value))
        assert outcome(typed, data) == outcome(plain, data)


def test_features_not_in_stored_form_all_along_are_read_plainly_and_alike():
    decode = FeatureDecoder()
    raw = [orjson.dumps(feature) for feature in samples().values()]  # no ids, no times
    stored = [orjson.dumps(feature) for feature in stored_form().values()]
    items = [decode(data) for data in raw * (MAX_MISSES // len(raw) + 1) + stored]
    assert not any(isinstance(item, DecodedFeature) for item in items)  # it stopped trying
    assert [parse_any(item, now=NOW) for item in items] == [
        parse_feature(orjson.loads(data), now=NOW)
        for data in raw * (MAX_MISSES // len(raw) + 1) + stored]


def test_bytes_that_are_not_a_json_object_are_none():
    for data in (b'{"type": "Feature", "geometry": ', b"[1, 2]", b'{"a": "\\ud800"}', b"nan"):
        assert decode_feature(data) is None


#: Positions and places that the store's row and learned place are made from.
STORED_VARIANTS = (
    (("geometry", "coordinates"), [1e-07, -0.0]),
    (("geometry", "coordinates"), [-179.99999, 89.123456789]),
    (("geometry", "coordinates"), [40, 35]),
    (("properties", "gazetteer_id"), None),
    (("properties", "geo_precision"), 3),
    (("properties", "location"), None),
    (("properties", "location"), "l" * 201),
    (("properties", "country"), None),
    (("properties", "quote"), None),
)


def test_a_feature_read_typed_is_stored_as_the_same_row_text_and_place():
    features = [changed(feature, where, value) for feature in stored_form().values()
                for where, value in STORED_VARIANTS + tuple(row[1:] for row in CHANGES)]
    lines = [orjson.dumps(feature) for feature in features]
    typed_items = prepare_batch(enumerate(map(decode_feature, lines)), len(lines))
    plain_items = validated_batch(enumerate(map(orjson.loads, lines)), len(lines), prepare)
    assert sum(isinstance(decode_feature(data), DecodedFeature) for data in lines) > 50
    assert len(typed_items[0]) > 60 and typed_items[1]  # stored ones and refused ones
    assert _untimed(typed_items) == _untimed(plain_items)


def _untimed(batch: tuple) -> tuple:
    """A batch with the features' times blanked: each lane stamps with its own ``now``."""
    prepared, refused, more = batch
    blank = [(position, (*row[:-1], _blank_times(row[-1])), *rest)
             for position, row, *rest in prepared]
    return blank, refused, more


def _blank_times(data: str) -> bytes:
    feature = orjson.loads(data)
    for name in ("created_at", "updated_at"):
        feature["properties"][name] = "-"
    return orjson.dumps(feature)
