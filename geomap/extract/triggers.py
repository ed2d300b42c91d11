"""Event triggers: a table of named rows, each a set of lemmas, an ACLED type and a condition.

A trigger is a token of a parsed sentence whose lemma a row lists and whose condition
holds on the parse (an object that is a weapon, protesters as the target, an actor that
strikes from the air ...). Rows are read top to bottom and the first that has a trigger
in the sentence wins, so the more specific rows come first. Whether the trigger states a
fact is decided elsewhere (``factuality``).

>>> [row.name for row in TRIGGERS][:3]
['shoot_down', 'chemical_weapon', 'suicide_bomb']
"""

from __future__ import annotations

from dataclasses import dataclass

from geomap.extract.conditions import CONDITIONS, gerund_named_by_its_agent

ERV, SD, VAC = "Explosions/Remote violence", "Strategic developments", "Violence against civilians"


@dataclass(frozen=True)
class Trigger:
    """One named row: the lemmas that trigger it, the ACLED type it gives, and its condition."""

    name: str
    lemmas: frozenset[str]
    event_type: str
    sub_event_type: str
    condition: str | None = None


def _rows(*rows) -> list[Trigger]:
    return [Trigger(name, frozenset(lemmas.split()), et, sub, cond) for name, lemmas, et, sub, cond in rows]


TRIGGERS = _rows(
    ("shoot_down", "shoot down intercept", SD, "Disrupted weapons use", "weapon_downed"),
    ("chemical_weapon", "chemical chlorine sarin", ERV, "Chemical weapon", "chemical"),
    ("suicide_bomb", "suicide", ERV, "Suicide bomb", "suicide"),
    ("remote_explosive", "ied ieds vbied landmine mine bomb explosive ordnance uxo", ERV,
     "Remote explosive/landmine/IED", "explosive_device"),
    ("grenade", "grenade", ERV, "Grenade", "hand_grenade"),
    ("air_strike", "airstrike strike raid warplane jet bomb bombing bombard bombardment drone uav aircraft "
     "helicopter plane airplane", ERV,
     "Air/drone strike", "from_the_air"),
    ("shelling", "shell shelling mortar artillery rocket missile katyusha projectile round", ERV,
     "Shelling/artillery/missile attack", "indirect_fire"),
    ("explosion", "explode explosion detonate blast", ERV, "Remote explosive/landmine/IED", None),
    ("regains_territory", "recapture retake regain liberate", "Battles", "Government regains territory",
     None),
    ("overtakes_territory", "overrun capture seize", "Battles", "Non-state actor overtakes territory",
     "territory_taken"),
    ("government_takes_control", "take", "Battles", "Government regains territory",
     "control_taken_by_government"),
    ("control_taken", "take", "Battles", "Non-state actor overtakes territory", "control_taken"),
    ("excessive_force", "kill shoot fire", "Protests", "Excessive force against protesters",
     "at_protesters"),
    ("protest_intervention", "disperse tear arrest detain", "Protests", "Protest with intervention",
     "at_protesters"),
    ("armed_clash", "clash firefight gunfight battle fight fighting skirmish ambush repel thwart incursion "
     "infiltrate infiltration storm shootout engage", "Battles", "Armed clash", None),
    ("attack_on_armed", "attack assault target raid capture fire open operation", "Battles", "Armed clash",
     "armed_target"),
    ("fire_at_civilians", "fire open", VAC, "Attack", "at_civilians"),
    ("fire_at_places", "fire", ERV, "Shelling/artillery/missile attack", "heavy_weapons_at_places"),
    ("operation_with_toll", "operation", "Battles", "Armed clash", "with_casualties"),
    ("abduction", "kidnap abduct abduction kidnapping", VAC, "Abduction/forced disappearance", None),
    ("forced_disappearance", "disappear", VAC, "Abduction/forced disappearance", "forcibly"),
    ("riot", "riot rioter rioting", "Riots", "Violent demonstration", None),
    ("mob", "mob lynch", "Riots", "Mob violence", None),
    ("protest", "protest protester demonstrate demonstration demonstrator rally march sit vigil picket",
     "Protests", "Peaceful protest", "not_a_month"),
    ("gathering", "gather assemble", "Protests", "Peaceful protest", "with_a_cause"),
    ("labour_strike", "strike", "Protests", "Peaceful protest", "labour_strike"),
    ("took_to_the_streets", "take", "Protests", "Peaceful protest", "to_the_streets"),
    ("road_blocked_by_people", "block padlock barricade", "Protests", "Peaceful protest",
     "blocked_by_people"),
    ("stone_throwing", "throw hurl pelt lob", "Riots", "Mob violence", "stones_thrown"),
    ("exchange_of_fire", "exchange", "Battles", "Armed clash", "fire_exchanged"),
    ("attack_on_civilians", "assassinate assassination execute execution stab murder kill "
     "killing shoot shooting attack torture beat assault", VAC, "Attack", "not_from_the_air"),
    ("wounding", "wound injure", VAC, "Attack", "by_an_assailant"),
    ("body_found", "body", VAC, "Attack", "found"),
    ("found_dead", "find discover", VAC, "Attack", "dead_found"),
    ("arrest", "arrest detain apprehend", SD, "Arrests", None),
    ("property_destruction", "loot looting torch demolish demolition raze bulldoze confiscate arson "
     "vandalize burn destroy", SD, "Looting/property destruction", None),
    ("trees_cut_down", "cut", SD, "Looting/property destruction", "cut_down"),
    ("agreement", "agreement truce ceasefire deal", SD, "Agreement", "concluded"),
    ("prisoner_exchange", "exchange swap", SD, "Agreement", "prisoners_as_object"),
    ("prisoners_released", "release free", SD, "Other", "prisoners_as_object"),
    ("curfew_imposed", "curfew lockdown", SD, "Change to group/activity", "imposed"),
    ("movement_restricted", "seal cordon close shut halt ban suspend", SD, "Change to group/activity",
     "movement_stopped"),
    ("change_to_activity", "patrol reinforcement fortification", SD, "Change to group/activity", None),
    ("deployment", "deploy redeploy arrive enter withdraw", SD, "Change to group/activity", "armed_mover"),
    ("base_established", "establish set build transform convert turn", SD, "Headquarters or base established",
     "into_a_base"),
    ("group_left_or_joined", "defect leave join", SD, "Change to group/activity", "leaves_a_group"),
    ("decision_approved", "approve ratify adopt endorse", SD, "Other", "a_decision"),
    ("strike_by_air_power", "kill killing attack hit", ERV, "Air/drone strike", "air_power"),
)
BY_NAME = {row.name: row for row in TRIGGERS}


def find_triggers(sentence, context: dict, keep=lambda token: True) -> list[tuple[Trigger, object]]:
    """(row, token) for each row with a trigger in the sentence that ``keep`` accepts, in table order."""
    found = []
    for index, tokens in sorted(_listed_words(sentence).items()):
        row = TRIGGERS[index]
        token = next((t for t in tokens if (row.condition is None or CONDITIONS[row.condition](t, context))
                      and keep(t)), None)
        if token is not None:
            found.append((row, token))
    return found


def _listed_words(sentence) -> dict[int, list]:
    """For each row (by index), the sentence's tokens whose lemma or form it lists, in order.

    Only these can trigger it; the conditions, read on the parse, are asked of them alone.
    """
    listed: dict[int, list] = {}
    for token in sentence:
        for index in _ROWS_OF_WORD.get(token.lemma_.lower(), set()) | _ROWS_OF_WORD.get(token.lower_, set()):
            listed.setdefault(index, []).append(token)
    return listed


def outermost_first(found: list[tuple[Trigger, object]]) -> list[tuple[Trigger, object]]:
    """The triggers with those inside another's noun modifier put last, table order kept otherwise.

    In "police arrested men suspected of taking part in the fighting" the fighting only
    says who the men are: the arrest is the sentence's event.
    """
    positions = {token.i for _, token in found}
    return sorted(found, key=lambda pair: _modifies_another(pair[1], positions - {pair[1].i}))


def _modifies_another(token, others: set[int]) -> bool:
    """True when ``token`` hangs from another trigger (by position) through a noun's modifier clause."""
    through_modifier, current = False, token
    for _ in range(12):
        if current.head.i == current.i:
            return False
        through_modifier = through_modifier or (current.dep_ in ("acl", "relcl")
                                                and not gerund_named_by_its_agent(current))
        current = current.head
        if through_modifier and current.i in others:
            return True
    return False


TRIGGER_WORDS = frozenset(lemma for row in TRIGGERS for lemma in row.lemmas)
_ROWS_OF_WORD = {word: {i for i, row in enumerate(TRIGGERS) if word in row.lemmas} for word in TRIGGER_WORDS}
