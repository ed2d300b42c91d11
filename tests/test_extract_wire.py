"""Wire-style reports (written for these tests): a toll told in the present perfect, a lead that
names only the province, a dateline closed by a colon, a speaker's place, a report over several
provinces, and the same answer on every run."""

import datetime as dt
import functools
import json
import os
import subprocess
import sys

import pytest

from geomap.extract import parse_report

PUBLISHED = dt.date(2021, 8, 16)  # a Monday


@pytest.fixture
def read(extract_text):
    return functools.partial(extract_text, published=PUBLISHED)


def test_a_toll_told_in_the_present_perfect_today_is_an_incident_of_the_day(read):
    found = read("Three people have been killed in a rocket attack on a market in the Syrian city of "
                 "Idlib today, local officials said.")
    assert [(p["location"], p["country"], p["event_date"], p["fatalities"]) for p in found] == [
        ("Idlib", "SY", "2021-08-16", 3)]


def test_fighting_that_has_flared_before_is_no_incident(read):
    assert read("Fighting between rival clans has flared near Kirkuk before, residents said.") == []
    assert read("Militants have carried out dozens of attacks on the base this year.") == []


def test_a_lead_naming_only_the_state_and_the_village_told_next_are_one_incident(read):
    found = read("Six villagers have been killed in an attack by gunmen in northwest Nigeria's Kaduna state, "
                 "a state official said on Sunday.\n\nThe gunmen attacked Kaura on Sunday morning, burning "
                 "houses and shooting residents, the official said in a statement.")
    assert [(p["location"], p["admin1"], p["event_date"], p["fatalities"]) for p in found] == [
        ("Kaura", "Kaduna", "2021-08-15", 6)]


def test_a_state_named_as_such_is_the_first_level_division(gazetteer):
    for query, country, name in (("Kaduna state", "NG", "Kaduna"), ("Borno State", "NG", "Borno"),
                                 ("Shan State", "MM", "Shan")):
        match = gazetteer.resolve(query, country=country)["match"]
        assert (match["name"], match["feature"]) == (name, "division"), query
    assert gazetteer.resolve("Islamic State")["match"] is None


def test_a_dateline_closed_by_a_colon_is_the_dateline_not_the_news():
    report = parse_report("ARBIL, Iraq: A drone strike killed three fighters near Sinjar on Sunday.",
                          document="wire.txt", published=PUBLISHED)
    assert report.dateline == "ARBIL, Iraq"
    assert report.paragraphs[0].text.startswith("A drone strike")


def test_where_the_speakers_are_is_not_where_the_strike_was(read):
    found = read("A Turkish drone strike killed three fighters near Sinjar on Sunday, authorities in the "
                 "autonomous Kurdistan region said.")
    assert [(p["location"], p["country"], p["fatalities"]) for p in found] == [("Sinjār", "IQ", 3)]


def test_an_unknown_village_in_a_report_over_several_provinces_stays_at_the_country(read):
    found = read("Russian shelling killed a woman in Kherson on Monday, the regional governor said. In "
                 "Kharkiv province, air defences shot down two drones overnight.\n\nShelling also hit "
                 "Avdiivka in the east on Monday, wounding two people.\n\nShelling in the village of "
                 "Zlatopilske killed an elderly man on Monday, officials said.",
                 published=dt.date(2023, 12, 5))
    village = [p for p in found if p["location_mention"] == "Zlatopilske"]
    assert [(p["location"], p["geo_precision"]) for p in village] == [("Ukraine", 3)]
    assert "Zlatopilske" in village[0]["review"]


AMBIGUOUS_LANDMARKS = """---
published: 2021-02-11
---
On 10 February 2021, gunmen shot dead three drivers from the Amhara region as they travelled toward \
the Afar region in the Bati woreda. Fighting between Afar and Amhara militias has flared there before.
"""


def test_the_same_report_gives_the_same_incidents_on_every_run(tmp_path, gazetteer_path):
    """Python orders sets differently in each process: ties between countries must not follow it."""
    path = tmp_path / "afar.md"
    path.write_text(AMBIGUOUS_LANDMARKS, "utf-8")
    answers = set()
    for seed in ("1", "3", "5", "6"):
        env = {**os.environ, "GEOMAP_GAZETTEER_DB": str(gazetteer_path), "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "geomap", "extract", "--json", str(path)],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        features = json.loads(done.stdout)["features"]
        answers.add(tuple((f["properties"]["location"], f["properties"]["country"]) for f in features))
    assert answers == {(("Batī", "ET"),)}
