"""Learned places: the store learns the names and points of incidents it holds, and every
resolution consults them (library, CLI, extraction, the web search)."""

import json

import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.gazetteer import Gazetteer
from geomap.gazetteer.sources import curated_files
from geomap.store import SQLiteStore
from tests.acled_samples import EVENTS, write_acled

VILLAGE = ("Tell Quwayrat", "SY", 35.0417, 40.5533)  # made up: no gazetteer holds it


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(map(str, args)), catch_exceptions=False, **kwargs)


@pytest.fixture
def env(monkeypatch, gazetteer_path, tmp_path):
    monkeypatch.setenv("GEOMAP_GAZETTEER_DB", str(gazetteer_path))
    monkeypatch.setenv("GEOMAP_DB", str(tmp_path / "store.sqlite"))
    return tmp_path / "store.sqlite"


@pytest.fixture
def acled_store(env, tmp_path):
    done = run("ingest", write_acled(tmp_path / "acled.csv", "spreadsheet"))
    assert done.exit_code == 0, done.output
    return env


def point_feature(incident_id, location, lon, lat, **props):
    return {"type": "Feature", "id": incident_id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"event_date": "2021-03-06", "event_type": "Battles",
                           "sub_event_type": "Armed clash", "country": "SY",
                           "location": location, **props}}


def geocode(query, country, *db):
    done = run(*db, "geocode", "--json", "--country", country, query)
    return json.loads(done.output.splitlines()[-1])


# --- the store (the rules for every backend are in test_store_contract_learned.py) -----

def test_imported_incidents_teach_their_name_point_source_and_count(acled_store):
    with SQLiteStore(acled_store) as store:
        learned = {p.name: p for p in store.learned_places()}
    village = learned["Tell Quwayrat"]
    assert (village.name, village.country, village.lat, village.lon) == VILLAGE
    assert (village.count, village.source, village.admin1) == (2, "acled", "Deir ez-Zor")
    assert learned["Khirbat Umm Sunnar"].country == "IQ"


# --- resolution ---------------------------------------------------------------------------

def test_geocode_resolves_a_village_only_the_store_knows(acled_store, tmp_path):
    before = geocode("Tell Quwayrat", "SY", "--db", tmp_path / "other.sqlite")
    assert before["match"] is None
    match = geocode("Tell Quwayrat", "SY")["match"]
    assert (match["lat"], match["lon"], match["country"]) == VILLAGE[2:] + ("SY",)
    assert match["gazetteer_id"].startswith("learned:") and "2 stored incidents" in match["why"]
    assert geocode("Tel Quwairat", "SY")["match"]["lat"] == VILLAGE[2]  # a report's spelling
    assert not (tmp_path / "other.sqlite").exists()  # geocode does not create a store


def test_a_report_naming_a_learned_village_is_placed_there(acled_store, tmp_path):
    report = tmp_path / "report.md"
    report.write_text("---\npublished: 2021-03-20\n---\nUnidentified gunmen shot dead a shepherd "
                      "in Tell Quwayrat, a village in Syria's Deir ez-Zor province, on Friday, "
                      "local sources said.\n", encoding="utf-8")
    done = run("extract", "--json", report)
    assert done.exit_code == 0, done.output
    [incident] = json.loads(done.output)["features"]
    assert incident["geometry"]["coordinates"] == [VILLAGE[3], VILLAGE[2]]
    assert incident["properties"]["location"] == "Tell Quwayrat"


def test_cli_lists_and_removes_learned_places(acled_store):
    done = run("gazetteer", "learned", "--json")
    listed = [json.loads(line) for line in done.output.splitlines() if line.startswith("{")]
    assert {(p["name"], p["count"], p["source"]) for p in listed} == {
        ("Tell Quwayrat", 2, "acled"), ("Khirbat Umm Sunnar", 1, "acled")}
    done = run("gazetteer", "learned", "--remove", "Tell Quwayrat")
    assert done.exit_code == 0 and "1 learned place" in done.output
    assert geocode("Tell Quwayrat", "SY")["match"] is None
    assert run("gazetteer", "learned", "--remove", "Tell Quwayrat").exit_code == 1


def test_a_long_running_gazetteer_sees_places_learned_after_it_opened(gazetteer_path, tmp_path):
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        gazetteer = Gazetteer(gazetteer_path, curated_files(), learned=store.learned_places)
        assert gazetteer.resolve("Jadid Ekeidat", country="SY")["match"] is None
        store.add(point_feature("a", "Jadid Ekeidat", 40.41, 35.21))
        gazetteer.learned.refresh(force=True)
        assert gazetteer.resolve("Jadid Ekeidat", country="SY")["match"]["lat"] == 35.21


def test_an_analyst_moving_an_incident_on_the_map_teaches_the_place(client, store):
    from tests.web_support import TOKEN

    store.add(point_feature("a", "Jadid Ekeidat", 40.0, 35.0, gazetteer_id="geonames:170000"))
    assert store.learned_places() == []  # placed by the gazetteer: nothing learned
    response = client.patch("/api/incidents/a", headers={"Authorization": f"Bearer {TOKEN}"},
                            json={"geometry": {"type": "Point", "coordinates": [40.41, 35.21]}})
    assert response.status_code == 200, response.get_json()
    [place] = store.learned_places()
    assert (place.name, place.lat, place.lon, place.source) == ("Jadid Ekeidat", 35.21, 40.41,
                                                                "analyst")
    answer = client.get("/api/gazetteer/search?q=Jadid+Ekeidat&country=SY").get_json()
    assert answer["match"]["lat"] == 35.21


def test_the_map_search_consults_the_store(client, store):
    store.add(point_feature("a", "Jadid Ekeidat", 40.41, 35.21))
    answer = client.get("/api/gazetteer/search?q=Jadid+Ekeidat&country=SY").get_json()
    assert answer["match"]["lat"] == 35.21


def test_the_embedded_place_stays_the_answer_when_the_store_confirms_it(tmp_path, gazetteer_path):
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.add(point_feature("a", "Hajin", 40.84, 34.70))  # 1 km from the gazetteer's Hajin
        gazetteer = Gazetteer(gazetteer_path, curated_files(), learned=store.learned_places)
        match = gazetteer.resolve("Hajin", country="SY")["match"]
    assert match["gazetteer_id"].startswith("geonames:") and "confirmed" in match["why"]


def test_events_written_for_the_tests_are_ours():
    assert all(event["id"].startswith(("SYR99", "IRQ99")) for event in EVENTS)
