"""The extractor's rules as tables: event types, casualties, actors, precision and background cues.

Every table is read top to bottom and the first row that matches wins, so the more
specific wording comes first ("drones shot down" before "drone").

>>> classify("the US military shot down two drones near the base").sub_event_type
'Disrupted weapons use'
>>> classify("received 2 rounds of indirect fire").sub_event_type
'Shelling/artillery/missile attack'
>>> casualties("four US soldiers are being evaluated for minor injuries")
(None, 4)
>>> casualties("No injuries or damages were reported")
(0, 0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ERV, SD, VAC = "Explosions/Remote violence", "Strategic developments", "Violence against civilians"
_WEAPON = r"(?:drones?|uavs?|unmanned aerial (?:vehicles?|systems?)|missiles?|rockets?|projectiles?)"

# (pattern, event type, sub-event type, condition on the actors or None)
EVENT_RULES = [
    (rf"\b(?:shot down|shoots down|shooting down|downed|intercept(?:ed|s|ing)?)\b[^.]{{0,60}}\b{_WEAPON}"
     rf"|\b{_WEAPON}\b[^.]{{0,40}}\b(?:were|was)\s+(?:shot down|intercepted|downed)", SD, "Disrupted weapons use", None),
    (r"\bchemical (?:weapons?|attack)|\bchlorine gas\b|\bsarin\b", ERV, "Chemical weapon", None),
    (r"\bsuicide (?:bomb(?:er|ing)?|attack(?:er)?|vest|car bomb)", ERV, "Suicide bomb", None),
    (r"\b(?:ieds?|improvised explosive|roadside bombs?|land ?mines?|car bombs?|vbieds?|sticky bombs?"
     r"|explosive devices?)\b", ERV, "Remote explosive/landmine/IED", None),
    (r"\b(?:clash(?:es|ed)?|firefights?|gun ?battles?|exchanged fire|fighting between|ambush(?:ed)?|fought"
     r"|stormed|hours of fighting|heavy fighting|fighting (?:erupted|broke out)|gunfights?|shootouts?"
     r"|attacked (?:\w+ ){0,2}positions|repelled (?:an? )?(?:\w+ )?(?:attack|infiltration)|infiltration attempt)\b",
     "Battles", "Armed clash", None),
    (r"(?<!rocket-propelled )\bgrenades?\b", ERV, "Grenade", None),
    (r"\b(?:strikes?|struck|jets|warplanes|aircraft)\b", ERV, "Air/drone strike", "air_power"),
    (r"\bdrones?\b[^.]{0,40}\b(?:targeted|struck|hit|attacked|crashed into|exploded)\b", ERV, "Air/drone strike",
     None),
    (r"\b(?:air ?strikes?|drone strikes?|air raids?|warplanes?|bombed|aerial bombardment|drone attacks?"
     r"|struck by (?:a |an )?drones?|armed drones?)\b", ERV, "Air/drone strike", None),
    (r"\b(?:indirect fire|mortars?|rocket (?:attacks?|fire)|rockets? (?:struck|hit|landed|fired|at|on|towards)"
     r"|barrage of (?:rockets|missiles|mortars)|fired (?:rockets|mortars|missiles)|shelling"
     r"|shelled|artillery|missile (?:attacks?|strikes?)|ballistic missiles?|katyushas?|rounds of)\b",
     ERV, "Shelling/artillery/missile attack", None),
    (r"\b(?:recaptured|retook|regained control)\b", "Battles", "Government regains territory", None),
    (r"\b(?:overran|took control of|seized control of)\b", "Battles", "Non-state actor overtakes territory",
     None),
    (r"\b(?:kidnapp(?:ed|ing)|abduct(?:ed|ion)|forcibly disappeared)\b", VAC, "Abduction/forced disappearance",
     None),
    (r"\b(?:killed|shot dead|opened fire on|fired (?:live ammunition|live rounds|on))\b[^.]{0,60}\b(?:protesters|demonstrators)\b",
     "Protests", "Excessive force against protesters", None),
    (r"\b(?:tear gas|dispersed)\b[^.]{0,60}\b(?:protesters|demonstrators)\b|\b(?:protesters|demonstrators)\b"
     r"[^.]{0,60}\b(?:tear gas|dispersed)\b", "Protests", "Protest with intervention", None),
    (r"\b(?:rioters|riots?|rioted)\b", "Riots", "Violent demonstration", None),
    (r"\bmob\b", "Riots", "Mob violence", None),
    (r"\b(?:protesters|demonstrators|(?<!in )protest(?:ed|s)?|rall(?:y|ied)|marched|general strike|shops were shut|sit-ins?)\b",
     "Protests", "Peaceful protest", None),
    (r"\b(?:gunmen|shot dead|snipers?|assassinat(?:ed|ion)|executed|stabbed|killed [^.]{0,40}civilians?)\b", VAC,
     "Attack", None),
    (r"\b(?:arrested|detained|arrests)\b", SD, "Arrests", None),
    (r"\b(?:looted|looting|set fire to|torched|demolished)\b", SD, "Looting/property destruction", None),
    # A killing or attack by a state that strikes from the air, with no weapon named.
    (r"\b(?:killing|killed|attack(?:ed)?)\b", ERV, "Air/drone strike", "air_power"),
]
AIR_POWER = {"US military", "US-led coalition", "Israeli military", "Turkish military", "Russian military"}

# (canonical actor, pattern)
ACTORS = [
    ("US-led coalition", r"\b(?:us|u\.s\.)-led coalition(?: forces)?\b|\bcoalition forces\b|\bcjtf-oir\b"
                         r"|\boperation inherent resolve\b"),
    ("US military", r"\b(?:us|u\.s\.|american) (?:military|forces|troops|army|air force|soldiers|personnel"
                    r"|air defen[cs]e(?: systems?)?|warplanes|drones?|fighter jets|jets|aircraft)\b|\b(?:f-15e?|f-16|f-35|a-10|b-1b?|mq-9|strike eagles?)\b|\bpentagon\b|\bthe (?:us|u\.s\.)(?= killing| strike| attack| killed)"),
    ("Islamic State", r"\b(?:islamic state|isis|isil|daesh)\b"),
    ("Kata'ib Hezbollah", r"\bkata'?ib hez?bollah\b|\bkataib hizballah\b"),
    ("Islamic Revolutionary Guard Corps", r"\b(?:iranian )?revolutionary guards?(?: corps)?(?: quds force)?\b"
                                          r"|\birgc\b|\bquds force\b"),
    ("Popular Mobilization Forces", r"\bpopular mobili[sz]ation (?:forces|units)\b|\bpmf\b|\bhashd\b"),
    ("Iran-backed militia", r"\biran(?:ian)?[- ](?:backed|aligned|linked) (?:militias?|groups?|proxies)\b"
                            r"|\bmilitias? (?:tied|linked|loyal) to iran\b"),
    ("Syrian Democratic Forces", r"\bsyrian democratic forces\b|\bsdf\b"),
    ("Military Forces of Syria", r"\bsyrian (?:army|government forces|regime forces|troops)\b|\bregime forces\b"),
    ("Turkish military", r"\bturkish (?:army|military|forces|drones?|warplanes?|jets)\b"),
    ("Israeli military", r"\bisraeli (?:military|army|air force|warplanes?|jets|drones?|strikes?)\b|\bidf\b"),
    ("Russian military", r"\brussian (?:warplanes?|military|forces|jets)\b"),
    ("Iraqi security forces", r"\biraqi (?:security forces|army|forces|police|troops)\b"),
    ("Peshmerga", r"\bpeshmerga\b"),
    ("PKK", r"\bpkk\b|\bkurdistan workers'? party\b"),
    ("Houthis", r"\bhouthis?\b|\bansar allah\b"),
    ("Hezbollah", r"(?<!ib )\bhez?bollah\b"),
    ("Protesters", r"\bprotesters\b|\bdemonstrators\b"),
    ("Civilians", r"\bcivilians?\b"),
    ("Unidentified armed group", r"\bgunmen\b|\bmilitants\b|\bunidentified (?:armed )?(?:group|attackers|assailants|men)\b"),
]
UNIDENTIFIED = "unidentified armed group"
# Words that make the next actor the target ("attacks against US troops", "the killing of ...").
_TARGET_BEFORE = re.compile(r"\b(?:against|targeting|targeted|on|killing of|killed|attack on|struck|at)\s+(?:the\s+)?$",
                            re.I)
_TARGET_AFTER = re.compile(r"^[^.]{0,80}?\b(?:received|came under|were targeted|was targeted|were attacked"
                           r"|was attacked|were hit|was hit|are being evaluated|were wounded|were killed)\b", re.I)

_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|a dozen)"
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a dozen": 12, "dozen": 12, "dozens": 24}
_WHO = r"(?:[\w,-]+\s+){0,6}"
FATALITY_PATTERNS = [
    r"\bkilled (one|an?) [\w\s-]{0,40}? and (one|two|three) (?:of )?(?:his|her|their) ",
    r"\b(?:shot dead|killed|stabbed to death) (an?|one) (?:man|woman|member|soldier|civilian|policeman|fighter|child|boy|girl)\b",
    r"\b(an?) (?:man|woman|member|soldier|civilian|policeman|fighter|child|boy|girl) was (?:shot dead|killed|stabbed to death)\b",
    rf"\b{_NUMBER}\s+{_WHO}(?:were|was|have been|had been|are|is)?\s*(?:killed|dead|died|slain)\b",
    rf"\b(?:killing|killed)\s+(?:at least\s+)?{_NUMBER}\b",
    rf"\bdeath toll\s+(?:rose to|of|stood at|reached)\s+{_NUMBER}\b",
]
INJURY_PATTERNS = [
    rf"\b{_NUMBER}\s+{_WHO}suffered\s+(?:[\w-]+\s+){{0,2}}injuries\b",
    rf"\b{_NUMBER}\s+{_WHO}(?:were|was|are|is|have been|had been)?\s*(?:wounded|injured|hurt)\b",
    rf"\b(?:wounding|injuring|wounded|injured)\s+(?:at least\s+)?{_NUMBER}\b",
    rf"\b{_NUMBER}\s+{_WHO}(?:are|were|is|was)\s+being\s+(?:evaluated|treated)\s+for\s+{_WHO}injur",
]
_NO_CASUALTIES = re.compile(r"\bno (?:injuries|casualties|one was (?:hurt|injured|killed)|deaths)\b"
                            r"|\bno (?:reported )?(?:injuries|casualties) (?:or|and) damages?\b|\bwithout casualties\b",
                            re.I)
_NAMED_VICTIMS = re.compile(r"\bkilling of\b(.{0,300}?)(?:\bat\b|\bin\b|\bon\b|$)", re.I)
_PERSON_TITLE = re.compile(
    r"\b(?i:general|commander|deputy|leader|chief|colonel|minister|sheikh|cleric|official|spokesman|"
    r"president|secretary|specialist|brigadier)\s+((?:[A-Z][\w'’-]+|al-[\w'’-]+)"
    r"(?:\s+(?:[A-Z][\w'’-]+|al-[\w'’-]+)){1,4})")

NEAR = re.compile(r"\b(?:near|nearby|outside|outskirts of|around|vicinity of|close to|approaching|countryside of|border areas? of|"
                  r"(?:north|south|east|west|northeast|northwest|southeast|southwest) of|heading (?:for|towards)|(?:\d+|several) ?(?:km|kilometres"
                  r"|kilometers|miles) (?:from|of|north|south|east|west))\s+(?:the\s+)?(?:so-called\s+)?$", re.I)
# Sentences that speak of attacks in general, in the future or as policy: not incidents.
BACKGROUND = re.compile(r"\b(?:continues? to face|have been blamed|has been blamed|similar attacks|would|will|"
                        r"could|threatens?|sanctions|policy|has sought|anniversary|for years|a series of|"
                        r"if |plans? to|vowed|warned|escalated their|no (?:clashes|attacks|fighting|strikes|protests|incidents)|repeatedly|regularly|frequently|condemned|denounced|welcomed|this year|so far|in total|last year|"
                        r"(?:have|has) (?:deterred|displaced|driven|forced|kept|made|left|become)|"
                        r"since\b[^.]{0,80}\b(?:19|20)\d\d)\b", re.I)


@dataclass(frozen=True)
class EventClass:
    """An event type and sub-event type from the ACLED taxonomy."""

    event_type: str
    sub_event_type: str


_COMPILED_EVENTS = [(re.compile(p, re.I), t, s, c) for p, t, s, c in EVENT_RULES]
_COMPILED_ACTORS = [(name, re.compile(p, re.I)) for name, p in ACTORS]


def classify(sentence: str, actors: tuple[str | None, str | None] = (None, None)) -> EventClass | None:
    """The first event rule the sentence matches, given its perpetrator, or None."""
    for pattern, event_type, sub_event_type, condition in _COMPILED_EVENTS:
        if condition == "air_power" and actors[0] not in AIR_POWER:
            continue
        if pattern.search(sentence):
            return EventClass(event_type, sub_event_type)
    return None


def find_actors(sentence: str) -> tuple[str | None, str | None]:
    """(perpetrator, target) as the sentence names them; either may be None."""
    found = []
    for name, pattern in _COMPILED_ACTORS:
        for match in pattern.finditer(sentence):
            found.append((match.start(), match.end(), name))
    found.sort()
    perpetrator = target = None
    for start, end, name in found:
        is_target = bool(_TARGET_BEFORE.search(sentence[:start]) or _TARGET_AFTER.search(sentence[end:]))
        if is_target and target is None and name != perpetrator:
            target = name
        elif not is_target and perpetrator is None and name != target:
            perpetrator = name
    return perpetrator, target


def casualties(text: str) -> tuple[int | None, int | None]:
    """(fatalities, injuries) as stated; None when the text does not say."""
    if _NO_CASUALTIES.search(text):
        return 0, 0
    fatalities = _first_number(FATALITY_PATTERNS, text)
    if fatalities is None:
        named = named_victims(text)
        fatalities = len(named) or None
    return fatalities, _first_number(INJURY_PATTERNS, text)


def _first_number(patterns: list[str], text: str) -> int | None:
    """The number the first matching pattern states (the sum when it names two groups)."""
    for pattern in patterns:
        match = re.search(pattern, text, re.I)
        if match:
            return sum(_number(word) for word in match.groups() if word)
    return None


def _number(word: str) -> int:
    word = word.lower()
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


def named_victims(text: str) -> list[str]:
    """People a "killing of ..." clause names by their title (General X, deputy Y)."""
    clause = _NAMED_VICTIMS.search(text)
    if not clause:
        return []
    return list(dict.fromkeys(m.group(1) for m in _PERSON_TITLE.finditer(clause.group(1))))


def is_background(sentence: str) -> bool:
    """True for sentences about attacks in general, plans or policy."""
    return bool(BACKGROUND.search(sentence))


def says_near(text_before_place: str) -> bool:
    """True when the words before a place put the event near it, not at it."""
    return bool(NEAR.search(text_before_place[-60:]))
