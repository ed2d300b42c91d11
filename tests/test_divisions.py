"""First-level divisions over HTTP: the picker's list, the admin1 filter and counts per division."""

from __future__ import annotations

import csv
import io

import pytest

from geomap.services.divisions import DivisionIndex, spelling_key
from tests.incident_samples import sample
from tests.web_support import assert_error

APP_BACKENDS = ("sqlite", "postgis")

#: Reports name Nineveh governorate in four ways: the gazetteer's own label (Ninawa), its
#: English name, ACLED's spelling and as the gazetteer's places carry it; and some name
#: no division at all, or one the gazetteer does not hold.
SPELT = [("Ninawa", 3), ("Nineveh", 2), ("Ninewa", 4), ("Deir ez-Zor", 5), ("Dayr az Zawr", 1),
         (None, 2), ("Wadi Hawran district", 1)]
PLACES = {"Ninawa": ("IQ", 43.13, 36.34), "Nineveh": ("IQ", 42.45, 36.37),
          "Ninewa": ("IQ", 41.87, 36.32), "Deir ez-Zor": ("SY", 40.14, 35.33),
          "Dayr az Zawr": ("SY", 40.45, 35.02), None: ("IQ", 44.37, 33.31),
          "Wadi Hawran district": ("IQ", 41.9, 33.4)}


def spelt_incidents() -> list[dict]:
    """Incidents of written spellings, two types each, one of them published."""
    features = []
    for which, (admin1, count) in enumerate(SPELT):
        country, lon, lat = PLACES[admin1]
        for number in range(count):
            feature = sample("mosul_ied" if number % 2 else "baghdad_protest")
            feature["id"] = f"division-{which}-{number}"
            feature["geometry"]["coordinates"] = [lon + number / 100, lat]
            feature["properties"].update(country=country, admin1=admin1,
                                         summary=f"Report {number} from {admin1 or 'nowhere'}.",
                                         status="published" if number == 0 else "draft")
            features.append(feature)
    return features


@pytest.fixture
def spelt(store):
    features = spelt_incidents()
    assert store.add_many(features).added == len(features) == 18
    return store


def matched(client, query: str) -> int:
    return client.get(f"/api/layers/incidents/features?limit=1&{query}").get_json()["numberMatched"]


def test_the_picker_lists_a_countrys_divisions_with_names_and_codes(client):
    body = client.get("/api/gazetteer/divisions?country=SY").get_json()
    by_code = {d["code"]: d for d in body["divisions"]}
    assert len(by_code) == 14 and {d["country"] for d in body["divisions"]} == {"SY"}
    deir = by_code["SY-DY"]
    assert deir["name"] == "Deir ez-Zor" and "دير الزور" in deir["names"]
    assert 39 < deir["lon"] < 42 and 34 < deir["lat"] < 37
    both = client.get("/api/gazetteer/divisions?country=SY,IQ").get_json()["divisions"]
    assert {d["code"] for d in both} >= {"SY-DY", "IQ-NI", "IQ-AN"} and len(both) == 14 + 18
    assert_error(client.get("/api/gazetteer/divisions?country=Syria"), 400, "country")


def test_counts_per_division_merge_its_spellings_and_sum_to_number_matched(client, spelt):
    body = client.get("/api/layers/incidents/admin1").get_json()
    assert body["numberMatched"] == matched(client, "") == 18
    assert sum(d["count"] for d in body["divisions"]) == 18
    by_name = {d["name"]: d for d in body["divisions"]}
    nineveh = by_name["Ninawa"]
    assert (nineveh["code"], nineveh["count"], nineveh["at"]) == ("IQ-NI", 9, "division")
    assert nineveh["spellings"] == ["Ninawa", "Nineveh", "Ninewa"]
    assert (nineveh["lon"], nineveh["lat"]) == (pytest.approx(42.3169), pytest.approx(36.0368))
    assert (by_name["Deir ez-Zor"]["code"], by_name["Deir ez-Zor"]["count"]) == ("SY-DY", 6)
    assert sum(by_name["Ninawa"]["by_type"].values()) == 9
    unknown = by_name["Wadi Hawran district"]  # no such division: at its incidents
    assert (unknown["code"], unknown["at"], unknown["lon"]) == (None, "incidents", 41.9)
    (unstated,) = [d for d in body["divisions"] if d["name"] is None]
    assert (unstated["count"], unstated["country"], unstated["at"]) == (2, "IQ", "incidents")


def test_counts_per_division_follow_the_filters(client, spelt):
    for filters in ("status=published", "country=SY", "type=Protests&country=IQ",
                    "bbox=40,34,44,37", "admin1=IQ-NI&type=Protests"):
        body = client.get(f"/api/layers/incidents/admin1?{filters}").get_json()
        assert body["numberMatched"] == matched(client, filters) == sum(
            d["count"] for d in body["divisions"]) > 0, filters
    published = client.get("/api/layers/incidents/admin1?status=published").get_json()
    assert {d["name"]: d["count"] for d in published["divisions"]}["Ninawa"] == 3


@pytest.mark.parametrize(("value", "count"), [
    ("IQ-NI", 9), ("iq-ni", 9), ("Ninawa", 9), ("Nineveh", 9), ("نينوى", 9),
    ("Ninewa", 4),  # not a name the gazetteer knows: as written
    ("SY-DY,IQ-NI", 15), ("Wadi Hawran district", 1), ("Atlantis", 0),
])
def test_the_admin1_filter_takes_a_code_or_any_name_of_the_division(client, spelt, value, count):
    assert matched(client, f"admin1={value}") == count
    body = client.get(f"/api/layers/incidents/aggregate?zoom=5&admin1={value}").get_json()
    assert body["numberMatched"] == count
    body = client.get(f"/api/layers/incidents/histogram?admin1={value}").get_json()
    assert body["numberMatched"] == count


@pytest.mark.parametrize(("query", "count"), [
    ("admin1=Ninewa&country=IQ", 9),  # ACLED's spelling of Ninawa, in the country given
    ("admin1=Deir Ezzor", 6), ("admin1=Dayr az-Zawr", 6),  # spellings of one division anywhere
    ("admin1=Deir Ezzor&country=IQ", 0),  # not a division of Iraq, and as written none
])
def test_a_spelling_of_a_division_filters_as_its_code_does(client, spelt, query, count):
    assert matched(client, query) == count
    assert client.get(f"/api/layers/incidents/admin1?{query}").get_json()["numberMatched"] == count


def test_the_picker_suggests_what_a_typed_text_names_or_starts(client):
    def suggested(query):
        return client.get(f"/api/gazetteer/divisions?{query}").get_json()

    answer = suggested("q=Deir Ezzor")
    assert answer["named"] == ["SY-DY"] and answer["divisions"][0]["name"] == "Deir ez-Zor"
    answer = suggested("country=IQ&q=Ninewa")
    assert answer["named"] == ["IQ-NI"] and answer["divisions"][0]["code"] == "IQ-NI"
    answer = suggested("country=IQ&q=al a")
    assert answer["named"] == [] and "IQ-AN" in [d["code"] for d in answer["divisions"]]
    assert {d["country"] for d in answer["divisions"]} == {"IQ"}
    answer = suggested("q=a")  # without a country: a few, not every division of the world
    assert len(answer["divisions"]) == 20 and answer["named"] == []
    assert suggested("q=Atlantis Deep")["divisions"] == []
    assert_error(client.get(f"/api/gazetteer/divisions?q={'x' * 201}"), 400, "q")
    assert_error(client.get("/api/gazetteer/divisions?q=%00"), 400, "q")


def test_a_download_is_filtered_by_division_as_the_map_is(client, spelt):
    response = client.get("/api/layers/incidents/features?download=1&format=csv&admin1=SY-DY")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 6 and {row["admin1"] for row in rows} == {"Deir ez-Zor", "Dayr az Zawr"}


def test_a_bad_division_value_is_refused_naming_admin1(client, spelt):
    assert_error(client.get("/api/layers/incidents/features?admin1=%00x"), 400, "admin1")
    assert_error(client.get(f"/api/layers/incidents/admin1?admin1={'x' * 201}"), 400, "admin1")
    assert_error(client.get("/api/layers/nowhere/admin1"), 404)
    assert_error(client.get("/api/layers/sites/admin1"), 404)


def test_two_divisions_sharing_a_spelling_key_are_told_apart_by_name_only():
    index = DivisionIndex([
        {"code": "XX-A", "name": "Nahr", "country": "XX", "lon": 1, "lat": 1, "names": ["Nahr"]},
        {"code": "XX-B", "name": "Nahur", "country": "XX", "lon": 2, "lat": 2, "names": ["Nahur"]},
        {"code": "XX-C", "name": "Salah ad Din", "country": "XX", "lon": 3, "lat": 3,
         "names": ["Salah ad Din"]}])
    assert spelling_key("Nahr") == spelling_key("Nahur")
    assert index.find("XX", "Nahr")["code"] == "XX-A" and index.find("XX", "nahur")["code"] == "XX-B"
    assert index.find("XX", "Nehr") is None  # either of two: neither
    assert index.find("XX", "Salah al-Din")["code"] == "XX-C"
    assert index.find("YY", "Salah ad Din") is None and index.find("XX", None) is None
