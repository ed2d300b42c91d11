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

from collections.abc import Callable
from dataclasses import dataclass

ERV, SD, VAC = "Explosions/Remote violence", "Strategic developments", "Violence against civilians"

WEAPONS = frozenset("drone uav missile rocket projectile aircraft mortar shell katyusha".split())
ARMED = frozenset("""force forces soldier troop army militant fighter position checkpoint base unit patrol
convoy post police policeman officer guard militia rebel insurgent member element brigade battalion
regiment garrison outpost gunman jihadist peshmerga headquarters rebel""".split())
CIVILIAN = frozenset("""civilian man woman child boy girl resident villager farmer shepherd fisherman worker
journalist doctor teacher student family home house people person driver merchant trader""".split())
PROTESTERS = frozenset("protester demonstrator protest demonstration crowd rally marcher".split())
LABOUR = frozenset("general hunger labour labor worker".split())
PLACES = frozenset("""house home farm field land residential neighbourhood neighborhood street road
position school hospital market mosque building factory east west north south outskirts""".split())
TERRITORY = frozenset("town village city area hill district neighbourhood".split())
AIR_POWER = frozenset({"US military", "US-led coalition", "Israeli military", "Turkish military",
                       "Russian military", "Saudi-led coalition"})


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
    ("air_strike", "airstrike strike raid warplane jet bomb bombing bombard bombardment drone", ERV,
     "Air/drone strike", "from_the_air"),
    ("shelling", "shell shelling mortar artillery rocket missile katyusha projectile round", ERV,
     "Shelling/artillery/missile attack", "indirect_fire"),
    ("explosion", "explode explosion detonate blast", ERV, "Remote explosive/landmine/IED", None),
    ("regains_territory", "recapture retake regain liberate", "Battles", "Government regains territory",
     None),
    ("overtakes_territory", "overrun capture seize", "Battles", "Non-state actor overtakes territory",
     "territory_taken"),
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
    ("attack_on_civilians", "assassinate assassination execute execution stab murder kill "
     "killing shoot shooting attack torture beat", VAC, "Attack", "not_from_the_air"),
    ("body_found", "body", VAC, "Attack", "found"),
    ("arrest", "arrest detain apprehend", SD, "Arrests", None),
    ("property_destruction", "loot looting torch demolish demolition raze bulldoze confiscate arson "
     "vandalize burn destroy", SD, "Looting/property destruction", None),
    ("trees_cut_down", "cut", SD, "Looting/property destruction", "cut_down"),
    ("agreement", "agreement truce ceasefire deal", SD, "Agreement", "concluded"),
    ("change_to_activity", "patrol reinforcement fortification curfew lockdown", SD,
     "Change to group/activity", None),
    ("deployment", "deploy redeploy arrive enter withdraw", SD, "Change to group/activity", "armed_mover"),
    ("strike_by_air_power", "kill killing attack hit", ERV, "Air/drone strike", "air_power"),
)
BY_NAME = {row.name: row for row in TRIGGERS}


def _lemma(token) -> str:
    return token.lemma_.lower()


def _words(token) -> set[str]:
    """Lemmas of the trigger's own phrase: its subtree and its head's direct dependents."""
    near = list(token.subtree) + list(token.head.children) + [token.head]
    return {t.lemma_.lower() for t in near}


def _objects(token) -> list:
    """What the trigger acts on: direct objects, objects of on/at/against/targeting, passive subjects."""
    found = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass", "pobj")]
    for prep in (c for c in token.children if c.dep_ == "prep" and c.lower_ in ("on", "at", "against")):
        found += [c for c in prep.children if c.dep_ == "pobj"]
    if token.dep_ in ("dobj", "pobj", "nsubj") and token.pos_ == "NOUN":
        found += [c for c in token.children if c.dep_ == "prep" and c.lower_ in ("on", "against")]
        found = [g for f in found for g in ([f] + [c for c in f.children if c.dep_ == "pobj"])]
    return [t for f in found for t in [f, *f.conjuncts]]


def _object_lemmas(token) -> set[str]:
    return {t.lemma_.lower() for t in _objects(token)}


def weapon_downed(token, context) -> bool:
    if _lemma(token) == "down" and token.dep_ != "prt" and token.pos_ != "VERB":
        return False
    if _lemma(token) == "shoot" and not any(c.lower_ == "down" for c in token.children):
        return False
    return bool(_words(token) & WEAPONS)


def chemical(token, context) -> bool:
    return token.lemma_ != "chemical" or token.head.lemma_ in ("weapon", "attack", "agent", "gas")


def suicide(token, context) -> bool:
    return token.head.lemma_ in ("bomber", "bombing", "attack", "attacker", "vest", "bomb", "car")


def explosive_device(token, context) -> bool:
    if _lemma(token) == "mine":
        return token.tag_.startswith("NN") and token.pos_ != "PROPN" and "land" in _words(token)
    if _lemma(token) == "bomb":
        kind = {"car", "roadside", "sticky", "magnetic"} & _words(token)
        placed = token.head.lemma_ in ("plant", "detonate", "explode", "place")
        return token.pos_ == "NOUN" and (bool(kind) or placed)
    if _lemma(token) == "explosive":
        return token.head.lemma_ in ("device", "charge", "attack") or token.pos_ == "NOUN"
    return True


def hand_grenade(token, context) -> bool:
    return "propel" not in _words(token) and "rpg" not in _words(token)


def from_the_air(token, context) -> bool:
    lemma = token.lemma_.lower()
    if lemma in ("airstrike", "warplane", "bombardment", "bombing"):
        return True
    if lemma == "drone":
        return bool({"strike", "attack", "hit", "target", "bomb"} & {token.head.lemma_, *_words(token)}) \
            and not weapon_downed_anywhere(token)
    if lemma in ("strike", "raid"):
        return bool({"air", "drone", "aerial"} & {c.lemma_.lower() for c in token.children}) \
            or air_power(token, context)
    if lemma == "bomb" and token.head.lemma_ == "drop":
        return True
    if lemma in ("bomb", "bombard"):
        return token.pos_ == "VERB" and (air_power(token, context) or "aircraft" in _words(token))
    return lemma == "jet" and token.head.lemma_ in ("strike", "bomb", "hit", "attack", "target")


def weapon_downed_anywhere(token) -> bool:
    return any(_lemma(t) in ("intercept", "down", "shoot") and weapon_downed(t, {}) for t in token.sent)


def indirect_fire(token, context) -> bool:
    lemma = token.lemma_.lower()
    if lemma == "round":
        return any(c.lower_ == "of" for c in token.children) or "fire" in _words(token)
    if lemma in ("shell", "shelling"):
        return token.pos_ in ("VERB", "NOUN")
    # "rocket-propelled grenades" are fired by hand; "missile strikes" are strikes.
    return "propel" not in _words(token) and not weapon_downed_anywhere(token)


def territory_taken(token, context) -> bool:
    if _lemma(token) == "overrun":
        return True
    return "control" in _words(token) or bool(_object_lemmas(token) & TERRITORY)


def at_protesters(token, context) -> bool:
    if _lemma(token) == "tear":
        return token.head.lemma_ == "gas" and bool({t.lemma_.lower() for t in token.sent} & PROTESTERS)
    if _lemma(token) == "fire" and token.pos_ != "VERB":
        return False
    return bool(_object_lemmas(token) & PROTESTERS)


def armed_target(token, context) -> bool:
    if _lemma(token) in ("fire", "open") and not _fired(token):
        return False
    return bool(_object_lemmas(token) & ARMED)


def not_a_month(token, context) -> bool:
    if _lemma(token) == "march":
        return token.pos_ != "PROPN" and token.text != "March"
    if _lemma(token) == "sit":
        following = token.doc[token.i + 1:token.i + 3].text
        return following.replace(" ", "") == "-in"
    return True


def labour_strike(token, context) -> bool:
    return bool(LABOUR & {c.lemma_.lower() for c in token.children})


def not_from_the_air(token, context) -> bool:
    if _lemma(token) in ("shoot", "stab", "execute", "beat", "torture", "assassinate"):
        return True  # done on the ground, whoever does it
    if air_power(token, context):
        return False
    if _lemma(token) in ("kill", "killing", "shoot", "attack"):
        return token.lemma_ != "attack" or bool(_object_lemmas(token) & CIVILIAN) or token.pos_ == "VERB"
    return True


def _fired(token) -> bool:
    """"fired (weapons) at ..." or "opened fire on ...": the verb that shoots."""
    if _lemma(token) == "open":
        return any(c.dep_ == "dobj" and c.lemma_ == "fire" for c in token.children)
    return _lemma(token) == "fire" and token.pos_ == "VERB"


def _fire_targets(token) -> set[str]:
    """What a shot is fired at, wherever the parser hung "at"/"on"/"towards" in the clause."""
    preps = [t for t in token.subtree if t.dep_ == "prep" and t.lower_ in ("at", "on", "towards", "toward")]
    targets = [c for p in preps for c in p.children if c.dep_ == "pobj"]
    named = {t.lemma_.lower() for target in targets for t in [target, *target.conjuncts]}
    return named | _object_lemmas(token)


def at_civilians(token, context) -> bool:
    return _fired(token) and bool(_fire_targets(token) & CIVILIAN)


def heavy_weapons_at_places(token, context) -> bool:
    """Weapons fired at areas, villages or houses (ACLED codes this as shelling)."""
    return _fired(token) and bool(_fire_targets(token) & (TERRITORY | PLACES))


def with_casualties(token, context) -> bool:
    return any(_lemma(t) in ("kill", "dead", "die", "wound", "injure") for t in token.sent)


def with_a_cause(token, context) -> bool:
    """A gathering with a purpose: "gathered to demand ...", "gathered in protest against ..."."""
    purpose = any(c.dep_ in ("advcl", "xcomp") and c.pos_ == "VERB" for c in token.children)
    return purpose or any(c.dep_ == "prep" and c.lower_ == "against" for c in token.children)


def found(token, context) -> bool:
    """"the body of a man was found": a killing told by its discovery."""
    return token.dep_ in ("nsubjpass", "dobj") and token.head.lemma_ in ("find", "discover", "recover")


def concluded(token, context) -> bool:
    verb = token.head
    return verb.lemma_ in ("broker", "sign", "reach", "conclude", "agree") and verb.tag_ in ("VBD", "VBN")


def forcibly(token, context) -> bool:
    return any(c.lower_ == "forcibly" for c in token.children) or token.tag_ == "VBN" and token.dep_ != "amod"


def armed_mover(token, context) -> bool:
    """Forces, a column or reinforcements that move ("reinforcements arrived", "troops were deployed")."""
    subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
    movers = ARMED | {"column", "convoy", "reinforcement", "tribesman", "ship", "vehicle"}
    # "hundreds of tribesmen arrived": the movers may be the object of the subject's "of".
    movers_named = {t.lemma_.lower() for s in subjects for t in [s, *s.conjuncts, *s.subtree]}
    return token.pos_ == "VERB" and bool(movers_named & movers)


def cut_down(token, context) -> bool:
    return any(c.dep_ == "prt" and c.lower_ == "down" for c in token.children)


def air_power(token, context) -> bool:
    return context.get("actor1") in AIR_POWER


CONDITIONS: dict[str, Callable] = {
    "weapon_downed": weapon_downed, "chemical": chemical, "suicide": suicide,
    "explosive_device": explosive_device, "hand_grenade": hand_grenade, "from_the_air": from_the_air,
    "indirect_fire": indirect_fire, "territory_taken": territory_taken, "at_protesters": at_protesters,
    "armed_target": armed_target, "not_a_month": not_a_month, "labour_strike": labour_strike,
    "not_from_the_air": not_from_the_air, "air_power": air_power, "at_civilians": at_civilians,
    "heavy_weapons_at_places": heavy_weapons_at_places, "with_casualties": with_casualties,
    "with_a_cause": with_a_cause, "forcibly": forcibly, "found": found, "concluded": concluded,
    "cut_down": cut_down, "armed_mover": armed_mover,
}


def matches(row: Trigger, token, context: dict) -> bool:
    """True when ``token`` triggers ``row`` in this sentence's context."""
    lemma = token.lemma_.lower()
    if lemma not in row.lemmas and token.lower_ not in row.lemmas:
        return False
    return row.condition is None or CONDITIONS[row.condition](token, context)


def find_triggers(sentence, context: dict, keep=lambda token: True) -> list[tuple[Trigger, object]]:
    """(row, token) for each row with a trigger in the sentence that ``keep`` accepts, in table order."""
    found = []
    for row in TRIGGERS:
        token = next((t for t in sentence if matches(row, t, context) and keep(t)), None)
        if token is not None:
            found.append((row, token))
    return found


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
        through_modifier = through_modifier or current.dep_ in ("acl", "relcl")
        current = current.head
        if through_modifier and current.i in others:
            return True
    return False


TRIGGER_WORDS = frozenset(lemma for row in TRIGGERS for lemma in row.lemmas)
