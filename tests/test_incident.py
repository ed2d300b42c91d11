"""The incident model: defaults, stable ids, and a named field for every refusal."""

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from geomap.errors import ValidationError
from geomap.incident import (
    EVENT_TYPES,
    PROPERTIES,
    SUB_EVENT_TYPES,
    geometry_bbox,
    incident_id,
    parse_feature,
)
from tests.incident_samples import sample, samples

NOW = datetime(2022, 4, 8, 9, 30, tzinfo=UTC)


def parse(feature, now=NOW):
    return parse_feature(feature, now=now)


def test_taxonomy_is_acled():
    assert len(EVENT_TYPES) == 6
    assert len(SUB_EVENT_TYPES) == 25
    assert SUB_EVENT_TYPES["Air/drone strike"] == "Explosions/Remote violence"
    assert SUB_EVENT_TYPES["Disrupted weapons use"] == "Strategic developments"


def test_every_sample_parses():
    for feature in samples().values():
        parsed = parse(feature)
        assert parsed["type"] == "Feature"
        assert list(parsed["properties"]) == list(PROPERTIES)


def test_defaults_are_filled():
    raw = {"geometry": {"type": "Point", "coordinates": [44, 33]},
           "properties": {"event_date": "2022-04-01", "event_type": "Protests",
                          "sub_event_type": "Peaceful protest"}}
    props = parse(raw)["properties"]
    assert props["layer"] == "incidents"
    assert props["status"] == "draft"
    assert props["created_at"] == props["updated_at"] == "2022-04-08T09:30:00Z"
    assert props["time_precision"] == props["geo_precision"] == 1
    for name in ("event_time", "actor1", "actor2", "fatalities", "injuries", "location",
                 "country", "admin1", "gazetteer_id", "summary", "quote", "source"):
        assert props[name] is None, name


def test_values_are_normalised():
    raw = sample("erbil_missiles")
    raw["geometry"]["coordinates"] = [44, 36]
    raw["properties"].update(country="iq", event_type="explosions/remote violence",
                             sub_event_type="SHELLING/artillery/missile attack", actor2="  ",
                             summary="  Missiles hit Erbil.  ", fatalities=2.0,
                             created_at="2022-03-13T04:00:00+03:00")
    feature = parse(raw)
    props = feature["properties"]
    assert feature["geometry"]["coordinates"] == [44.0, 36.0]
    assert (props["country"], props["event_type"]) == ("IQ", "Explosions/Remote violence")
    assert props["sub_event_type"] == "Shelling/artillery/missile attack"
    assert props["actor2"] is None and props["summary"] == "Missiles hit Erbil."
    assert props["fatalities"] == 2 and isinstance(props["fatalities"], int)
    assert props["created_at"] == "2022-03-13T01:00:00Z"
    assert props["updated_at"] == "2022-03-13T01:00:00Z"


def test_now_may_be_naive_or_in_any_zone():
    raw = sample("idlib_airstrike")
    baghdad = timezone(timedelta(hours=3))
    assert parse(raw, datetime(2022, 4, 8, 12, 30, tzinfo=baghdad))["properties"][
        "created_at"] == "2022-04-08T09:30:00Z"
    assert parse(raw, datetime(2022, 4, 8, 9, 30))["properties"]["created_at"] == \
        "2022-04-08T09:30:00Z"


def test_parsing_is_idempotent():
    for feature in samples().values():
        once = parse(feature)
        assert parse(once, now=NOW + timedelta(days=3)) == once


def test_the_same_report_gives_the_same_id():
    first = parse(sample("green_village"))
    again = parse(sample("green_village"), now=NOW + timedelta(days=30))
    assert first["id"] == again["id"] == first["properties"]["id"]
    assert len(first["id"]) == 16


def test_id_ignores_whitespace_and_case_of_the_quote():
    raw = sample("green_village")
    raw["properties"]["quote"] = "  " + raw["properties"]["quote"].upper().replace(" ", "\n ")
    assert parse(raw)["id"] == parse(sample("green_village"))["id"]


@pytest.mark.parametrize("change", [
    {"quote": "Another sentence."}, {"event_date": "2022-04-08"}, {"location": "Mayadin"},
    {"sub_event_type": "Air/drone strike"}, {"layer": "archive"},
    {"source": {"document": "seeds/other.md"}},
])
def test_id_depends_on_each_of_its_parts(change):
    raw = sample("green_village")
    raw["properties"].update(change)
    assert parse(raw)["id"] != parse(sample("green_village"))["id"]


def test_id_falls_back_to_coordinates_and_summary():
    raw = {"geometry": {"type": "Point", "coordinates": [40.1408, 35.3359]},
           "properties": {"event_date": "2022-04-07", "event_type": "Battles",
                          "sub_event_type": "Armed clash", "summary": "Clashes in the city."}}
    expected = incident_id("incidents", None, "2022-04-07", "40.1408,35.3359", "Armed clash",
                           "Clashes in the city.")
    assert parse(raw)["id"] == expected


def test_given_ids_are_kept_from_either_place():
    raw = sample("mosul_ied")
    raw["id"] = "acled:IRQ12345"
    assert parse(raw)["properties"]["id"] == "acled:IRQ12345"
    raw = sample("mosul_ied")
    raw["properties"]["id"] = 12345
    assert parse(raw)["id"] == "12345"


def test_lines_and_polygons_are_allowed():
    route = sample("mayadin_launch_site")
    route["geometry"] = {"type": "LineString", "coordinates": [[40.45, 35.02], [40.58, 35.15]]}
    area = sample("baghdad_protest")
    ring = [[44.38, 33.34], [44.39, 33.34], [44.39, 33.35], [44.38, 33.34]]
    area["geometry"] = {"type": "Polygon", "coordinates": [ring], "bbox": [0, 0, 0, 0]}
    assert geometry_bbox(parse(route)["geometry"]) == (40.45, 35.02, 40.58, 35.15)
    assert parse(area)["geometry"] == {"type": "Polygon", "coordinates": [ring]}


def test_extra_scalar_properties_are_kept_in_order():
    raw = sample("idlib_airstrike")
    raw["properties"].update(zeta=" note ", acled_event_id="SYR123", score=0.5, verified=True,
                             unset=None)
    props = parse(raw)["properties"]
    assert list(props)[len(PROPERTIES):] == ["acled_event_id", "score", "unset", "verified",
                                             "zeta"]
    assert props["zeta"] == "note" and props["score"] == 0.5
    orjson.dumps(props)


def _set(path, value):
    """A change to a raw feature: path is 'geometry', 'properties.x' or 'properties.source.x'."""
    def change(feature):
        *parents, last = path.split(".")
        target = feature
        for part in parents:
            target = target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return change


_DELETE = object()


@pytest.mark.parametrize("path, value, field", [
    ("geometry.coordinates", [40.5, 95], "geometry.coordinates"),
    ("geometry.coordinates", [200, 35], "geometry.coordinates"),
    ("geometry.coordinates", [35.1, 40.5, 1, 2], "geometry.coordinates"),
    ("geometry.coordinates", [float("nan"), 35], "geometry.coordinates"),
    ("geometry.coordinates", [40.5, float("inf")], "geometry.coordinates"),
    ("geometry.coordinates", ["40.5", 35], "geometry.coordinates"),
    ("geometry.coordinates", [True, 35], "geometry.coordinates"),
    ("geometry", _DELETE, "geometry"),
    ("geometry", None, "geometry"),
    ("geometry", "POINT (40 35)", "geometry"),
    ("geometry.type", "MultiPoint", "geometry.type"),
    ("properties", _DELETE, "properties"),
    ("properties.event_type", "Skirmish", "properties.event_type"),
    ("properties.event_type", _DELETE, "properties.event_type"),
    ("properties.sub_event_type", "Peaceful protest", "properties.sub_event_type"),
    ("properties.sub_event_type", "Drone", "properties.sub_event_type"),
    ("properties.event_date", "yesterday", "properties.event_date"),
    ("properties.event_date", "2022-02-30", "properties.event_date"),
    ("properties.event_date", "2022-4-7", "properties.event_date"),
    ("properties.event_date", "20220407", "properties.event_date"),
    ("properties.event_date", _DELETE, "properties.event_date"),
    ("properties.event_time", "25:00", "properties.event_time"),
    ("properties.event_time", "9pm", "properties.event_time"),
    ("properties.fatalities", "three", "properties.fatalities"),
    ("properties.fatalities", True, "properties.fatalities"),
    ("properties.fatalities", -1, "properties.fatalities"),
    ("properties.fatalities", float("nan"), "properties.fatalities"),
    ("properties.injuries", 2.5, "properties.injuries"),
    ("properties.injuries", float("inf"), "properties.injuries"),
    ("properties.time_precision", 4, "properties.time_precision"),
    ("properties.time_precision", 0, "properties.time_precision"),
    ("properties.geo_precision", "1", "properties.geo_precision"),
    ("properties.geo_precision", 0, "properties.geo_precision"),
    ("properties.country", "IRQ", "properties.country"),
    ("properties.country", "Syria", "properties.country"),
    ("properties.country", "XX", "properties.country"),
    ("properties.status", "final", "properties.status"),
    ("properties.quote", "x" * 10_001, "properties.quote"),
    ("properties.summary", ["a", "b"], "properties.summary"),
    ("properties.actor1", "Armed group\x00", "properties.actor1"),
    ("properties.layer", "my layer!", "properties.layer"),
    ("properties.id", "has spaces", "properties.id"),
    ("properties.gazetteer_id", "170794", "properties.gazetteer_id"),
    ("properties.created_at", "yesterday", "properties.created_at"),
    ("properties.updated_at", "2000-01-01T00:00:00Z", "properties.updated_at"),
    ("properties.source", "the news", "properties.source"),
    ("properties.source.url", "javascript:alert(1)", "properties.source.url"),
    ("properties.source.published", "last week", "properties.source.published"),
    ("properties.source.title", 42, "properties.source.title"),
    ("properties.tags", {"a": 1}, "properties.tags"),
    ("properties.score", float("nan"), "properties.score"),
    ("properties.note", "x" * 10_001, "properties.note"),
    ("crs", {"type": "name"}, "crs"),
    ("type", "FeatureCollection", "type"),
    ("id", "other-id", "id"),
])
def test_bad_input_is_refused_naming_the_field(path, value, field):
    raw = sample("green_village")
    raw["properties"]["id"] = "green-village-1"
    raw["properties"]["created_at"] = "2022-04-08T00:00:00Z"
    _set(path, value)(raw)
    with pytest.raises(ValidationError) as caught:
        parse(raw)
    assert caught.value.field == field
    assert caught.value.to_dict() == {"error": "invalid", "field": field,
                                      "message": caught.value.message}


def test_refusals_explain_themselves():
    raw = sample("green_village")
    raw["geometry"]["coordinates"] = [35.152, 40.576]
    with pytest.raises(ValidationError, match=r"\[lon, lat\]"):
        parse({**raw, "geometry": {"type": "Point", "coordinates": [35.15, 140.5]}})
    raw["properties"]["country"] = "IRQ"
    with pytest.raises(ValidationError, match="'IQ'"):
        parse(raw)


def test_unclosed_polygon_and_short_line_are_refused():
    raw = sample("baghdad_protest")
    raw["geometry"] = {"type": "Polygon", "coordinates": [[[44, 33], [45, 33], [45, 34], [44, 34]]]}
    with pytest.raises(ValidationError, match="ring") as caught:
        parse(raw)
    assert caught.value.field == "geometry.coordinates"
    raw["geometry"] = {"type": "LineString", "coordinates": [[44, 33]]}
    with pytest.raises(ValidationError) as caught:
        parse(raw)
    assert caught.value.field == "geometry.coordinates"


def test_not_a_mapping_is_refused():
    with pytest.raises(ValidationError) as caught:
        parse_feature([1, 2])
    assert caught.value.field == "feature"


class Text(str):
    """A str subclass: the fast paths check exact types and leave these to the full checks."""


def test_subclasses_and_other_number_types_parse_as_the_plain_values():
    plain = sample("green_village")
    plain["geometry"]["coordinates"] = [40, 35]
    odd = sample("green_village")
    odd["geometry"]["coordinates"] = (40.0, 35)
    odd["properties"].update(country=Text("SY"), event_date=Text("2022-04-07"),
                             summary=Text(odd["properties"]["summary"]), fatalities=0.0,
                             layer=Text("incidents"), geo_precision=1.0)
    odd["properties"]["source"] = {**odd["properties"]["source"],
                                   "published": Text("2022-04-08")}
    assert parse(odd) == parse(plain)
    assert parse(plain)["geometry"]["coordinates"] == [40.0, 35.0]


def test_allowed_whitespace_and_refused_control_characters():
    raw = sample("green_village")
    raw["properties"]["summary"] = "  Two lines\nand a\ttab.  "
    assert parse(raw)["properties"]["summary"] == "Two lines\nand a\ttab."
    raw["properties"]["summary"] = "Two lines\n\x07"
    with pytest.raises(ValidationError, match="control characters") as caught:
        parse(raw)
    assert caught.value.field == "properties.summary"


def test_a_country_that_is_not_text_is_refused():
    raw = sample("green_village")
    raw["properties"]["country"] = ["SY"]
    with pytest.raises(ValidationError) as caught:
        parse(raw)
    assert caught.value.field == "properties.country"


def test_geometry_names_stay_importable_from_incident():
    from geomap import geometry, incident
    for name in ("parse_geometry", "geometry_bbox", "representative_point", "GEOMETRY_TYPES",
                 "MAX_POSITIONS"):
        assert getattr(incident, name) is getattr(geometry, name)


def test_the_country_codes_are_built_once_not_per_feature():
    # A lost cache once made every import three times slower (bench_ingest_vs_gdal.py).
    from geomap import incident

    assert incident._alpha2_codes() is incident._alpha2_codes()
    assert {"IQ", "SY", "PS"} <= incident._alpha2_codes()
