"""Place mentions in a report, resolved with the gazetteer in the context of the whole document.

A mention is a run of capitalised words (with the article al-/el- and a following kind
word such as "province" or "air base"). Each is resolved once without a hint; the
countries the report is about (named countries, confident places) then steer every
mention, and a province or country named in the same phrase ("in eastern Syria's Deir
Azor province") constrains the places beside it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from wordfreq import zipf_frequency

from geomap.extract.rules import ACTORS

KIND_WORDS = (r"(?:international airport|air base|airbase|airport|airfield|air field|province|governorate|"
              r"district|city|town|village|military base|base|oil field|gas field|border crossing|crossing|"
              r"camp|dam|region)")
_WORD = r"(?:[A-Z][\w'’-]*|(?:al|el|ad|ar|as|az|an|at|ash)-[\w'’-]+)"
_MENTION = re.compile(rf"(?<![\w-]){_WORD}(?:\s+(?:(?:al|el|ad|ar|as|az|an|ash|bin|ibn|de|of)\s+)?{_WORD})*"
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
                         r"|Capitol|Foreign Ministry|Wilson Center)$")
COMMON_WORD_ZIPF = 4.0
CONFIDENT = 0.85
SINGLE_WORD_SCORE = 0.95
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
            if _is_candidate(text, sentence[:start]) and not set(text.split()) <= people:
                mentions.append(Mention(text, start, start + len(text)))
    return mentions


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
    if not words or text.lower() in _STOP or all(w.lower() in _STOP for w in words):
        return False
    if _NOT_PLACES.match(text):
        return False
    if _TITLES.search(before) or any(p.fullmatch(text) for p in _ACTOR_PATTERNS):
        return False
    return not (len(words) == 1 and zipf_frequency(text.lower(), "en") >= COMMON_WORD_ZIPF + 1)


class DocumentPlaces:
    """Resolves a report's mentions, each in the light of the others."""

    def __init__(self, gazetteer, sentences: list[str]):
        self.gazetteer = gazetteer
        self.people = people_named(" ".join(sentences))
        self.countries = self._document_countries(sentences)

    def _document_countries(self, sentences: list[str]) -> Counter:
        counts: Counter = Counter()
        for sentence in sentences:
            for mention in find_mentions(sentence, self.people):
                match = self._plain(mention.text)
                if match and match["score"] >= CONFIDENT and match["feature"] in ("country", "division", "city"):
                    counts[match["country"]] += 3 if match["feature"] == "country" else 1
        return counts

    def _plain(self, text: str) -> dict | None:
        match = self.gazetteer.resolve(text)["match"]
        if match is None or not self._trustworthy(text, match):
            return None
        return match

    @staticmethod
    def _trustworthy(text: str, match: dict) -> bool:
        """A lone word must match closely and not be a common English word (Huh, Since)."""
        if len(text.split()) > 1:
            return True
        if match["score"] < SINGLE_WORD_SCORE:
            return False
        return match["feature"] in ("country", "division") or zipf_frequency(text.lower(), "en") < COMMON_WORD_ZIPF

    def resolve_sentence(self, sentence: str) -> list[Mention]:
        """The sentence's place mentions, resolved; unresolvable ones are dropped."""
        mentions = find_mentions(sentence, self.people)
        regions = [m for m in mentions if self._resolve(m, sentence, mentions) and not m.is_specific]
        for mention in mentions:
            if mention.is_specific:
                self._refine(mention, sentence, regions)
        return [m for m in mentions if m.place]

    def _resolve(self, mention: Mention, sentence: str, mentions: list[Mention]) -> dict | None:
        plain = self._plain(mention.text)
        hint = self._country_hint(mention, mentions)
        if (plain and plain["feature"] == "country") or hint is None:
            mention.place = self._choose(mention.text, self.gazetteer.resolve(mention.text))
        else:
            mention.place = self._choose(mention.text, self.gazetteer.resolve(mention.text, country=hint))
        return mention.place

    def _country_hint(self, mention: Mention, mentions: list[Mention]) -> str | None:
        before = [m for m in mentions if m.end <= mention.start and m.place and m.feature == "country"]
        if before and mention.start - before[-1].end < 40:
            return before[-1].place["country"]
        return self.countries.most_common(1)[0][0] if len(self.countries) == 1 else None

    def _choose(self, text: str, answer: dict) -> dict | None:
        candidates = [c for c in answer["candidates"] if c["score"] >= 0.6 and self._trustworthy(text, c)]
        if not candidates:
            return None
        best = candidates[0]["score"]
        in_document = [c for c in candidates if c["country"] in self.countries and c["score"] >= best - 0.1]
        return in_document[0] if in_document else candidates[0]

    def _refine(self, mention: Mention, sentence: str, regions: list[Mention]) -> None:
        """Re-resolve a town or base near the province or country named beside it."""
        region = next((r for r in regions if r.start > mention.end and r.start - mention.end < 60), None)
        region = region or next((r for r in reversed(regions) if r.end <= mention.start), None)
        if region is None or region.place["country"] == mention.place["country"]:
            return
        answer = self.gazetteer.resolve(mention.text, country=region.place["country"],
                                        near=(region.place["lat"], region.place["lon"]))
        better = self._choose(mention.text, answer)
        if better is not None and better["country"] == region.place["country"]:
            mention.place = better
