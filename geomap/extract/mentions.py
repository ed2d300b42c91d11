"""Place mentions: the runs of words in a sentence that may name a place, before resolution.

A mention is a run of capitalised words (with the article al-/el- and a following kind
word such as "province" or "air base"), or a place entity of the parser that the pattern
missed; titles, people's names, actors, weapons and common English words are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wordfreq import zipf_frequency

from geomap.extract.actors import ACTORS
from geomap.extract.countries import DEMONYMS
from geomap.extract.geography import split_of

KIND_WORDS = (r"(?:international airport|air base|airbase|airport|airfield|air field|province|governorate|"
              r"district|city|town|village|military base|base|garrison|oil field|gas field|border crossing|crossing|"
              r"camp|dam|region|state)")
_WORD = r"(?:[A-Z][\w'’-]*|(?:al|el|ad|ar|as|az|an|at|ash)-[\w'’-]+)"
_MENTION = re.compile(rf"(?<![\w-]){_WORD}(?:\s+(?:(?:al|el|ad|ar|as|az|an|ash|bin|ibn|de|of|e)\s+)?{_WORD})*"
                      rf"(?:\s+{KIND_WORDS}\b)?")
_POSSESSIVE = re.compile(r"['’]s$")
_STOP = frozenset("""us u.s. un uk eu isis isil nato the a an in on at of and but for with from by as it its this that
these those he she they we i our their his her monday tuesday wednesday thursday friday saturday sunday january
february march april may june july august september october november december president minister general
commander deputy secretary spokesman official forces force army military coalition ministry state statement
mr mrs dr sheikh leave comment photo images""".split())
_TITLES = re.compile(r"\b(?:minister|president|secretary|general|commander|deputy|spokesman|specialist|"
                     r"leader|chief|colonel|director|envoy|ambassador|official)\s+$", re.I)
_ACTOR_PATTERNS = [re.compile(p, re.I) for _, p in ACTORS]
_LEADING = re.compile(r"(?:The|A|An|In|On|At|For|From|Since|As|But|And)\s+")
_PERSON = re.compile(r"\b(?i:minister|president|secretary|general|commander|deputy|spokesman|specialist|"
                     r"leader|chief|colonel|director|envoy|ambassador)\s+((?:[A-Z][\w'’-]+|al-[\w'’-]+)"
                     r"(?:\s+(?:[A-Z][\w'’-]+|al-[\w'’-]+)){0,3})")
_NOT_PLACES = re.compile(r"^(?:[A-Z]{2,}s?|[\w-]+-(?:led|backed|linked|based|aligned)|White House|Pentagon|Kremlin"
                         r"|Capitol|Foreign Ministry|Wilson Center|Katyushas?|Grads?|Kornet|Molotovs?|Shahed(?:-\d+)?|Hellfire|Reapers?|Strike Eagles?"
                         r"|Bradleys?|Humvees?|Toyota|Hilux)$")
# Longer runs of capitals are titles or noise ("al-al-al- ..."), never one place name.
MAX_MENTION_WORDS, MAX_MENTION_CHARS = 8, 80
COMMON_WORD_ZIPF = 4.0
SPECIFIC = {"city", "town", "village", "airport", "air_base", "airfield", "military_base", "oil_field",
            "gas_field", "border_crossing", "dam", "nuclear_site", "government_site", "checkpoint", "camp",
            "port", "neighbourhood"}


@dataclass
class Mention:
    """A place name as written, where, and what the gazetteer made of it."""

    text: str
    start: int
    end: int
    place: dict | None = None
    container: Mention | None = None
    # True when the name is in no index and ``place`` is the larger place the report names around it.
    fallback: bool = False

    @property
    def feature(self) -> str | None:
        return self.place["feature"] if self.place else None

    @property
    def is_specific(self) -> bool:
        """True for a place smaller than a province (a town, a base, an airport)."""
        return self.feature in SPECIFIC


def find_mentions(sentence: str, people: frozenset[str] = frozenset()) -> list[Mention]:
    """Candidate place names in a sentence (not yet resolved); ``people`` are names to skip."""
    mentions = []
    for match in _MENTION.finditer(sentence):
        for text, start in _split_possessives(match.group(0), match.start()):
            text, start = _strip_leading(text, start)
            for part, offset in _split_of(text):
                if _is_candidate(part, sentence[:start + offset]) and not set(part.split()) <= people:
                    mentions.append(Mention(part, start + offset, start + offset + len(part)))
    return mentions


def _split_of(text: str) -> list[tuple[str, int]]:
    """ "Bat Galim Square of Haifa city" is two names, the second containing the first."""
    parts = split_of(text)
    if parts is None:
        return [(text, 0)]
    return [(parts[0], 0), (parts[1], text.rindex(parts[1]))]


def entity_mentions(sentence: str, entities, found: list[Mention], people=frozenset()) -> list[Mention]:
    """Mentions for the parser's place entities that overlap none already found."""
    extra = []
    for start, end in entities:
        text, start = _strip_leading(sentence[start:end], start)
        text = re.sub(r"^the\s+", "", text, flags=re.I)
        start = end - len(text)
        overlaps = any(m.start < end and start < m.end for m in found)
        if not overlaps and _is_candidate(text, sentence[:start]) and not set(text.split()) <= people:
            extra.append(Mention(text, start, end))
    return extra


def _strip_leading(text: str, start: int) -> tuple[str, int]:
    match = _LEADING.match(text)
    return (text[match.end():], start + match.end()) if match else (text, start)


def people_named(text: str) -> frozenset[str]:
    """Words of the names that follow a title anywhere in the text ("President Joe Biden")."""
    words = set()
    for match in _PERSON.finditer(text):
        words.update(match.group(1).split())
    return frozenset(words)


def _split_possessives(text: str, start: int):
    offset = 0
    for part in re.split(r"(?<=['’]s)\s+", text):
        yield _POSSESSIVE.sub("", part), start + offset
        offset += len(part) + 1


def _is_candidate(text: str, before: str) -> bool:
    words = text.split()
    if len(words) > MAX_MENTION_WORDS or len(text) > MAX_MENTION_CHARS:
        return False
    if not words or text.lower() in _STOP or all(w.lower() in _STOP for w in words):
        return False
    if _NOT_PLACES.match(text) or words[0].lower() in DEMONYMS:
        return False
    if _TITLES.search(before) or any(p.fullmatch(text) for p in _ACTOR_PATTERNS):
        return False
    return not (len(words) == 1 and zipf_frequency(text.lower(), "en") >= COMMON_WORD_ZIPF + 1)
