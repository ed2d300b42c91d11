"""Actors: ONE table maps the names reports use to one canonical name per actor.

The table serves the extractor (who did it, to whom) and the query layer, whose actor
filter matches every spelling of the actor asked for (:func:`actor_variants`). A claim
of responsibility ("X claimed the attack", "X said it carried out the strike") names the
perpetrator (:func:`find_claimant`).

>>> canonical_actor("Kataib Hizballah")
"Kata'ib Hezbollah"
>>> "kataib hezbollah" in actor_variants("Kata'ib Hezbollah")
True
"""

from __future__ import annotations

import re

# (canonical actor, pattern)
ACTORS = [
    ("Saudi-led coalition", r"\bsaudi[- ]led (?:arab )?coalition\b|\barab coalition\b"
                            r"|\bsaudi (?:warplanes?|jets|aircraft|air force)\b"),
    ("US-led coalition", r"\b(?:us|u\.s\.)-led coalition(?: forces)?\b|\bcoalition forces\b|\bcjtf-oir\b"
                         r"|\boperation inherent resolve\b"),
    ("US military", r"\b(?:us|u\.s\.|american) (?:military|forces|troops|army|air force|soldiers|personnel"
                    r"|air defen[cs]e(?: systems?)?|warplanes|drones?|fighter jets|jets|aircraft)\b|\b(?:f-15e?|f-16|f-35|a-10|b-1b?|mq-9|strike eagles?)\b|\bpentagon\b|\bthe (?:us|u\.s\.)(?= killing| strike| attack| killed)"),
    ("Islamic State", r"\b(?:islamic state|isis|isil|daesh)\b"),
    ("Kata'ib Hezbollah", r"\bkata'?ib hez?bollah\b|\bkata'?ib hizb?allah\b|\bkh militia\b"),
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

# ACLED's codebook: civilians are unarmed and do not engage in political violence, so they are
# only ever the side acted on, whatever the sentence's order ("a drone killed three civilians").
ONLY_TARGETS = frozenset({"Civilians"})

_COMPILED_ACTORS = [(name, re.compile(p, re.I)) for name, p in ACTORS]
# Spellings the actor filter also matches, beyond the canonical name (lower case).
VARIANTS = {
    "Kata'ib Hezbollah": ("kataib hezbollah", "kata'ib hizballah", "kataib hizballah", "kata'ib hizbollah",
                          "kataeb hezbollah"),
    "Islamic State": ("isis", "isil", "daesh"),
    "Popular Mobilization Forces": ("pmf", "hashd al-shaabi", "popular mobilisation forces"),
    "Syrian Democratic Forces": ("sdf",),
    "Islamic Revolutionary Guard Corps": ("irgc", "revolutionary guards"),
    "Houthis": ("houthi", "ansar allah", "pro-houthi forces"),
    "PKK": ("kurdistan workers party", "kurdistan workers' party", "pkk: kurdistan workers party"),
    "Hezbollah": ("hizballah", "hizbollah"),
}
_CLAIM = re.compile(r"\b(?:claimed|claims|claiming) (?:responsibility|the (?:attack|strike|bombing|operation))"
                    r"|\bsaid (?:it|they) (?:had )?(?:carried out|conducted|launched|targeted)", re.I)


def canonical_actor(text: str) -> str | None:
    """The canonical name of the actor ``text`` names, or None when the table has none."""
    for name, pattern in _COMPILED_ACTORS:
        if pattern.fullmatch(text.strip()) or text.strip().lower() == name.lower():
            return name
    lowered = text.strip().lower()
    return next((name for name, spellings in VARIANTS.items() if lowered in spellings), None)


def actor_variants(text: str) -> tuple[str, ...]:
    """Every spelling the filter for ``text`` matches: itself, its canonical name and their variants."""
    name = canonical_actor(text)
    spellings = [text.strip().lower()]
    if name is not None:
        spellings += [name.lower(), *VARIANTS.get(name, ())]
    # Reports write the apostrophe both ways (Kata'ib, Kata’ib).
    spellings += [s.replace("'", "’") for s in spellings if "'" in s]
    return tuple(dict.fromkeys(spellings))


# A state's forces named by their adjective on the weapon or unit that acted ("Israeli missile strikes").
STATE_FORCES = {"israeli": "Israeli military", "turkish": "Turkish military", "russian": "Russian military",
                "american": "US military", "us": "US military", "u.s.": "US military",
                "iraqi": "Iraqi security forces", "syrian": "Military Forces of Syria"}
_ARMS = frozenset("""strike airstrike drone missile rocket artillery jet warplane aircraft force troop army military
soldier helicopter shelling tank gunboat navy""".split())


def find_state_actor(span) -> str | None:
    """The state whose weapon or unit is the sentence's subject or agent, by its adjective, or None."""
    for token in span:
        name = STATE_FORCES.get(token.lower_)
        head = token.head
        if name is None or token.dep_ not in ("amod", "compound") or head.lemma_.lower() not in _ARMS:
            continue
        if head.dep_ in ("nsubj", "pobj") and (head.dep_ == "nsubj" or head.head.lower_ == "by") \
                or head.dep_ == "ROOT":
            return name
    return None


# Where an actor is at home: a report naming it speaks of that country (the document's geography).
HOME_COUNTRY = {"Houthis": "YE", "Syrian Democratic Forces": "SY", "Popular Mobilization Forces": "IQ",
                "Peshmerga": "IQ", "Military Forces of Syria": "SY", "Iraqi security forces": "IQ",
                "Kata'ib Hezbollah": "IQ", "Hezbollah": "LB"}


def find_home_countries(sentence: str) -> list[str]:
    """The home countries of the actors a sentence names."""
    return [HOME_COUNTRY[name] for name, pattern in _COMPILED_ACTORS
            if name in HOME_COUNTRY and pattern.search(sentence)]


def is_unidentified(name: str | None) -> bool:
    """True when no actor is named, or only an unidentified one."""
    return name is None or name.lower() == UNIDENTIFIED


def find_claimant(sentence: str) -> str | None:
    """The actor a claim of responsibility names ("X claimed the attack"), or None."""
    match = _CLAIM.search(sentence)
    if not match:
        return None
    actors = [(m.start(), name) for name, pattern in _COMPILED_ACTORS for m in pattern.finditer(sentence)
              if m.end() <= match.start()]
    return max(actors)[1] if actors else None


def find_actors(sentence: str) -> tuple[str | None, str | None]:
    """(perpetrator, target) as the sentence names them; either may be None."""
    found = []
    for name, pattern in _COMPILED_ACTORS:
        for match in pattern.finditer(sentence):
            found.append((match.start(), match.end(), name))
    found.sort()
    perpetrator = target = None
    for start, end, name in found:
        is_target = bool(_TARGET_BEFORE.search(sentence[:start]) or _TARGET_AFTER.search(sentence[end:])) \
            or name in ONLY_TARGETS
        if is_target and target is None and name != perpetrator:
            target = name
        elif not is_target and perpetrator is None and name != target:
            perpetrator = name
    return perpetrator, target
