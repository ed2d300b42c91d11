"""Pathological reports finish and still give what they should (no timing here: see benchmarks/)."""

import datetime as dt

from geomap.extract import extract_report, parse_report
from geomap.incident import MAX_QUOTE

PUBLISHED = dt.date(2024, 4, 20)
EVENTS = [
    "Turkish drones struck a vehicle near Sinjar on Monday, killing two fighters.",
    "Gunmen abducted a shop owner in the town of Tafas on Tuesday.",
    "Hundreds of students protested outside the university in Sulaymaniyah on Wednesday.",
    "Islamic State militants attacked an army checkpoint near Tuz Khurmatu on Thursday, killing a soldier.",
]
FILLER = ("The province has long been contested between the central government and regional parties, "
          "and residents complain about water shortages, unpaid salaries and the lack of electricity. ")


def test_a_single_200_kb_paragraph_is_read_whole(gazetteer):
    # Events at the start, the middle and the very end of one paragraph without a line break.
    middle = FILLER * (100_000 // len(FILLER))
    paragraph = EVENTS[0] + " " + middle + EVENTS[1] + " " + EVENTS[2] + " " + middle + EVENTS[3]
    assert len(paragraph) > 200_000 and "\n" not in paragraph
    found = extract_report(parse_report(paragraph, document="long.txt", published=PUBLISHED), gazetteer)
    kinds = sorted(f["properties"]["sub_event_type"] for f in found)
    assert kinds == ["Abduction/forced disappearance", "Air/drone strike", "Armed clash", "Peaceful protest"]


def test_repeated_article_prefix_yields_nothing(gazetteer):
    text = "al-al-al- " * 50_000
    assert extract_report(parse_report(text, document="al.txt", published=PUBLISHED), gazetteer) == []


def test_repeated_abbreviation_yields_nothing_and_an_event_after_it_is_found(gazetteer):
    text = "Mr. " * 50_000 + "\n\n" + EVENTS[1]
    found = extract_report(parse_report(text, document="mr.txt", published=PUBLISHED), gazetteer)
    assert [f["properties"]["sub_event_type"] for f in found] == ["Abduction/forced disappearance"]


def test_a_sentence_over_10000_characters_is_cut_in_the_quote_not_dropped(gazetteer):
    names = ", ".join(f"Ahmad Hassan Ali number {i}" for i in range(600))
    sentence = ("Gunmen abducted a shop owner in the town of Tafas in Daraa province on Tuesday, and the "
                "families listed "
                f"the names of the missing as {names} in a statement")
    assert len(sentence) > 10_000
    found = extract_report(parse_report(sentence + ".", document="list.txt", published=PUBLISHED), gazetteer)
    assert [f["properties"]["sub_event_type"] for f in found] == ["Abduction/forced disappearance"]
    quote = found[0]["properties"]["quote"]
    assert quote.startswith("Gunmen abducted a shop owner") and len(quote) < MAX_QUOTE
