"""IncidentQuery and parse_query: HTTP parameters in, one validated query out."""

from datetime import date

import pytest

from geomap.errors import ValidationError
from geomap.query import MAX_LIMIT, IncidentQuery, parse_query


def test_defaults():
    query = parse_query({})
    assert query == IncidentQuery()
    assert (query.layer, query.limit, query.offset, query.sort) == ("incidents", 100, 0, "event_date")


def test_every_parameter():
    query = parse_query({
        "layer": "archive", "bbox": "38.5,34.0,42.5,37.5", "start": "2022-01-01",
        "end": "2022-12-31", "type": "Battles,explosions/remote violence",
        "sub_type": ["Armed clash", "Air/drone strike"], "country": "sy,IQ",
        "actor": " Islamic State ", "q": "Green Village", "min_fatalities": "1",
        "precision": "2", "status": "published", "limit": "50", "offset": "100",
        "sort": "fatalities"})
    assert query == IncidentQuery(
        layer="archive", bbox=(38.5, 34.0, 42.5, 37.5), start=date(2022, 1, 1),
        end=date(2022, 12, 31), event_types=("Battles", "Explosions/Remote violence"),
        sub_event_types=("Armed clash", "Air/drone strike"), countries=("SY", "IQ"),
        actor="Islamic State", text="Green Village", min_fatalities=1, precision=2,
        statuses=("published",), limit=50, offset=100, sort="fatalities")


def test_lists_may_repeat_and_empty_values_are_absent():
    query = parse_query({"country": ["SY", "IQ,SY"], "start": "", "q": " ", "type": ","})
    assert query.countries == ("SY", "IQ")
    assert query.start is None and query.text is None and query.event_types == ()


def test_multidict_style_parameters():
    class MultiDict(dict):
        def getlist(self, key):
            return self.get(key, [])
    query = parse_query(MultiDict(type=["Battles", "Riots"], limit=["7"]))
    assert query.event_types == ("Battles", "Riots") and query.limit == 7


def test_to_params_round_trips():
    query = IncidentQuery(bbox=(40, 34, 41, 35), start=date(2022, 4, 1), countries=("SY",),
                          text="rocket", limit=20, offset=40, sort="event_date_asc")
    assert parse_query(query.to_params()) == query


def test_unpaged_keeps_filters():
    query = IncidentQuery(countries=("IQ",), limit=5, offset=10).unpaged()
    assert (query.countries, query.limit, query.offset) == (("IQ",), None, 0)


@pytest.mark.parametrize("params, field", [
    ({"bbox": "40,34,41"}, "bbox"),
    ({"bbox": "abc"}, "bbox"),
    ({"bbox": "40,34,41,nan"}, "bbox"),
    ({"bbox": "40,34,41,inf"}, "bbox"),
    ({"bbox": "40,95,41,96"}, "bbox"),
    ({"bbox": "-190,34,41,35"}, "bbox"),
    ({"bbox": "41,34,40,35"}, "bbox"),
    ({"bbox": "170,-10,-170,10"}, "bbox"),
    ({"bbox": "40,35,41,34"}, "bbox"),
    ({"start": "yesterday"}, "start"),
    ({"end": "2022-02-30"}, "end"),
    ({"start": "2022-05-01", "end": "2022-04-01"}, "end"),
    ({"type": "Skirmish"}, "type"),
    ({"sub_type": "Battles"}, "sub_type"),
    ({"country": "IRQ"}, "country"),
    ({"status": "final"}, "status"),
    ({"min_fatalities": "-1"}, "min_fatalities"),
    ({"min_fatalities": "three"}, "min_fatalities"),
    ({"precision": "4"}, "precision"),
    ({"precision": "1.5"}, "precision"),
    ({"limit": "-1"}, "limit"),
    ({"limit": "0"}, "limit"),
    ({"limit": str(10**9)}, "limit"),
    ({"limit": "1e3"}, "limit"),
    ({"limit": ["5", "6"]}, "limit"),
    ({"offset": "-5"}, "offset"),
    ({"sort": "random"}, "sort"),
    ({"layer": "../etc"}, "layer"),
    ({"q": "!!! ???"}, "q"),
    ({"q": "x" * 501}, "q"),
])
def test_malformed_parameters_are_refused_by_name(params, field):
    with pytest.raises(ValidationError) as caught:
        parse_query(params)
    assert caught.value.field == field


def test_antimeridian_is_refused_with_advice():
    with pytest.raises(ValidationError, match="antimeridian"):
        parse_query({"bbox": "170,-10,-170,10"})


def test_direct_construction_is_validated_too():
    with pytest.raises(ValidationError) as caught:
        IncidentQuery(limit=MAX_LIMIT + 1)
    assert caught.value.field == "limit"
    assert IncidentQuery(limit=None).limit is None
