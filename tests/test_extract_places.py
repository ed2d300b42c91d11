"""Where the extractor places an incident: the report's own geography decides between
namesakes, and a name that only a far place holds is refused, not taken (reports written for
the test)."""

import datetime as dt

import pytest

from geomap.extract import extract_report, parse_report
from geomap.extract.places import DocumentPlaces

PUBLISHED = dt.date(2024, 6, 10)


@pytest.fixture
def extract(gazetteer):
    def run(text):
        report = parse_report(text, document="test.txt", published=PUBLISHED)
        return [f["properties"] for f in extract_report(report, gazetteer)]
    return run


def test_a_namesake_abroad_is_refused_and_the_province_named_stands_in(extract):
    # "Al Kapoeta" reads exactly as Kapoeta, a town in South Sudan: not in a report about Hasakah.
    found = extract("On 3 June 2024, gunmen ambushed an army patrol near Al Kapoeta in Hasakah province, "
                    "killing two soldiers.")
    assert len(found) == 1
    p = found[0]
    assert (p["country"], p["geo_precision"], p["location_mention"]) == ("SY", 3, "Al Kapoeta")
    assert "Al Kapoeta" in p["review"]


def test_a_village_name_only_found_abroad_gives_no_place_in_a_province_report(extract):
    found = extract("On 6 June 2024, gunmen shot dead a shopkeeper in Kapoeta village in Raymah governorate.")
    assert [(p["country"], p["geo_precision"]) for p in found] == [("YE", 3)]


def test_a_nationality_names_who_acted_not_where(gazetteer, extract):
    # Israeli soldiers in the West Bank: the lone town is read where it is, not looked for in Israel.
    found = extract("On 4 June 2024, Israeli soldiers demolished two houses in Jenin.")
    assert [(p["country"], p["location_mention"], p["geo_precision"]) for p in found] == [("PS", "Jenin", 1)]
    sentences = ["On 6 June 2024, Turkish drones struck a car near Sidakan in northern Iraq, killing three."]
    assert set(DocumentPlaces(gazetteer, sentences).countries) == {"IQ"}


def test_a_nationality_of_a_place_still_says_where(gazetteer):
    sentences = ["On 8 June 2024, artillery shelled farmland near Tal Abyad in the Syrian countryside."]
    assert set(DocumentPlaces(gazetteer, sentences).countries) == {"SY"}
    border = ["On 8 June 2024, smugglers clashed with guards near the Iranian border."]
    assert "IR" not in DocumentPlaces(gazetteer, border).countries


def test_a_name_shared_with_a_city_abroad_is_read_in_the_actors_country(extract):
    # Al Bayda is a Yemeni province and town, and a larger Libyan city: the Houthis say which.
    found = extract("On 7 June 2024, Houthi forces shelled a market in Al Bayda, killing a child.")
    assert [(p["country"], p["location_mention"]) for p in found] == [("YE", "Al Bayda")]


def test_an_alternate_name_in_another_language_is_no_lone_place(extract):
    # GeoNames lists "Hamas" among the names of Hamm (Germany): a report means the movement.
    found = extract("On 5 June 2024, Hamas fighters fired rockets at Sderot, wounding two people.")
    assert [(p["country"], p["location"]) for p in found] == [("IL", "Sderot")]


def test_a_town_introduced_as_one_may_lie_across_the_border(extract):
    # The report is about Iraq; "the town of Inkhil" is surely a place, and Syria's Inkhil is near.
    found = extract("On 9 June 2024, militants attacked an army checkpoint near Sinjar in northern Iraq, "
                    "killing a soldier. On 8 June 2024, gunmen abducted a farmer in the town of Inkhil.")
    assert sorted(p["country"] for p in found) == ["IQ", "SY"]
    far = extract("On 9 June 2024, gunmen abducted a farmer in the village of Kapoeta in Hasakah province.")
    assert [(p["country"], p["geo_precision"]) for p in far] == [("SY", 3)]


def test_a_town_named_only_to_locate_another_is_not_the_event_place(extract):
    found = extract("On 4 June 2024, tribesmen clashed with soldiers near Harib, south of the city of Marib, "
                    "killing three fighters.")
    assert [(p["location_mention"], p["country"]) for p in found] == [("Harib", "YE")]


def test_a_region_named_after_a_town_is_placed_at_the_town(extract):
    found = extract("On 5 June 2024, Turkish warplanes struck suspected PKK positions in the Choman region "
                    "of Erbil, northern Iraq.")
    assert [(p["location"], p["country"], p["location_mention"]) for p in found] == [
        ("Choman", "IQ", "Choman region")]
    assert "review" not in found[0]


def test_a_persian_name_joined_by_ezafe_is_one_name(extract):
    found = extract("On 5 June 2024, farmers protested over water shortages in Qasr e Shirin.")
    assert [(p["country"], p["location_mention"]) for p in found] == [("IR", "Qasr e Shirin")]
