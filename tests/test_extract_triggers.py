"""Each named trigger row, and each reason a trigger is not a fact, on sentences written for the test."""

import pytest

from geomap.extract.factuality import why_not_fact
from geomap.extract.incidents import _sentence_actors
from geomap.extract.nlp import get_pipeline
from geomap.extract.triggers import BY_NAME, TRIGGERS, find_triggers

# One sentence per row; the row is the first factual trigger the sentence has.
ROW_EXAMPLES = {
    "shoot_down": "Air defences shot down two drones over the airport on Monday.",
    "chemical_weapon": "Government helicopters dropped chlorine gas on the village.",
    "suicide_bomb": "A suicide bomber blew himself up at a checkpoint.",
    "remote_explosive": "A roadside bomb hit a police patrol.",
    "grenade": "An attacker threw a hand grenade into a shop.",
    "air_strike": "Warplanes carried out airstrikes on the town.",
    "shelling": "Rebels fired mortars at the army base.",
    "explosion": "An explosion rocked the market on Sunday.",
    "regains_territory": "Government troops recaptured the village from the militants.",
    "overtakes_territory": "Militants seized control of the town.",
    "government_takes_control": "Government troops took control of the village after a day of fighting.",
    "control_taken": "Rebel fighters took control of two villages near the dam.",
    "excessive_force": "Security forces shot dead two protesters.",
    "protest_intervention": "Police dispersed the protesters with tear gas.",
    "armed_clash": "Clashes erupted between two armed groups.",
    "attack_on_armed": "Gunmen attacked an army checkpoint.",
    "fire_at_civilians": "A man opened fire on farmers in their fields.",
    "fire_at_places": "Fighters fired machine guns at residential areas.",
    "operation_with_toll": "The army carried out an operation near the town, leaving four militants dead.",
    "abduction": "Unknown men kidnapped a doctor.",
    "forced_disappearance": "Security forces forcibly disappeared a journalist.",
    "riot": "Rioters burned tyres on the highway.",
    "mob": "A mob beat a man accused of theft.",
    "protest": "Hundreds of teachers protested outside the ministry.",
    "gathering": "Residents gathered outside the council to demand clean water.",
    "labour_strike": "Dock workers held a general strike at the port.",
    "attack_on_civilians": "A man stabbed a shopkeeper.",
    "body_found": "The body of a shepherd was found near the village.",
    "arrest": "Police arrested five men suspected of smuggling.",
    "property_destruction": "Settlers torched two cars.",
    "trees_cut_down": "Settlers cut down dozens of olive trees.",
    "agreement": "The two sides signed a ceasefire agreement.",
    "change_to_activity": "Coalition forces conducted a patrol along the border.",
    "deployment": "Government troops were deployed to the island on Sunday.",
    "strike_by_air_power": "The Israeli military hit a house in the town.",
    "took_to_the_streets": "Hundreds of residents took to the streets of the city to condemn power cuts.",
    "road_blocked_by_people": "Farmers blocked the highway with tractors to demand water for their fields.",
    "stone_throwing": "Villagers pelted stones at a police car that had stopped at the market.",
    "exchange_of_fire": "Border guards of the two countries exchanged fire across the frontier.",
    "wounding": "Unknown attackers wounded four farmers on the road to the village.",
    "found_dead": "A shepherd was found dead near the village with gunshot wounds.",
    "prisoner_exchange": "The two sides exchanged 40 prisoners at a checkpoint on the front line.",
    "prisoners_released": "The government released 150 prisoners from the central prison.",
    "curfew_imposed": "The governor imposed a three-day curfew on the city.",
    "movement_restricted": "The authorities sealed off the city and halted all entries and departures.",
    "base_established": "The militia turned three schools into military barracks.",
    "group_left_or_joined": "Dozens of fighters left the faction and joined the army.",
    "decision_approved": "Parliament approved a new government after months of deadlock.",
}
NOT_FACTS = {
    "negated": "The militants did not attack the town.",
    "modal": "Militants will attack the town.",
    "conditional": "The army said it would shell the village if the militants stayed.",
    "intended": "The unions plan to protest outside the ministry.",
    "generic": "Armed groups often attack convoys on this road.",
    "aggregate": "Militants have carried out dozens of attacks on the base.",
    "descriptive": "Relatives buried the fighters killed by the army.",
}


def first_row(sentence):
    span = next(iter(get_pipeline()(sentence).sents))
    actor1 = _sentence_actors(span)[0]
    found = find_triggers(span, {"actor1": actor1}, keep=lambda t: why_not_fact(t) is None)
    return found[0][0].name if found else None


def test_every_row_has_an_example():
    assert sorted(ROW_EXAMPLES) == sorted(row.name for row in TRIGGERS)


@pytest.mark.parametrize("name", sorted(ROW_EXAMPLES))
def test_row(name):
    assert first_row(ROW_EXAMPLES[name]) == name, ROW_EXAMPLES[name]
    row = BY_NAME[name]
    assert row.sub_event_type and row.event_type


@pytest.mark.parametrize("reason", sorted(NOT_FACTS))
def test_not_a_fact(reason):
    span = next(iter(get_pipeline()(NOT_FACTS[reason]).sents))
    reasons = {why_not_fact(t) for t in span if first_trigger_lemma(t)}
    assert reasons and None not in reasons, (NOT_FACTS[reason], reasons)
    assert reason in reasons or reason == "conditional" and "modal" in reasons


def first_trigger_lemma(token):
    return any(token.lemma_.lower() in row.lemmas for row in TRIGGERS) and token.lemma_ not in ("army", "say")


def test_past_tense_report_of_a_plan_is_still_a_protest():
    # The protest happened; what it was against (plans to divert water) is not an event.
    assert first_row("A crowd in the village held a protest against plans to divert the river.") == "protest"


def test_aspectual_and_perfect_infinitives_happened():
    assert first_row("Government forces began to shell the hills.") == "shelling"
    assert first_row("The militia claimed to have shelled the airport.") == "shelling"


@pytest.mark.parametrize(("sentence", "row"), [
    # A verb whose past is its present ("hit") in a dated sentence is the past, not a habit.
    ("On 1 May 2024, army airstrikes hit a farm in the district.", "air_strike"),
    # The act done to protest was the protest.
    ("On 2 May 2024, residents blocked roads to protest against power cuts.", "protest"),
    ("On 3 May 2024, twenty hotel workers went on strike outside the parliament.", "labour_strike"),
    # "them" are the people the first verb acted on.
    ("Soldiers chased two shepherds and fired rubber bullets at them.", "fire_at_civilians"),
    ("Hundreds of tribesmen coming from the north arrived in the district.", "deployment"),
    ("The council announced the imposition of a curfew on the town.", "curfew_imposed"),
])
def test_facts_despite_a_present_form_or_an_infinitive(sentence, row):
    assert first_row(sentence) == row
