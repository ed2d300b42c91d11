"""Reports read in batches (``iter_extracted``) give what they give one by one, refusals in their place."""

import datetime as dt

import pytest

import geomap.extract as extract
from geomap.errors import ValidationError
from geomap.extract import extract_report, iter_extracted, parse_report
from geomap.extract.dates import parse_explicit

NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
TEXTS = [
    "Iraqi army units shelled Islamic State hideouts with mortars near Muqdadiya on Wednesday.",
    "The foreign ministers of Iraq and Jordan met in Amman to discuss trade.",
    "Hundreds of teachers protested outside the governorate building in Nasiriyah on Saturday.\n\n"
    "Gunmen killed two policemen at a checkpoint in Baquba a day earlier.",
    "Militants attacked an army checkpoint near Tuz Khurmatu, killing two soldiers.",  # undated
    "A roadside bomb wounded three soldiers on the road to Tikrit on 7 May 2024.",
]


def reports():
    published = [dt.date(2024, 5, 10), dt.date(2024, 5, 10), dt.date(2024, 6, 2), None, dt.date(2024, 5, 8)]
    return [parse_report(text, document=f"r{i}.txt", published=day)
            for i, (text, day) in enumerate(zip(TEXTS, published, strict=True))]


@pytest.mark.parametrize("batch_reports", [256, 2])
def test_batches_give_the_incidents_of_one_by_one_and_refusals_in_place(gazetteer, monkeypatch,
                                                                        batch_reports):
    monkeypatch.setattr(extract, "BATCH_REPORTS", batch_reports)  # several batches, cut mid-list
    batched = list(iter_extracted(reports(), gazetteer, now=NOW))
    assert len(batched) == len(TEXTS)
    refused = batched[3]
    assert isinstance(refused.error, ValidationError) and "--published" in str(refused.error)
    assert refused.features == []
    for report, result in zip(reports(), batched, strict=True):
        if result.error is None:
            assert result.features == extract_report(report, gazetteer, now=NOW)
    kinds = [[f["properties"]["sub_event_type"] for f in r.features] for r in batched]
    assert kinds[0] == ["Shelling/artillery/missile attack"] and kinds[1] == []
    assert sorted(kinds[2]) == ["Attack", "Peaceful protest"]
    assert kinds[4] == ["Remote explosive/landmine/IED"]


@pytest.mark.parametrize(("text", "base", "expected"), [
    ("9 May 2020", dt.date(2024, 5, 10), dt.date(2020, 5, 9)),
    ("May 9, 2020", dt.date(2024, 5, 10), dt.date(2020, 5, 9)),
    ("2020-05-09", dt.date(2024, 5, 10), dt.date(2020, 5, 9)),
    ("May 2020", dt.date(2024, 5, 10), dt.date(2020, 5, 1)),
    ("Sept. 9", dt.date(2024, 5, 10), dt.date(2023, 9, 9)),  # no year: the last one not ahead
    ("11 May", dt.date(2024, 5, 10), dt.date(2024, 5, 11)),  # the day after publication is still this year
    ("12 May", dt.date(2024, 5, 10), dt.date(2023, 5, 12)),
    ("31 December", dt.date(2024, 1, 1), dt.date(2023, 12, 31)),
    ("29 Feb", dt.date(2024, 3, 1), dt.date(2024, 2, 29)),
    ("31 April 2024", dt.date(2024, 5, 10), None),  # no such day
])
def test_explicit_dates(text, base, expected):
    assert parse_explicit(text, base) == expected
