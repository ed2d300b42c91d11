"""The conditions of the trigger rows (``triggers``), each read on the dependency parse.

A condition takes the trigger token and the sentence's context (its perpetrator) and says
whether the row applies: an object that is a weapon, protesters as the target, a curfew
that is imposed rather than only the background.
"""

from __future__ import annotations

from collections.abc import Callable

WEAPONS = frozenset("drone uav missile rocket projectile aircraft mortar shell katyusha".split())
ARMED = frozenset("""force forces soldier troop army militant fighter position checkpoint base unit patrol
convoy post police policeman officer guard militia rebel insurgent member element brigade battalion
regiment garrison outpost gunman jihadist peshmerga headquarters rebel""".split())
CIVILIAN = frozenset("""civilian man woman child boy girl resident villager farmer shepherd fisherman worker
journalist doctor teacher student family home house people person driver merchant trader""".split())
PROTESTERS = frozenset("protester demonstrator protest demonstration crowd rally marcher".split())
EVENT_NOUNS = frozenset("explosion blast bomb ied mine shell strike attack clash fire".split())
LABOUR = frozenset("general hunger labour labor worker".split())
PLACES = frozenset("""house home farm field land residential neighbourhood neighborhood street road
position school hospital market mosque building factory east west north south outskirts""".split())
TERRITORY = frozenset("town village city area hill district neighbourhood".split())
ROADS = frozenset("""road highway street avenue motorway route rail railway track bridge roundabout
intersection junction entrance gate crossing""".split())
MISSILES_BY_HAND = frozenset("stone rock brick molotov cocktail firebomb bottle firecracker".split())
PRISONERS = frozenset("prisoner detainee captive hostage".split())
# What a measure may close or stop: a place, a way in or out, or movement itself.
MOVEMENT = frozenset("""entry departure travel movement border crossing city town village area district
province road highway port airport market school mosque shop business""".split())
DECISIONS = frozenset("government cabinet law bill decree constitution amendment budget resolution".split())
BASES = frozenset("base barracks barrack headquarters outpost garrison camp".split())
GROUPS = frozenset("faction group movement ranks militia brigade coalition alliance".split())
DEAD_REMAINS = frozenset("remains head corpse".split())
AIR_POWER = frozenset({"US military", "US-led coalition", "Israeli military", "Turkish military",
                       "Russian military", "Saudi-led coalition"})


def gerund_named_by_its_agent(token) -> bool:
    """ "killed in regime shelling": the parser hangs the event's gerund on the word before it,
    which names who did it; the gerund names the event, it describes nothing."""
    return token.tag_ == "VBG" and token.dep_ == "acl" and token.i == token.head.i + 1 \
        and token.head.dep_ == "pobj" and token.head.head.lower_ in ("in", "by", "from", "during")


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


# What flies and strikes: the aircraft itself acting ("a drone killed", "jets struck") is an air strike,
# whoever the victims are (ACLED: civilian deaths do not change the type of remote violence).
AIRCRAFT = frozenset("drone uav jet warplane aircraft helicopter plane airplane".split())
AIR_HITS = frozenset("strike attack hit target bomb kill wound injure destroy raid".split())
DRONE_HITS = frozenset("strike attack hit target bomb".split())
GROUND = frozenset("force troop soldier police army unit commando infantry policeman".split())


def from_the_air(token, context) -> bool:
    lemma = token.lemma_.lower()
    if lemma in ("airstrike", "warplane", "bombardment", "bombing"):
        return True
    if lemma in AIRCRAFT:
        return _aircraft_hits(token) and not weapon_downed_anywhere(token)
    if lemma in ("strike", "raid"):
        if {"air", "drone", "aerial"} & {c.lemma_.lower() for c in token.children}:
            return True
        # "Israeli forces raided the village": troops on the ground, whoever has an air force.
        by_air_power = air_power(token, context) and not (lemma == "raid" and _subject_lemmas(token) & GROUND)
        return by_air_power or (token.pos_ == "NOUN" and context.get("air_strike_told", False))
    if lemma == "bomb" and token.head.lemma_ == "drop":
        return True
    if lemma in ("bomb", "bombard"):
        return token.pos_ == "VERB" and (air_power(token, context) or "aircraft" in _words(token)
                                         or _flown_by_subject(token))
    return False


def _aircraft_hits(token) -> bool:
    """ "a drone struck", "jets killed", "killed by a drone", "a drone strike": the aircraft acts."""
    head = token.head
    if head.dep_ == "agent" or (head.lower_ == "by" and head.dep_ == "prep"):
        head = head.head
    return head.lemma_.lower() in AIR_HITS or bool(AIR_HITS & {c.lemma_.lower() for c in token.children
                                                               if c.dep_ == "compound"}) \
        or token.lemma_.lower() == "drone" and bool(DRONE_HITS & _words(token))


def _flown_by_subject(token) -> bool:
    """ "the air force bombed": the verb's subject is an air arm or an aircraft."""
    subjects = [c for c in token.children if c.dep_ in ("nsubj", "agent")]
    words = {t.lemma_.lower() for s in subjects for t in s.subtree}
    return bool(words & AIRCRAFT) or {"air", "force"} <= words


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


# Who fights for the government ("government troops", "the army", "pro-government forces").
GOVERNMENT_SIDE = frozenset("government pro-government regime army military".split())
GOVERNMENT_FORCES = frozenset({"Iraqi security forces", "Military Forces of Syria"})


def control_taken(token, context) -> bool:
    """ "took control of the village"."""
    return any(c.dep_ == "dobj" and c.lemma_.lower() == "control" for c in token.children)


def control_taken_by_government(token, context) -> bool:
    """Control taken by the government's forces: ACLED's "Government regains territory"."""
    if not control_taken(token, context):
        return False
    subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
    words = {t.lower_ for s in subjects for t in s.subtree}
    return bool(words & GOVERNMENT_SIDE) or context.get("actor1") in GOVERNMENT_FORCES


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
    """ "a general strike", "a hunger strike", or workers who "went on strike"."""
    if LABOUR & {c.lemma_.lower() for c in token.children}:
        return True
    return token.head.lower_ == "on" and token.head.head.lemma_ == "go"


def to_the_streets(token, context) -> bool:
    """ "residents took to the streets"."""
    return any(c.dep_ == "prep" and c.lower_ == "to" and any(g.lemma_ == "street" for g in c.children)
               for c in token.children)


def _subject_lemmas(token) -> set[str]:
    subjects = [c for c in token.children if c.dep_ in ("nsubj", "agent")]
    subjects += [g for c in subjects if c.dep_ == "agent" for g in c.children]
    return {t.lemma_.lower() for s in subjects for t in [s, *s.conjuncts]}


def blocked_by_people(token, context) -> bool:
    """People (not forces) who block a road: a protest, whatever its cause."""
    subjects = _subject_lemmas(token)
    return token.pos_ == "VERB" and bool(_object_lemmas(token) & ROADS) and bool(subjects) \
        and not subjects & ARMED


def stones_thrown(token, context) -> bool:
    return token.pos_ == "VERB" and bool(_object_lemmas(token) & MISSILES_BY_HAND)


def fire_exchanged(token, context) -> bool:
    return bool(_object_lemmas(token) & {"fire", "gunfire", "shot", "shell"})


def by_an_assailant(token, context) -> bool:
    """Someone who wounds people ("gunmen wounded four farmers"), not a weapon or a blast."""
    subjects = _subject_lemmas(token)
    victims = _object_lemmas(token)
    by_a_weapon = bool(subjects & (WEAPONS | EVENT_NOUNS))
    return token.pos_ == "VERB" and bool(subjects and victims) and not by_a_weapon and not victims & ARMED


def dead_found(token, context) -> bool:
    """ "a man was found dead", "remains were found": a killing told by its discovery."""
    complements = ("oprd", "acomp", "xcomp", "advcl")
    dead = any(c.lemma_ in ("dead", "murder", "kill", "shoot") and c.dep_ in complements
               for c in token.children)
    return dead or bool(_object_lemmas(token) & DEAD_REMAINS)


def prisoners_as_object(token, context) -> bool:
    return token.pos_ == "VERB" and bool(_object_lemmas(token) & PRISONERS)


def imposed(token, context) -> bool:
    """A curfew imposed, declared, enforced or lifted, not one that is only the context."""
    verb = token.head.head if token.head.lower_ == "of" else token.head
    verb = verb.head if verb.lemma_ in ("imposition", "extension", "start", "enforcement") else verb
    return verb.lemma_ in ("impose", "declare", "enforce", "announce", "institute", "extend", "order", "lift",
                           "begin", "introduce", "issue")


def movement_stopped(token, context) -> bool:
    """A place sealed off, a border closed, travel halted or banned."""
    sealed = any(c.dep_ == "prt" and c.lower_ in ("off", "down") for c in token.children)
    if sealed and token.lemma_ != "halt":
        return True
    stopped = _object_lemmas(token) | {g.lemma_.lower() for c in token.children if c.dep_ == "prep"
                                       and c.lower_ in ("on", "of") for g in c.children}
    return bool(stopped & MOVEMENT) and not _subject_lemmas(token) & PROTESTERS


def into_a_base(token, context) -> bool:
    """A base, barracks or headquarters set up, or buildings turned into one."""
    made = _object_lemmas(token) | {g.lemma_.lower() for c in token.children if c.dep_ == "prep"
                                    and c.lower_ == "into" for g in c.children}
    return bool(made & BASES)


def leaves_a_group(token, context) -> bool:
    """Fighters who defect, or leave or join a faction."""
    return _lemma(token) == "defect" or bool(_object_lemmas(token) & GROUPS)


def a_decision(token, context) -> bool:
    """A government, law or decree approved."""
    return bool(_object_lemmas(token) & DECISIONS)


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
    # "at As Shaab area": the parser may take the article "As" for a preposition.
    targets += [g for t in targets if t.pos_ == "ADP" for g in t.children if g.dep_ == "pobj"]
    named = {t.lemma_.lower() for target in targets for t in [target, *target.conjuncts]}
    if any(t.tag_ == "PRP" for t in targets) and token.dep_ == "conj":
        # "chased fishermen ... and fired at them": "them" are the first verb's objects.
        named |= _object_lemmas(token.head)
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
    # "hundreds of tribesmen coming from X arrived": the parser may give the subject to the participle.
    subjects += [g for c in token.children if c.dep_ == "advcl" and c.tag_ == "VBG"
                 for g in c.children if g.dep_ == "nsubj"]
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
    "cut_down": cut_down, "armed_mover": armed_mover, "to_the_streets": to_the_streets,
    "blocked_by_people": blocked_by_people, "stones_thrown": stones_thrown, "fire_exchanged": fire_exchanged,
    "by_an_assailant": by_an_assailant, "dead_found": dead_found, "prisoners_as_object": prisoners_as_object,
    "imposed": imposed, "movement_stopped": movement_stopped, "a_decision": a_decision,
    "into_a_base": into_a_base, "leaves_a_group": leaves_a_group, "control_taken": control_taken,
    "control_taken_by_government": control_taken_by_government,
}


