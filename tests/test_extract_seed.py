"""The seed report gives exactly its three incidents, field by field, and nothing else."""

import datetime as dt

import pytest
from geopy.distance import geodesic

from geomap.datafiles import data_folder
from geomap.extract import extract_report, parse_report, read_report

SEED = data_folder("seeds") / "000_3ce66746abaef62e.txt"


@pytest.fixture(scope="module")
def incidents(gazetteer):
    found = extract_report(read_report(SEED), gazetteer)
    return {f["properties"]["sub_event_type"]: f for f in found}


def test_exactly_three_incidents(gazetteer):
    assert len(extract_report(read_report(SEED), gazetteer)) == 3


def test_drones_shot_down_near_ain_al_asad(incidents):
    feature = incidents["Disrupted weapons use"]
    p = feature["properties"]
    assert p["event_type"] == "Strategic developments"
    assert (p["event_date"], p["time_precision"]) == ("2022-04-08", 1)
    assert p["location"] == "Al Asad Air Base" and p["location_mention"] == "Ain al-Assad Air Base"
    assert (p["country"], p["admin1"], p["gazetteer_id"]) == ("IQ", "Al Anbar", "icao:ORAA")
    assert p["geo_precision"] == 2  # "near" the base
    assert (p["fatalities"], p["injuries"]) == (0, 0)
    assert p["actor1"] == "US military"
    assert "shot down two drones near Ain al-Assad Air Base" in p["quote"]
    assert "No injuries or damages were reported" in p["quote"]
    lon, lat = feature["geometry"]["coordinates"]
    assert geodesic((33.79, 42.44), (lat, lon)).km < 3


def test_indirect_fire_on_green_village(incidents):
    feature = incidents["Shelling/artillery/missile attack"]
    p = feature["properties"]
    assert p["event_type"] == "Explosions/Remote violence"
    assert (p["event_date"], p["event_time"], p["time_precision"]) == ("2022-04-07", "01:09", 1)
    assert (p["location"], p["country"], p["admin1"]) == ("Green Village", "SY", "Deir ez-Zor")
    assert p["gazetteer_id"] == "site:green-village" and p["geo_precision"] == 1
    assert p["injuries"] == 4 and p["fatalities"] is None
    assert (p["actor1"], p["actor2"]) == ("unidentified armed group", "US-led coalition")
    assert "2 rounds of indirect fire" in p["quote"] and "four US soldiers" in p["quote"]
    lon, lat = feature["geometry"]["coordinates"]
    assert geodesic((35.152, 40.576), (lat, lon)).km < 3


def test_strike_at_baghdad_airport_in_2020(incidents):
    feature = incidents["Air/drone strike"]
    p = feature["properties"]
    assert p["event_type"] == "Explosions/Remote violence"
    assert (p["event_date"], p["time_precision"]) == ("2020-01-03", 1)
    assert (p["location"], p["gazetteer_id"], p["country"]) == (
        "Baghdad International Airport", "icao:ORBI", "IQ")
    assert p["geo_precision"] == 1 and p["fatalities"] == 2
    assert p["actor1"] == "US military"
    assert "Qassem Soleimani" in p["quote"] and "Abu Mahdi al-Muhandis" in p["quote"]
    assert "Motorists" not in p["quote"]  # the photo caption is not a source


def test_provenance_and_status(incidents):
    for feature in incidents.values():
        p = feature["properties"]
        assert p["source"]["document"] == SEED.name
        assert p["source"]["published"] == "2022-04-08"
        assert p["source"]["publisher"] == "Newsweek"
        assert p["status"] == "draft" and p["summary"]
        assert feature["id"] == p["id"]


def test_ids_are_stable_across_runs(gazetteer):
    first = [f["id"] for f in extract_report(read_report(SEED), gazetteer)]
    second = [f["id"] for f in extract_report(read_report(SEED), gazetteer)]
    assert first == second and len(set(first)) == 3


def test_nothing_from_captions_or_the_phone_call(incidents):
    quotes = " ".join(f["properties"]["quote"] for f in incidents.values())
    assert "telephone" not in quotes and "Getty" not in quotes and "Bradley" not in quotes


def test_published_date_given_on_the_command_line_wins(gazetteer):
    text = SEED.read_text("utf-8")
    report = parse_report(text, document="seed.txt", published=dt.date(2022, 4, 15))
    dates = {f["properties"]["event_date"] for f in extract_report(report, gazetteer)}
    assert "2022-04-15" in dates  # "Friday local time" now reads as 15 April
