"""Press-style reports (written for these tests): how the extractor reads the failures seen on
independent wire copy: an unknown village, a namesake abroad, a weekday told once, an air strike
that kills civilians, and an event whose only place is in no index."""

import datetime as dt
import functools

import pytest

PUBLISHED = dt.date(2024, 5, 10)  # a Friday


@pytest.fixture
def read(extract_text):
    return functools.partial(extract_text, published=PUBLISHED)


def test_an_unknown_village_in_a_town_falls_back_to_that_town_not_the_capital_named_elsewhere(read):
    found = read("BAGHDAD - Gunmen killed two farmers in the village of Zorbatiya Sufla, in Kirkuk, on "
                 "Tuesday, police said.\n\nThe interior ministry in Baghdad said an investigation had begun.")
    assert len(found) == 1
    p = found[0]
    assert (p["location"], p["geo_precision"], p["location_mention"]) == ("Kirkuk", 2, "Zorbatiya Sufla")
    assert "Zorbatiya Sufla" in p["review"]


def test_a_village_in_a_district_of_a_province_falls_back_to_the_province_keeping_the_village(read):
    found = read("Turkish drones struck the village of Qasrok Dere in the Sidakan district of Erbil province "
                 "on Wednesday, killing three people, local officials said.")
    assert len(found) == 1
    p = found[0]
    assert (p["location"], p["geo_precision"], p["location_mention"]) == ("Erbil", 3, "Qasrok Dere")
    assert p["event_date"] == "2024-05-08" and "review" in p


def test_a_village_in_a_countrys_province_falls_back_to_the_province(read):
    found = read("A roadside bomb killed three soldiers on Monday in the village of Hawr Bashar in Iraq's "
                 "Diyala province.")
    assert [(p["location"], p["country"], p["geo_precision"], p["location_mention"]) for p in found] == [
        ("Diyala", "IQ", 3, "Hawr Bashar")]
    assert "review" in found[0]


def test_shelling_of_an_unknown_village_is_still_an_incident_at_the_place_around_it(read):
    found = read("Nine civilians were killed on Thursday in regime shelling on the village of Kafr "
                 "Zuwaytinah, in the southern countryside of Idlib, a war monitor said.")
    assert len(found) == 1
    p = found[0]
    assert p["sub_event_type"] == "Shelling/artillery/missile attack" and p["fatalities"] == 9
    assert (p["country"], p["location_mention"], p["geo_precision"]) == ("SY", "Kafr Zuwaytinah", 2)
    assert "review" in p


def test_a_name_inside_a_province_of_the_report_is_not_read_as_a_namesake_abroad(read):
    found = read("On 5 May 2024, Turkish jets carried out airstrikes against PKK hideouts in Zawita Valley "
                 "(local name) in Akre district of Nineveh, northern Iraq.")
    assert [(p["country"], p["sub_event_type"]) for p in found] == [("IQ", "Air/drone strike")]


def test_a_village_abroad_sharing_a_citys_name_does_not_make_the_report_about_its_country(read):
    # There is a small Sidon in the United States; a bank's name must not be read as a place there.
    found = read("On 29 April 2024, rioters smashed the windows of the Audi Bank branch in Sidon.")
    assert [(p["location"], p["country"]) for p in found] == [("Sidon", "LB")]


def test_a_great_citys_name_is_a_place_though_english_uses_it_often(read):
    found = read("On 30 April 2024, around 200 Israelis demonstrated outside the parliament in Jerusalem "
                 "against the new budget.")
    assert [(p["location"], p["country"], p["sub_event_type"]) for p in found] == [
        ("Jerusalem", "IL", "Peaceful protest")]


def test_a_town_named_after_its_district_possessively_is_the_place(read):
    found = read("On 28 April 2024, dozens of residents threw stones at police officers in Jerusalem's "
                 "Bet Shemesh.")
    assert [p["location"] for p in found] == ["Bet Shemesh"]


def test_a_weekday_told_once_dates_the_sentences_after_it(read):
    found = read("Fighting erupted in Syria's northwest on Wednesday as government troops advanced.\n\n"
                 "Government forces shelled the town of Kafranbel, killing a fighter.\n\n"
                 "A car bomb exploded in the town of Azaz, killing four people.")
    assert {p["sub_event_type"]: (p["event_date"], p["time_precision"]) for p in found} == {
        "Shelling/artillery/missile attack": ("2024-05-08", 1),
        "Remote explosive/landmine/IED": ("2024-05-08", 1)}


def test_a_day_stated_long_before_is_background_not_the_date_of_what_follows(read):
    found = read("The group seized the area on 12 March 2024.\n\nGunmen killed two shepherds near Sinjar.")
    assert [(p["event_date"], p["time_precision"]) for p in found] == [("2024-05-10", 2)]


def test_after_an_air_strike_a_second_strike_is_an_air_strike_on_the_same_day(read):
    found = read("Turkish warplanes struck suspected PKK positions near Amadiya in Iraq's Duhok province on "
                 "Tuesday, local officials said.\n\nA second strike later hit a farm near Batifa, killing a "
                 "shepherd.")
    assert [(p["location_mention"], p["sub_event_type"], p["event_date"]) for p in found] == [
        ("Amadiya", "Air/drone strike", "2024-05-07"), ("Batifa", "Air/drone strike", "2024-05-07")]


@pytest.mark.parametrize("sentence", [
    "A drone killed three civilians near Qamishli on Tuesday.",
    "An Iraqi army drone killed two shepherds near Tuz Khurmatu on Tuesday.",
    "Saudi-led coalition aircraft killed six civilians in a strike on a wedding in Hajjah on Monday.",
    "Civilians were killed on Monday when the Iraqi air force bombed a village near Makhmour.",
    "Government warplanes targeted civilians in Ariha on Thursday, killing five.",
])
def test_a_strike_from_the_air_that_kills_civilians_stays_an_air_strike(read, sentence):
    assert [(p["event_type"], p["sub_event_type"]) for p in read(sentence)] == [
        ("Explosions/Remote violence", "Air/drone strike")]


def test_a_raid_by_troops_on_the_ground_is_no_air_strike(read):
    found = read("On 4 May 2024, Israeli forces raided the village of Kafr Zibad north of Tulkarm and "
                 "arrested three men.")
    assert "Air/drone strike" not in [p["sub_event_type"] for p in found]


def test_an_unknown_village_in_a_sentence_naming_only_its_country_is_placed_there_for_review(read):
    found = read("In Syria, nine civilians were killed on Thursday in regime shelling on the village of Kafr "
                 "Zuwaytinah, a war monitor said.")
    assert len(found) == 1
    p = found[0]
    assert (p["country"], p["geo_precision"], p["location_mention"]) == ("SY", 3, "Kafr Zuwaytinah")
    assert (p["sub_event_type"], p["fatalities"]) == ("Shelling/artillery/missile attack", 9)
    assert "Kafr Zuwaytinah" in p["review"]


def test_an_unknown_village_is_placed_at_the_one_province_the_report_names_in_its_country(read):
    found = read("Idlib province in Syria has been under heavy pressure for months.\n\n"
                 "In Syria, nine civilians were killed on Thursday in regime shelling on the village of Kafr "
                 "Zuwaytinah, a war monitor said.")
    assert [(p["location"], p["geo_precision"], p["location_mention"]) for p in found] == [
        ("Idlib", 3, "Kafr Zuwaytinah")]


def test_a_sentence_naming_no_place_at_all_gives_no_incident(read):
    assert read("Nine civilians were killed on Thursday in shelling on the village of Kafr Zuwaytinah.") == []


def test_a_protest_the_police_then_break_up_is_a_protest_with_intervention(read):
    found = read("Hundreds of dismissed teachers marched to the governorate building in Nasiriyah on "
                 "Thursday to demand their jobs back. Police intervened and detained 12 of them.")
    assert [(p["sub_event_type"], p["event_date"]) for p in found] == [
        ("Protest with intervention", "2024-05-09")]
    calm = read("Hundreds of dismissed teachers marched to the governorate building in Nasiriyah on "
                "Thursday to demand their jobs back. They went home in the evening.")
    assert [p["sub_event_type"] for p in calm] == ["Peaceful protest"]


def test_an_unknown_area_in_a_report_about_one_country_is_placed_at_that_country(read):
    found = read("Fighting between the Houthis and government forces continued in Yemen this week.\n\n"
                 "On Thursday, Houthi forces shelled the area of Jabal Hadid, wounding two soldiers.")
    shelling = [p for p in found if p["location_mention"] == "Jabal Hadid"]
    assert [(p["country"], p["geo_precision"], p["event_date"]) for p in shelling] == [
        ("YE", 3, "2024-05-09")]
    assert "Jabal Hadid" in shelling[0]["review"]


def test_civilians_are_the_side_acted_on_and_the_coalition_that_struck_acts(read):
    drone, = read("A drone killed three civilians near Qamishli on Tuesday.")
    assert (drone["actor1"], drone["actor2"]) == ("unidentified armed group", "Civilians")
    wedding, = read("Saudi-led coalition aircraft killed six civilians in a strike on a wedding in Hajjah "
                    "on Monday.")
    assert (wedding["actor1"], wedding["actor2"]) == ("Saudi-led coalition", "Civilians")


def test_the_country_of_the_reports_lead_governs_a_later_sentence_that_names_none(read):
    # Dhiban is a village in Deir ez-Zor and a town in Jordan; the report is about Syria,
    # however often it names Jordan afterwards.
    found = read("Gunmen attacked an army post in eastern Syria on Tuesday, killing two soldiers.\n\n"
                 "Jordan closed a border crossing after the attack. Jordan's interior minister said Jordan "
                 "would keep it shut, and Jordanian troops were put on alert along Jordan's frontier.\n\n"
                 "Later on Tuesday, a roadside bomb exploded in Dhiban, wounding three soldiers.")
    bomb = [p for p in found if p["location_mention"] == "Dhiban"]
    assert [(p["country"], p["admin1"], p["event_date"]) for p in bomb] == [
        ("SY", "Deir ez-Zor", "2024-05-07")]


def test_a_day_told_of_background_does_not_date_the_event_told_next(read):
    found = read("Militants stormed a police post in a remote part of northern Iraq early on Tuesday, "
                 "killing six policemen, officials said.\n\n"
                 "The fighting came as the country held local elections on Saturday under tight security.\n\n"
                 "The attack on the police headquarters in Tarmiyah, north of Baghdad, lasted several hours.")
    assert [(p["location"], p["event_date"], p["time_precision"]) for p in found] == [
        ("Aţ Ţārmīyah", "2024-05-07", 1)]


def test_a_day_in_a_sentence_without_a_verb_is_not_the_day_of_an_event(read):
    found = read("Gunmen killed two shepherds near Sinjar.\n\n"
                 "Tuesday's toll: two dead, one missing.\n\n"
                 "A roadside bomb later exploded near Tal Afar, wounding a soldier.")
    assert len(found) == 2
