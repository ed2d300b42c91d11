"""Which event a sentence tells of, and where: decided from the parse, on reports written for the test."""

import datetime as dt

import pytest

from geomap.extract import extract_report, parse_report

PUBLISHED = dt.date(2024, 5, 10)  # a Friday


@pytest.fixture
def extract(gazetteer):
    def read(text, published=PUBLISHED):
        found = extract_report(parse_report(text, document="test.txt", published=published), gazetteer)
        return [f["properties"] for f in found]
    return read


def test_an_event_that_only_describes_the_people_of_another_is_not_the_event(extract):
    found = extract("Two tribes fought with machine guns in Tuz Khurmatu on Tuesday, leaving three dead.\n\n"
                    "Police arrested eight men suspected of taking part in the fighting in Tuz Khurmatu "
                    "on Wednesday.")
    assert [(p["sub_event_type"], p["event_date"]) for p in found] == [
        ("Armed clash", "2024-05-07"), ("Arrests", "2024-05-08")]


def test_the_place_a_statement_was_issued_is_not_the_place_of_the_event(extract):
    found = extract("Militants attacked an army outpost in Tuz Khurmatu late on Tuesday. One of the "
                    "attackers was killed, the Joint Operations Command said in a statement issued in "
                    "Baghdad.")
    assert [(p["location_mention"], p["fatalities"]) for p in found] == [("Tuz Khurmatu", 1)]


def test_a_place_classified_as_part_of_another_is_the_place_named_first(extract):
    found = extract("Turkish howitzers shelled farmland outside Batifa, a sub-district of Zakho, on Monday.")
    assert [(p["location_mention"], p["geo_precision"]) for p in found] == [("Batifa", 2)]


def test_a_group_called_is_is_not_read_as_the_verb(extract):
    found = extract("On 7 May 2024, army units backed by the air force ambushed IS militants in the "
                    "mountains near Tuz Khurmatu.")
    assert [(p["sub_event_type"], p["event_date"]) for p in found] == [("Armed clash", "2024-05-07")]


def test_a_place_in_a_clause_about_another_event_is_not_the_events(extract):
    # The gathering's own place is in no index: better no incident than one at Mosul.
    found = extract("On 4 May 2024, mourners gathered in Qaryat Zufrani to demand justice for a man who "
                    "died of wounds he suffered in clashes in Mosul.")
    assert [p["location_mention"] for p in found] == []


def test_one_toll_spread_over_locations_is_shared_by_the_events_of_the_day(extract):
    found = extract("On 6 May 2024, clashes erupted between the army and tribal fighters on the Sinjar "
                    "and Tal Afar fronts in Nineveh province. Unknown fatalities coded as 6 and spread "
                    "across two locations.")
    assert sorted((p["location_mention"], p["fatalities"]) for p in found) == [("Sinjar", 3), ("Tal Afar", 3)]
