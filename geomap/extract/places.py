"""Place mentions in a report (``mentions``), resolved with the gazetteer in the context of the
whole document.

Each mention is resolved once without a hint; the
countries the report is about (named countries, confident places) then steer every
mention, and a province or country named in the same phrase ("in eastern Syria's Deir
Azor province") constrains the places beside it.
"""

from __future__ import annotations

import re
from collections import Counter

import pycountry
from geopy.distance import geodesic
from unidecode import unidecode
from wordfreq import zipf_frequency

from geomap.extract.actors import find_home_countries
from geomap.extract.countries import (
    DEMONYM_OF_PLACE,
    DEMONYMS,
    DROPPED_KIND_SCORE,
    is_landmark,
    nationalities,
    own_name,
)
from geomap.extract.geography import link_containers, split_compound
from geomap.extract.mentions import (
    COMMON_WORD_ZIPF,
    SPECIFIC,
    Mention,
    entity_mentions,
    find_mentions,
    people_named,
)
from geomap.gazetteer import borders

GREAT_CITY, GREAT_CITY_ZIPF_ROOM = 500_000, 0.5
MIN_VOTES = 2
ABROAD_POPULATION = 100_000
CONFIDENT = 0.85
SINGLE_WORD_SCORE = 0.96  # the gazetteer: one of its names, or one in another romanisation
SINGLE_WORD_IN_COUNTRY = 0.7
MULTI_WORD_SCORE = 0.7


# How far a place may lie from the name that contains it: a town's name often stands for its
# province too ("Al Bab in Aleppo"), so both get a province's reach.
INSIDE_KM = 200
# "the town of X" may lie across a border of the report's countries, this far at most.
NEIGHBOUR_KM = 300
# "the Haftanin region": a stretch of land named after a town (lower case: "Kurdistan Region" is a name).
_STRETCH = re.compile(r"\s+(?:region|area|front|frontline|countryside|valley|plain|hills?|mountains?)$")
_INTRODUCED = re.compile(r"\b(?:town|village|city|hamlet)\s+of\s+(?:the\s+)?$", re.I)
# "the area of X", "X village": a place for sure, though perhaps in no index.
_INTRODUCED_AREA = re.compile(r"\b(?:town|village|city|hamlet|area)\s+of\s+(?:the\s+)?$", re.I)
_KIND_AFTER = re.compile(r"\s(?:village|town)$")
INSIDE_COUNTRY_KM = 2_000


def _only_the_city(mention: Mention) -> bool:
    """ "Aden-Kraytar" read as Aden itself: the neighbourhood is in no index, the city stands in."""
    parts = split_compound(mention.text, mention.start)
    return bool(parts) and _fold(mention.place["name"]) == _fold(parts[0][1])


def _fold(name: str) -> str:
    return unidecode(name).lower().replace("-", " ").replace("'", "")


def _inside(place: dict, outer: dict) -> bool:
    if place["country"] != outer["country"]:
        return False
    limit = INSIDE_COUNTRY_KM if outer["feature"] == "country" else INSIDE_KM
    return geodesic((place["lat"], place["lon"]), (outer["lat"], outer["lon"])).km <= limit


def _common_word(text: str, match: dict) -> bool:
    """True for a word English uses too often to be taken for a place ("Police", "Split").

    A great city's own name is frequent because the city is ("Jerusalem"): it gets more room.
    """
    great = (match.get("population") or 0) >= GREAT_CITY and match["score"] >= 1.0 and own_name(text, match)
    return zipf_frequency(text.lower(), "en") >= COMMON_WORD_ZIPF + (GREAT_CITY_ZIPF_ROOM if great else 0)


class DocumentPlaces:
    """Resolves a report's mentions, each in the light of the others."""

    def __init__(self, gazetteer, sentences: list[str]):
        self.gazetteer = gazetteer
        self._answers: dict = {}
        self.people = people_named(" ".join(sentences))
        self.countries: Counter = Counter()
        # Nationalities named when nothing else says where: places there are read as in-country.
        self.leaning: Counter = Counter()
        # Large towns and provinces named by their own names (their divisions: ``provinces``).
        self.landmarks: list[dict] = []
        # The countries the report's first text naming any (its title or lead) names: they govern
        # where a later sentence names none, however often other countries come up.
        self.lead: set[str] = set()
        self.countries = self._document_countries(sentences)

    def _document_countries(self, sentences: list[str]) -> Counter:
        """Countries the report is about, and how strongly.

        The first kind of evidence that the report holds decides: countries it names ("Iraq",
        "the Syrian city of"), with its actors' home countries; else its landmarks (large
        towns and provinces by their own names, learned places); else the one country where
        its names' close readings agree; else the nationalities it names, which more often
        name who acted ("Turkish strikes on ...") than where.
        """
        named, votes, acted_by = Counter(), Counter(), Counter()
        landmarks = []
        for sentence in sentences:
            before = named.copy()
            for mention in find_mentions(sentence, self.people):
                votes.update(self._candidate_countries(mention.text))
                match = self._plain(mention.text)
                if match and match["feature"] == "country":
                    named[match["country"]] += 2
                elif match and is_landmark(mention.text, match):
                    landmarks.append((mention.text, match))
            named.update(find_home_countries(sentence))
            for code, of_place in nationalities(sentence):
                (named if of_place else acted_by)[code] += 1
            self.lead = self.lead or set(named - before)
        self.landmarks = [match for _, match in landmarks]
        counts = named + self._landmark_countries(landmarks, named)
        if counts:
            return counts
        top = max(votes.values(), default=0)
        self.leaning = acted_by
        return Counter({cc: 1 for cc, n in votes.items() if n >= MIN_VOTES and n == top})

    def _landmark_countries(self, landmarks: list[tuple[str, dict]], named: Counter) -> Counter:
        """The landmarks' countries; one that reads as well in a country the report is surely
        about counts for that one ("Al Bayda" beside the Houthis: Yemen's, not Libya's).

        A village abroad that shares a landmark's name ("Sidon" in Mississippi) is no other
        reading of it: only landmarks of that name make a landmark's country uncertain.
        """
        readings = [(match, self._exact_countries(text), self._exact_countries(text, landmarks_only=True))
                    for text, match in landmarks]
        sure = named or Counter(match["country"] for match, _, grand in readings if grand <= {match["country"]})
        # Ties go to the country where more of the landmarks can lie, then to the landmark's
        # own best reading, then by code: a set's order changes from run to run, the answer must not.
        support = Counter(code for _, countries, _ in readings for code in countries)
        counts: Counter = Counter()
        for match, countries, grand in readings:
            there = [code for code in countries if code in sure]
            if there:
                counts[max(there, key=lambda code: (sure[code], support[code], code == match["country"], code))] += 1
            else:  # as likely in each: the other names decide
                counts.update(grand | {match["country"]})
        return counts

    def _exact_countries(self, text: str, landmarks_only: bool = False) -> set[str]:
        """Countries where a place (a landmark) has this name as its own, in some romanisation."""
        return {c["country"] for c in self._lookup(text)["candidates"]
                if c["score"] >= DROPPED_KIND_SCORE and c["feature"] != "country" and own_name(text, c)
                and (not landmarks_only or is_landmark(text, c))}

    def _candidate_countries(self, text: str) -> set[str]:
        """Countries where a close reading of a name lies (not countries themselves)."""
        answer = self._lookup(text)
        return {c["country"] for c in answer["candidates"]
                if c["score"] >= MULTI_WORD_SCORE and c["feature"] != "country"}

    def _lookup(self, text: str, country: str | None = None, near: tuple | None = None) -> dict:
        """The gazetteer's answer, asked once per name, country and context point in a report."""
        key = (text, country, near)
        if key not in self._answers:
            # The name's evidence: the report's own geography decides what is tentative.
            self._answers[key] = self.gazetteer.resolve(text, country=country, near=near,
                                                        calibrated=False)
        return self._answers[key]

    def _plain(self, text: str) -> dict | None:
        match = self._lookup(text)["match"]
        if match is None or not self._trustworthy(text, match):
            return None
        return match

    def _known_abroad(self, text: str, match: dict) -> bool:
        """A name outside the report's countries: a large place or a province, by its own name.

        An old or alternate name of a far city ("Molotov" for Perm) is no reading of it, nor is a
        village abroad that shares a name with one the report means.
        """
        if match["score"] < DROPPED_KIND_SCORE:
            return False
        if not self.countries:  # a lone word must then be the place's own name
            return len(text.split()) > 1 or (match["score"] >= SINGLE_WORD_SCORE and own_name(text, match))
        large = (match.get("population") or 0) >= ABROAD_POPULATION or match["feature"] == "division"
        return large and own_name(text, match)

    def _trustworthy(self, text: str, match: dict) -> bool:
        """A name must match closely, lie in a country the report names (or be known abroad),
        and a lone word must not be common English."""
        multi_word = len(text.split()) > 1
        if match["feature"] == "country":
            return match["score"] >= (MULTI_WORD_SCORE if multi_word else SINGLE_WORD_SCORE)
        inside = match["country"] in (self.countries or self.leaning)
        if self.countries and not inside and not self._known_abroad(text, match):
            return False
        if multi_word:
            return match["score"] >= MULTI_WORD_SCORE
        if match["feature"] == "division":
            return match["score"] >= SINGLE_WORD_SCORE and zipf_frequency(text.lower(), "en") < COMMON_WORD_ZIPF
        if not inside and not self._known_abroad(text, match):
            return False
        return match["score"] >= SINGLE_WORD_IN_COUNTRY and not _common_word(text, match)

    def resolve_sentence(self, sentence: str, entities: list[tuple[int, int]] = ()) -> list[Mention]:
        """The sentence's place mentions, resolved; unresolvable ones are dropped.

        ``entities`` are (start, end) offsets of the parser's place entities (GPE, LOC, FAC):
        they add the names the capitalisation pattern misses ("the Tigris river", lower-case
        kind words), never split one it found.
        """
        mentions = find_mentions(sentence, self.people)
        mentions += entity_mentions(sentence, entities, mentions, self.people)
        link_containers(sentence, mentions)
        regions = [m for m in mentions if self._resolve(m, sentence, mentions) and not m.is_specific]
        for mention in mentions:
            if mention.is_specific:
                self._refine(mention, sentence, regions)
        for mention in mentions:
            if mention.place is None:
                self._compound(mention, sentence, mentions)
            elif _only_the_city(mention):
                mention.fallback = True
            self._within_container(mention)
        for mention in mentions:  # "X in the Y district of Z": Y fell back to Z, and so does X
            if mention.place is None and mention.container is not None and mention.container.fallback:
                self._within_container(mention)
        return [m for m in mentions if m.place]

    def fallback_for_unknown(self, sentence: str, mentions: list[Mention]) -> Mention | None:
        """ "the village of X" in no index, in a sentence that names no place the index holds but
        its country (or in a report about one country): X placed at the one province the report
        names in that country, else at the country, for review."""
        country = next((m.place for m in mentions if m.feature == "country"), None)
        if country is None and len(self.countries) == 1:
            country = self._country_place(next(iter(self.countries)))
        if country is None:
            return None
        for mention in find_mentions(sentence, self.people):
            named = any(m.start <= mention.start < m.end for m in mentions)
            if not named and (_INTRODUCED_AREA.search(sentence[:mention.start]) or _KIND_AFTER.search(mention.text)):
                return Mention(mention.text, mention.start, mention.end, self._only_province(country), fallback=True)
        return None

    @property
    def provinces(self) -> list[dict]:
        return [match for match in self.landmarks if match["feature"] == "division"]

    def _only_province(self, country: dict) -> dict:
        """The one province the report names in the country when its landmarks there all lie in it, else the country.

        A report naming Kharkiv province among towns of Kherson and Donetsk does not place its
        unknown villages in Kharkiv.
        """
        provinces = {p["gazetteer_id"]: p for p in self.provinces if p["country"] == country["country"]}
        if len(provinces) != 1:
            return country
        province = next(iter(provinces.values()))
        there = [m for m in self.landmarks if m["country"] == country["country"]]
        return province if all(m.get("admin1") == province.get("admin1") for m in there) else country

    def _country_place(self, code: str) -> dict | None:
        country = pycountry.countries.get(alpha_2=code)
        name = getattr(country, "common_name", None) or (country.name if country else None)
        if name is None:
            return None
        return next((c for c in self._lookup(name)["candidates"]
                     if c["feature"] == "country" and c["country"] == code), None)

    def _compound(self, mention: Mention, sentence: str, mentions: list[Mention]) -> None:
        """ "Aden-Kraytar": the neighbourhood inside the city, or the city when the index lacks it."""
        for inner, outer_text in split_compound(mention.text, mention.start):
            outer = Mention(outer_text, mention.start, mention.start + len(outer_text))
            if self._resolve(outer, sentence, mentions) is None:
                return
            inner.container = outer
            self._within_container(inner)
            mention.place, mention.fallback, mention.container = inner.place, inner.fallback, outer

    def _read_container_beside(self, mention: Mention, outer: Mention) -> None:
        place = mention.place
        again = self._choose(outer.text, self._lookup(outer.text, place["country"], (place["lat"], place["lon"])))
        if again is not None and _inside(place, again):
            outer.place = again

    def _within_container(self, mention: Mention) -> None:
        """Keep a name inside the place that contains it; in no index, fall back to the container."""
        outer = mention.container
        if outer is None or outer.place is None or mention.fallback:
            return
        # Only a container in a country the report speaks of steers; a namesake abroad does not.
        if self.countries and outer.place["country"] not in self.countries:
            return
        if mention.place is not None and _inside(mention.place, outer.place):
            return
        abroad = self.countries and mention.place is not None and mention.place["country"] not in self.countries
        if mention.place is not None and mention.place["country"] != outer.place["country"] and not abroad:
            # Two readings disagree on the country: the container is read again beside the place.
            self._read_container_beside(mention, outer)
            return
        # A namesake abroad of a name inside a place of the report's country is no reading of it.
        answer = self._lookup(mention.text, outer.place["country"], (outer.place["lat"], outer.place["lon"]))
        inside = [c for c in answer["candidates"] if c["score"] >= MULTI_WORD_SCORE and _inside(c, outer.place)]
        if inside:
            mention.place = inside[0]
        elif outer.feature != "country":
            mention.place, mention.fallback = outer.place, True

    def _resolve(self, mention: Mention, sentence: str, mentions: list[Mention]) -> dict | None:
        plain = self._plain(mention.text)
        hint = self._country_hint(mention, mentions, sentence)
        if hint is not None and not (plain and plain["feature"] == "country"):
            mention.place = self._choose(mention.text, self._lookup(mention.text, hint))
        if mention.place is None:
            mention.place = self._choose(mention.text, self._lookup(mention.text))
        if mention.place is None and _INTRODUCED.search(sentence[:mention.start]):
            mention.place = self._introduced(mention.text)
        stretch = _STRETCH.search(mention.text)
        if mention.place is None and stretch and stretch.start() > 0:
            name = mention.text[:stretch.start()]
            town = self._choose(name, self._lookup(name, hint))
            mention.place = town if town and town["feature"] in SPECIFIC else None
        return mention.place

    def _introduced(self, text: str) -> dict | None:
        """ "the town of X" names a place for sure: X's own name just across the report's borders
        (in a report that names no country, X exactly as the index writes one of its names)."""
        least = DROPPED_KIND_SCORE if self.countries else SINGLE_WORD_SCORE
        for candidate in self._lookup(text)["candidates"]:
            if (candidate["score"] >= least and candidate["feature"] in SPECIFIC
                    and own_name(text, candidate) and self._near_the_countries(candidate)):
                return candidate
        return None

    def _near_the_countries(self, place: dict) -> bool:
        outside = [borders.km_outside(code, place["lat"], place["lon"], NEIGHBOUR_KM) for code in self.countries]
        return not outside or any(km is not None and km <= NEIGHBOUR_KM for km in outside)

    def _country_hint(self, mention: Mention, mentions: list[Mention], sentence: str) -> str | None:
        before = [m for m in mentions if m.end <= mention.start and m.place and m.feature == "country"]
        if before and mention.start - before[-1].end < 40:
            return before[-1].place["country"]
        adjective = DEMONYM_OF_PLACE.search(sentence[max(0, mention.start - 60):mention.start])
        if adjective and DEMONYMS[adjective.group(1).lower()]:
            return DEMONYMS[adjective.group(1).lower()]
        weight = self.countries or self.leaning
        if len(weight) > 1 and len(self.lead) == 1 and self.lead <= set(weight):
            return next(iter(self.lead))
        return weight.most_common(1)[0][0] if len(weight) == 1 else None

    def _choose(self, text: str, answer: dict) -> dict | None:
        candidates = [c for c in answer["candidates"] if c["score"] >= 0.6 and self._trustworthy(text, c)]
        if not candidates:
            return None
        best = candidates[0]["score"]
        close = [c for c in candidates if c["score"] >= best - 0.1]
        # Among near-equal readings, the one in the report's lead country, else in the one it
        # speaks of most.
        weight = self.countries or self.leaning
        lead = self.lead if len(self.lead) == 1 else set()
        return max(close, key=lambda c: (c["country"] in lead, weight.get(c["country"], 0), c["score"]))

    def _refine(self, mention: Mention, sentence: str, regions: list[Mention]) -> None:
        """Re-resolve a town or base near the province or country named beside it."""
        region = next((r for r in regions if r.start > mention.end and r.start - mention.end < 60), None)
        region = region or next((r for r in reversed(regions) if r.end <= mention.start), None)
        if region is None or region.place["country"] == mention.place["country"]:
            return
        answer = self._lookup(mention.text, region.place["country"], (region.place["lat"], region.place["lon"]))
        better = self._choose(mention.text, answer)
        if better is not None and better["country"] == region.place["country"]:
            mention.place = better
