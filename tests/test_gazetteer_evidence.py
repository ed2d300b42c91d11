"""Calibrated confidence, as a user sees it: a reading that an unlisted namesake may well be
meant stays the answer but scores under 0.5 and says why; a spelling that is another name
where names are written in Latin letters is no answer; the report's context confirms."""

import pytest

from geomap.gazetteer.evidence import DOUBTS
from geomap.gazetteer.resolver import CONFIDENT


def tentative(answer: dict) -> bool:
    match = answer["match"]
    return match is not None and match["score"] < CONFIDENT and "tentative" in match["why"]


def test_every_doubt_has_a_name_a_factor_and_a_test_below():
    names = [doubt.name for doubt in DOUBTS]
    assert len(names) == len(set(names)) and all(0 < doubt.factor < 1 for doubt in DOUBTS)
    assert set(names) == set(TESTED_DOUBTS)


def test_a_small_village_by_its_own_name_is_a_confident_answer(gazetteer):
    # Ayn Halaqim (Hamah): a village of unknown size that GeoNames lists.
    match = gazetteer.resolve("Ayn Halaqim", country="SY")["match"]
    assert match["gazetteer_id"] == "geonames:2960" and match["score"] >= 0.95


def test_a_small_village_spelt_otherwise_is_a_tentative_answer(gazetteer):
    answer = gazetteer.resolve("Ain Halakim", country="SY")
    assert answer["match"]["gazetteer_id"] == "geonames:2960"
    assert tentative(answer), answer["match"]
    assert "unlisted namesake" in answer["match"]["why"]


def test_places_near_the_context_confirm_a_tentative_reading(gazetteer):
    # The report's other places lie 10 km away: no unlisted namesake is likely meant.
    match = gazetteer.resolve("Ain Halakim", country="SY", near=(34.95, 36.42))["match"]
    assert match["gazetteer_id"] == "geonames:2960" and match["score"] >= 0.9
    assert "tentative" not in match["why"]


def test_a_caller_weighing_its_own_context_gets_the_names_evidence(gazetteer):
    # The extractor weighs the report's geography itself (extract/places.py).
    match = gazetteer.resolve("Ain Halakim", country="SY", calibrated=False)["match"]
    assert match["gazetteer_id"] == "geonames:2960" and match["score"] >= 0.9


def test_a_village_of_few_people_is_tentative_even_by_its_name(gazetteer):
    # Lislamin (Idlib), 1,022 people: villages that small share names with unlisted ones.
    answer = gazetteer.resolve("Lislamin", country="SY")
    assert answer["match"]["gazetteer_id"] == "geonames:169358"
    assert tentative(answer) and "1,022 people" in answer["match"]["why"]


def test_another_name_of_a_small_village_is_tentative(gazetteer):
    # Shifatha is listed for 'Ayn Tamr (Karbala), a place of unknown size under another name.
    answer = gazetteer.resolve("Shifatha", country="IQ")
    assert answer["match"]["gazetteer_id"] == "geonames:90831"
    assert tentative(answer) and "another name of a small village" in answer["match"]["why"]
    assert gazetteer.resolve("Ayn Tamr", country="IQ")["match"]["score"] >= 0.95


def test_a_spelling_of_a_citys_ancient_name_is_tentative(gazetteer):
    # "Berea" (Beroea) is among Aleppo's names; "Beriya" is a spelling of it, not of Aleppo.
    answer = gazetteer.resolve("Beriya", country="SY")
    assert answer["match"]["gazetteer_id"] == "geonames:170063"
    assert tentative(answer) and "another name of Aleppo" in answer["match"]["why"]
    assert gazetteer.resolve("Berea", country="SY")["match"]["score"] == 1.0


def test_other_letters_are_another_name_where_names_are_written_in_latin_letters(gazetteer):
    # Ceylanpınar (Şanlıurfa) spelt with a letter more: in Turkish, another word.
    answer = gazetteer.resolve("Ceylanpinari", country="TR")
    assert answer["match"] is None
    assert "written in Latin letters" in answer["candidates"][0]["why"]
    assert gazetteer.resolve("Ceylanpinar", country="TR")["match"]["score"] == 1.0


def test_a_romanised_name_spelt_with_a_vowel_more_is_still_an_answer(gazetteer):
    # Salqin (Idlib): romanisations of Arabic add and drop vowels.
    match = gazetteer.resolve("Salaqin", country="SY")["match"]
    assert match["gazetteer_id"] == "geonames:164898" and match["score"] >= CONFIDENT


def test_a_short_village_name_spelt_otherwise_counts_for_less(gazetteer):
    # Tasil (Dar'a) spelt with two vowels otherwise: too many villages share such short names.
    answer = gazetteer.resolve("Tesel", country="SY")
    villages = [c for c in answer["candidates"] if c["feature"] == "village"]
    assert villages and all(c["score"] < 0.6 for c in villages)
    assert any("short name, spelt otherwise" in c["why"] for c in villages)


def test_the_largest_of_many_namesakes_not_by_far_is_tentative(gazetteer):
    # Three Konaklı in Turkey: the town of 18,000 near Alanya, villages of 1,900 and 800.
    answer = gazetteer.resolve("Konakli", country="TR")
    assert (round(answer["match"]["lat"], 2), round(answer["match"]["lon"], 2)) == (36.59, 31.9)
    assert tentative(answer) and "one of 3 places" in answer["match"]["why"]
    assert all(c["score"] < CONFIDENT for c in answer["candidates"] if c["name"] == "Konaklı")


@pytest.mark.parametrize("query, country", [("Baghdad", None), ("Deir Azor", None),
                                            ("Homs", "SY"), ("Mosul", "IQ")])
def test_well_known_places_stay_confident(gazetteer, query, country):
    assert gazetteer.resolve(query, country=country)["match"]["score"] >= 0.9


TESTED_DOUBTS = ("short village name spelt otherwise", "other letters in Latin script",
                 "spelling of another name", "small village spelt otherwise",
                 "small village by another name", "village of few people")
