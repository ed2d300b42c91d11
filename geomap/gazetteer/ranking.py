"""How candidates are weighed: name similarity, kind, country hint, context point, ambiguity.

The aim is an answer that fails honestly. A spelling counts for less the further it is
from a name the place has; a place far from the context or outside the hinted country
loses to a close one; and when two places of like size are as likely and lie far apart
(two villages called the same), neither is the answer: ``match`` is then null rather
than a coin toss between namesakes hundreds of kilometres apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz

from geomap.gazetteer import borders
from geomap.gazetteer.evidence import (
    SPELT_OTHERWISE,
    TENTATIVE,
    Reading,
    weigh_evidence,
    weigh_tentative,
)

# Kinds a query implies ("air base", "province") and the features that satisfy them.
KIND_FEATURES = {
    "airfield": {"airport", "air_base", "airfield", "military_base"},
    "division": {"division"},
    "district": {"division", "city", "town", "village"},
    "city": {"city", "town", "village"},
    "village": {"village", "town"},
    "base": {"military_base", "air_base", "airfield", "camp", "airport"},
    "field": {"oil_field", "gas_field", "military_base"},
    "dam": {"dam"},
    "crossing": {"border_crossing"},
}
POPULATED = frozenset(("city", "town", "village"))
KIND_MISMATCH = 0.7       # the query says "air base" and this is a town
UNSAID_KIND = 0.58        # "X Air Base" when the query said only "X": the town X is meant
OTHER_COUNTRY = 0.5       # the query's country hint names another country
# ... unless the place lies just across its border (a camp named after the village over it).
ACROSS_BORDER, ACROSS_KM, ACROSS_MIN = 0.9, 15.0, 0.9
DROPPED_WORDS = 0.95      # matched once "air base", "province"... were set aside
IMPORTANCE_WEIGHT = 0.05  # breaks ties; a closer spelling outweighs a larger town
LOOSE_SAME = 0.96         # one name in another romanisation: Maadan / Ma'dan ...
LOOSE_SPREAD = 0.1        # ... less the further apart the letters are (a tie-break)
VOWELS_APART = 0.88       # the same letters but a vowel read otherwise: Qaem / Qaim
# Names of 4 letters or fewer meet too many others once folded: Bara / Berea, Ara / Aere.
SHORT_LOOSE, SHORT_VARIANT = 4, 0.7
VARIANT_TOP, VARIANT_POWER = 0.95, 4   # same consonants, vowels apart: falls off fast
CLOSE_TOP, CLOSE_POWER = 0.85, 4       # a near spelling with other consonants
SKELETON_MIN_RATIO = 0.6  # same consonants but spelt too differently: not a variant
# Context: full weight within NEAR_KM, then falling to FAR_FACTOR at FAR_KM and beyond.
NEAR_KM, FAR_KM, FAR_FACTOR = 75.0, 400.0, 0.55
# Two readings this close in score, of like importance (population within a factor of
# about 5) and this far apart: ambiguous.
AMBIGUOUS_MARGIN, AMBIGUOUS_IMPORTANCE, AMBIGUOUS_KM, AMBIGUOUS = 0.025, 0.1, 40.0, 0.55
# A town named as its province, read this much less closely, is still the bare name's meaning.
TOWN_MARGIN = 0.06
TOWN_KM = 50.0  # ... and lies in it: its admin1, or this near the province's point
MAX_RIVALS = 6
# Three or more places of the name in the country: the largest is only a tentative answer
# unless it is about 12 times as large as the next of like name.
MANY_NAMESAKES, MANY_IMPORTANCE = 2, 0.15


@dataclass(slots=True)
class Scored:
    """A candidate place with its score and the reason for it."""

    place: tuple
    score: float
    rank: float
    reasons: list  # strings, or functions giving one: most candidates are never shown
    tentative: float = 1.0  # the reported score's share of ``score`` (evidence.TENTATIVE doubts)
    unweighed: Reading | None = None  # a reading whose tentative doubts are still to weigh

    @property
    def confidence(self) -> float:
        """The reported score: the chance that this is the place meant."""
        if self.unweighed is not None:
            factor, reason = weigh_tentative(self.unweighed)
            self.unweighed = None
            if reason is not None:
                self.doubt(factor, reason)
        return self.score * self.tentative

    @property
    def why(self) -> str:
        """The reasons for the score, in words."""
        return "; ".join(reason() if callable(reason) else reason for reason in self.reasons)

    def note(self, reason) -> None:
        """Add a reason that does not change the score."""
        self.reasons.append(reason)

    @property
    def point(self) -> tuple[float, float]:
        """(lat, lon) of the place."""
        return self.place[3], self.place[4]

    @property
    def feature(self) -> str:
        """The place's kind: city, village, division, air_base..."""
        return self.place[7]

    @property
    def importance(self) -> float:
        """0..1: population or kind."""
        return self.place[9]

    def as_dict(self, calibrated: bool = True) -> dict:
        """The candidate in the gazetteer answer's shape (DESIGN.md); the score is the
        confidence, or with ``calibrated`` False the name's evidence alone."""
        (_, gid, name, lat, lon, country, admin1, feature, population, _, source, *_) = self.place
        return {
            "name": name, "lat": round(lat, 5), "lon": round(lon, 5), "country": country,
            "admin1": admin1, "feature": feature, "gazetteer_id": gid,
            "score": round(self.confidence if calibrated else self.score, 3), "why": self.why,
            "population": population or None, "source": source,
        }

    def doubt(self, factor: float, reason: str) -> None:
        """Lower the reported score (not the rank) to ``factor`` of it at most, saying why."""
        self.tentative = min(self.tentative, factor)
        self.reasons.append(reason)

    def weigh(self, factor: float, reason: str) -> None:
        """Scale the score (and rank with it) by ``factor``, saying why."""
        self.rank -= self.score * (1 - factor)
        self.score *= factor
        self.reasons.append(reason)


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lon) points (haversine)."""
    p = math.pi / 180
    h = (math.sin((b[0] - a[0]) * p / 2) ** 2
         + math.cos(a[0] * p) * math.cos(b[0] * p) * math.sin((b[1] - a[1]) * p / 2) ** 2)
    return 12742 * math.asin(min(1.0, math.sqrt(h)))


def name_similarity(form, row: tuple) -> float:
    """Similarity in 0..1 of a query form to one stored name.

    ``row`` is (place, rank, name, norm, kind, key, loose form, vowel pattern), as the
    index's names table holds it.
    """
    norm = row[3]
    if norm == form.norm or form.code:
        return 1.0
    loose_name = row[6]
    same_loose = loose_name == form.loose
    if same_loose or row[7] == form.vowels:
        top = SHORT_VARIANT if len(form.loose) <= SHORT_LOOSE else (
            LOOSE_SAME if same_loose else VOWELS_APART)
        return top - LOOSE_SPREAD * (1 - fuzz.ratio(form.norm, norm) / 100)
    ratio = fuzz.ratio(form.loose, loose_name) / 100
    if row[5] == form.key and ratio >= SKELETON_MIN_RATIO:
        return VARIANT_TOP * ratio**VARIANT_POWER
    # A near spelling with other consonants falls off faster: "Joe Biden" is not "Zhabdun".
    return CLOSE_TOP * ratio**CLOSE_POWER


def how_matched(form, row: tuple, similarity: float) -> str:
    """Why a name matched, in words."""
    name = row[2]
    if form.key.startswith("code:"):
        return f"code {name}"
    if similarity == 1.0:
        return f"name '{name}'"
    if row[5] == form.key:
        return f"transliteration variant of '{name}'"
    return f"spelling close to '{name}'"


def score_candidate(place: tuple, row: tuple, form, similarity: float, country, near) -> Scored:
    """Weigh a place's name similarity by kind, country hint and distance to the context."""
    factor, reasons = 1.0, [lambda: how_matched(form, row, similarity)]
    kind_factor, kind_reason = _kind_factor(form.kind, place[7], row[4])
    if kind_reason:
        factor *= kind_factor
        reasons.append(kind_reason)
    letters_differ = row[6] != form.loose
    reading = Reading(place, row, similarity, letters_differ, len(form.loose))
    if letters_differ or similarity < SPELT_OTHERWISE:  # what every evidence doubt needs
        doubt, doubts = weigh_evidence(reading)
        factor *= doubt
        reasons += doubts
    near_km = None if near is None else km_between(near, (place[3], place[4]))
    if country and place[5] != country:
        across = similarity >= ACROSS_MIN and borders.km_outside(country, place[3], place[4], ACROSS_KM)
        if across is not False and across is not None and across <= ACROSS_KM:
            factor *= ACROSS_BORDER
            reasons.append(lambda: f"in {place[5]}, {across:.0f} km from {country}")
        else:
            factor *= OTHER_COUNTRY
            reasons.append(lambda: f"in {place[5]}, not {country}")
    if near_km is not None:
        factor *= context_factor(near_km)
        reasons.append(lambda: f"{near_km:.0f} km from the context")
    score = similarity * factor
    # The report's other places close by confirm it: no tentative doubts to weigh.
    confirmed = near_km is not None and near_km <= NEAR_KM
    return Scored(place, score, score + IMPORTANCE_WEIGHT * place[9], reasons,
                  unweighed=None if confirmed else reading)


def _kind_factor(kind: str | None, feature: str, stripped: str | None) -> tuple[float, object]:
    if kind and feature not in KIND_FEATURES.get(kind, ()):
        return KIND_MISMATCH, lambda: f"a {feature}, not the {kind} the query names"
    if kind:
        return DROPPED_WORDS, lambda: f"a {feature} as the query's '{kind}' implies"
    if stripped and stripped != "city":
        return UNSAID_KIND, lambda: f"a {feature}; the query did not say so"
    return 1.0, None


def context_factor(km: float) -> float:
    """1 near the context point, falling linearly to FAR_FACTOR at FAR_KM and beyond."""
    if km <= NEAR_KM:
        return 1.0
    return max(FAR_FACTOR, 1 - (1 - FAR_FACTOR) * (km - NEAR_KM) / (FAR_KM - NEAR_KM))


def settle(ranked: list[Scored], kind: str | None) -> list[Scored]:
    """Best first, after the ambiguity rule (see the module) and the province's own town."""
    if not ranked:
        return ranked
    _mark_ambiguous(ranked)
    ranked = sorted(ranked, key=lambda s: (-s.rank, s.place[1]))
    return ranked if kind else _town_before_its_province(ranked)


def _town_before_its_province(ranked: list[Scored]) -> list[Scored]:
    """A bare name of a province and of a town in it ("Jenin", "Tunceli") means the town.

    The town is the named place itself; a report meaning the province is placed at its
    capital anyway (ACLED's geo_precision 3). "X province" still means the province.
    """
    top = ranked[0]
    if top.feature != "division":
        return ranked
    town = next((s for s in ranked[1:MAX_RIVALS] if s.feature in POPULATED and s.place[5] == top.place[5]
                 and s.score >= top.score - TOWN_MARGIN
                 and (s.place[6] == top.place[6] or km_between(s.point, top.point) <= TOWN_KM)), None)
    if town is None:
        return ranked
    town.note(f"the town that names the province of {top.place[2]}")
    return [town, *(s for s in ranked if s is not town)]


def _mark_ambiguous(ranked: list[Scored]) -> None:
    """Lower every reading when a place like the top one, in its country but far, is as likely;
    make the top tentative when it is the largest of many namesakes but not by far.

    Namesakes in other countries are left to the country hint and importance.
    """
    top = ranked[0]
    if top.feature in ("division", "country"):
        return
    namesakes = [other for other in ranked[1:MAX_RIVALS]
                 if other.score >= top.score - AMBIGUOUS_MARGIN
                 and other.feature not in ("division", "country")
                 and other.place[5] == top.place[5]
                 and km_between(top.point, other.point) > AMBIGUOUS_KM]
    rivals = [other for other in namesakes if other.importance >= top.importance - AMBIGUOUS_IMPORTANCE]
    if not rivals:
        if (len(namesakes) >= MANY_NAMESAKES
                and any(other.importance >= top.importance - MANY_IMPORTANCE for other in namesakes)):
            reason = (f"tentative: one of {len(namesakes) + 1} places of this name in"
                      f" {top.place[5]}; the largest, not by far")
            for scored in (top, *namesakes):
                scored.doubt(TENTATIVE, reason)
        return
    far = max(km_between(top.point, other.point) for other in rivals)
    reason = (f"ambiguous: {len(rivals) + 1} places of this name as likely, up to {far:.0f} km"
              " apart")
    for scored in ranked:
        scored.weigh(AMBIGUOUS, reason)
