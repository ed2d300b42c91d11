"""Casualties, dates, actors and places as the extractor reads them, on reports written for the test."""

import datetime as dt

import pytest

from geomap.extract import extract_report, parse_report
from geomap.extract.actors import actor_variants, canonical_actor, find_claimant
from geomap.extract.casualties import find_casualties, find_split
from geomap.extract.dates import find_dates
from geomap.extract.nlp import get_pipeline

PUBLISHED = dt.date(2024, 5, 10)  # a Friday


def casualties(sentence):
    return find_casualties(next(iter(get_pipeline()(sentence).sents)))


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Turkish warplanes bombed the positions, wounding two American service members and one Iraqi soldier.",
     (None, 3)),
    ("Two soldiers and a civilian were killed and four others were wounded.", (3, 4)),
    ("A roadside bomb exploded near the convoy, killing or injuring 3.", (None, 3)),
    ("At least 20 people died when the shells hit the market.", (20, None)),
    ("The clashes resulted in 5 fatalities.", (5, None)),
    ("No injuries or damages were reported.", (0, 0)),
    ("Gunmen shot dead a man outside his home.", (1, None)),
    # One person though no number is written; a date's day is no toll; "a number" states none.
    ("On 3 May 2024, gunmen shot dead a shopkeeper's son in the market.", (1, None)),
    ("On 8 May 2024, unknown men assassinated a member of the council.", (1, None)),
    ("The bodies of 2 shepherds were found near the road.", (2, None)),
    ("Militants attacked a checkpoint, killing a number of soldiers.", (None, None)),
])
def test_casualty_forms(sentence, expected):
    assert casualties(sentence) == expected


def test_acled_coded_toll_is_the_toll():
    found = extract("On 6 May 2024, tribal fighters attacked an army post in Sinjar, killing a number "
                    "of soldiers. Unknown fatalities coded as 10.")
    assert [f["properties"]["fatalities"] for f in found] == [10]


def test_fatalities_split_between_events():
    assert find_split("12 fatalities split between 3 events.") == (12, 3)
    assert find_split("Unknown fatalities coded as 10 and spread across three locations.") == (10, 3)
    assert find_split("Unknown number of fatalities coded as 6, split up between 2 events.") == (6, 2)
    assert find_split("Fatalities split between two events.") == (None, 2)
    assert find_split("Fatalities coded as 9 and spread across three locations in two days.") == (6, 2)
    assert find_split("Twelve people were killed.") is None


def extract(text, published=PUBLISHED):
    return extract_report(parse_report(text, document="test.txt", published=published), GAZETTEER)


@pytest.fixture(autouse=True)
def _gazetteer(gazetteer):
    global GAZETTEER
    GAZETTEER = gazetteer


def test_explicit_and_reported_dates():
    on_day = find_dates("On 9 May 2020, gunmen attacked a checkpoint.", PUBLISHED)
    assert [(d.date, d.precision, d.reporting) for d in on_day] == [(dt.date(2020, 5, 9), 1, False)]
    reported = find_dates("As reported on 9 May 2020, settlers cut down olive trees.", PUBLISHED)
    assert [(d.date, d.reporting) for d in reported] == [(dt.date(2020, 5, 9), True)]


def test_weekday_and_a_day_earlier_across_paragraphs():
    found = extract("Militants attacked an army checkpoint near Tuz Khurmatu on Wednesday, killing two "
                    "soldiers.\n\nA day earlier, a roadside bomb wounded three policemen in Kirkuk.")
    days = {f["properties"]["sub_event_type"]: f["properties"]["event_date"] for f in found}
    assert days == {"Armed clash": "2024-05-08", "Remote explosive/landmine/IED": "2024-05-07"}


def test_a_date_in_another_year_is_history_not_an_event():
    assert extract("Islamic State militants overran the town of Hit in Anbar province in 2014.") == []


def test_claim_of_responsibility_names_the_perpetrator():
    found = extract("A rocket struck the airport in Erbil on Thursday, causing damage to a hangar. "
                    "Kataib Hezbollah claimed the attack in a statement on Telegram.")
    assert [f["properties"]["actor1"] for f in found] == ["Kata'ib Hezbollah"]
    assert find_claimant("The Islamic State said it carried out the bombing.") == "Islamic State"


def test_one_table_names_each_actor_and_its_variants():
    assert canonical_actor("Kataib Hizballah") == canonical_actor("Kata'ib Hezbollah") == "Kata'ib Hezbollah"
    assert {"kataib hezbollah", "kata'ib hezbollah"} <= set(actor_variants("Kataib Hezbollah"))


def test_acled_style_city_neighbourhood_compound():
    found = extract("On 9 May 2024, gunmen clashed with police in Aden-Zufrawi, leaving one policeman dead.")
    assert len(found) == 1
    p = found[0]["properties"]
    assert (p["location"], p["country"], p["location_mention"]) == ("Aden", "YE", "Aden-Zufrawi")
    assert p["geo_precision"] == 2 and "review" in p  # inside the city, the neighbourhood not in the index


def test_unknown_village_falls_back_to_its_province_with_geo_precision_3():
    found = extract("On 8 May 2024, gunmen abducted two shepherds in Qaryat Zufrani in Diyala province.")
    assert len(found) == 1
    p = found[0]["properties"]
    assert (p["location"], p["country"], p["geo_precision"]) == ("Diyala", "IQ", 3)
    assert p["location_mention"] == "Qaryat Zufrani" and "Qaryat Zufrani" in p["review"]


def test_parenthesised_district_steers_a_village_name():
    found = extract("On 7 May 2024, Turkish drones struck a farm near Kani Masi (Amadiya) in Duhok province.")
    assert len(found) == 1
    p = found[0]["properties"]
    assert p["country"] == "IQ" and p["admin1"] in ("Duhok", "Dahuk", "Dohuk", "Dihok")


def test_fatalities_split_between_events_become_that_many_incidents():
    found = extract("On 6 May 2024, clashes erupted between the army and tribal fighters on the Sinjar, "
                    "Tal Afar and Mosul fronts in Nineveh province. 7 fatalities split between 3 events.")
    assert len(found) == 3
    assert sorted(f["properties"]["fatalities"] for f in found) == [2, 2, 3]
    assert {f["properties"]["location_mention"] for f in found} == {"Sinjar", "Tal Afar", "Mosul"}


def test_unknown_village_near_a_town_falls_back_to_the_town_with_geo_precision_2():
    found = extract("On 8 May 2024, gunmen attacked a police checkpoint in Qaryat Zufrani village "
                    "near Baquba.")
    assert len(found) == 1
    p = found[0]["properties"]
    assert (p["location"], p["geo_precision"]) == ("Baqubah", 2)
    assert p["location_mention"] == "Qaryat Zufrani village"
    assert "review" in p
