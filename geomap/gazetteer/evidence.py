"""What a name as written says about one place: the doubts that lower a reading's score.

A reported score should read as the chance that the place is the one meant. Measured on
real, independently coded events, a spelling that is not one of the place's names is right
far less often than the name itself; less still when the place is a small village (many
villages share a name, and the index holds only those of about 500 people or more), when the
spelling is of another name the place is listed under (an ancient or neighbouring name), or
when the country writes its names in Latin letters (a Turkish or Nigerian name spelt with
other letters is another name, not another romanisation).

Each doubt is a named row. An *evidence* doubt lowers the reading itself: it ranks lower and
may fall below the match threshold. A *tentative* doubt leaves the reading the match, the
best the index holds, but reports a score under the confident 0.5 and says why; a context
point within ranking.NEAR_KM (the report's other places) sets tentative doubts aside.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import fuzz

# Countries whose place names are written in another script and romanised (Arabic, Persian,
# Hebrew, Cyrillic, Greek, Armenian, Georgian, Ethiopic, Indic, Thai, Lao, Khmer, Burmese,
# Chinese, Japanese, Korean, Thaana): there one name has many spellings.
ROMANISED_COUNTRIES = frozenset("""
    AE BH DZ EG IQ JO KW LB LY MA MR OM PS QA SA SD SY TN YE EH AF IR PK IL
    RU UA BY BG MK RS KZ KG TJ MN GR CY AM GE ET ER IN NP BD LK BT MV TH LA KH MM
    CN TW HK MO JP KR KP
""".split())
OWN_NAME_RATIO = 60    # a listed name whose skeleton is this unlike the place's own is another name
SMALL_VILLAGE = 5_000  # people: villages under this share their names with unlisted ones
FEW_PEOPLE = 2_000     # ... and those under this are right about half the time, even by name
SHORT_NAME = 5         # letters: a village's name this short, spelt otherwise, is weak evidence
SPELT_OTHERWISE = 0.86  # ranking.LOOSE_SAME - LOOSE_SPREAD: under it, not one name's spelling
TENTATIVE = 0.49       # the most a tentative reading reports: under the confident 0.5


class Reading(NamedTuple):
    """One stored name of a place read as the query: what the doubts look at (a named tuple:
    one is made for every candidate scored)."""

    place: tuple          # the index's places row
    row: tuple            # the index's names row that matched
    similarity: float
    letters_differ: bool  # not even the same letters in another romanisation
    query_letters: int    # letters of the query's loose form

    @property
    def embedded_village(self) -> bool:
        """A village of the embedded sources (learned places are confirmed by incidents)."""
        return self.place[7] == "village" and not self.place[10].startswith("learned:")

    @property
    def small_village(self) -> bool:
        """An embedded village of under SMALL_VILLAGE people, or of unknown size."""
        return self.embedded_village and self.place[8] < SMALL_VILLAGE


@dataclass(frozen=True)
class Doubt:
    """A named rule: when it applies, the reading's score is multiplied by ``factor``."""

    name: str
    factor: float
    applies: Callable[[Reading], bool]
    reason: Callable[[Reading], str]
    tentative: bool = False  # lowers the reported score only, not the rank (see the module)


def is_another_name(reading: Reading) -> bool:
    """The matched name is listed for the place but unlike its own name ("Berea" for Aleppo)."""
    key = reading.row[5]
    if reading.row[2] == reading.place[2] or key.startswith(("u:", "code:")):
        return False
    own = reading.place[12]  # the skeleton of its own name ("Ḩawrah"), kept in the index
    return key != own and fuzz.ratio(key, own) < OWN_NAME_RATIO


DOUBTS = (
    Doubt("short village name spelt otherwise", 0.6,
          lambda r: r.similarity < SPELT_OTHERWISE and r.place[7] == "village"
          and r.query_letters <= SHORT_NAME,
          lambda r: "a village's short name, spelt otherwise"),
    Doubt("other letters in Latin script", 0.7,
          lambda r: r.letters_differ and r.place[5] is not None
          and r.place[5] not in ROMANISED_COUNTRIES,
          lambda r: f"other letters than '{r.row[2]}', where names are written in Latin letters"),
    Doubt("small village spelt otherwise", TENTATIVE,
          lambda r: r.similarity < 1.0 and r.small_village,
          lambda r: "tentative: a small village's name spelt otherwise; an unlisted namesake"
                    " may be meant", tentative=True),
    Doubt("small village by another name", TENTATIVE,
          lambda r: r.similarity == 1.0 and r.small_village and r.row[2] != r.place[2]
          and r.row[5] != r.place[12],
          lambda r: f"tentative: '{r.row[2]}' is another name of a small village", tentative=True),
    Doubt("village of few people", TENTATIVE,
          lambda r: r.embedded_village and 0 < r.place[8] < FEW_PEOPLE,
          lambda r: f"tentative: a village of {r.place[8]:,} people; unlisted villages share such"
                    " names", tentative=True),
    Doubt("spelling of another name", TENTATIVE,
          lambda r: r.similarity < 1.0 and is_another_name(r),
          lambda r: f"tentative: a spelling of '{r.row[2]}', another name of {r.place[2]}",
          tentative=True),
)


def weigh_evidence(reading: Reading) -> tuple[float, list]:
    """The product of the factors of the evidence doubts that apply, and their reasons."""
    factor, reasons = 1.0, []
    for doubt in EVIDENCE_DOUBTS:
        if doubt.applies(reading):
            factor *= doubt.factor
            reasons.append(functools.partial(doubt.reason, reading))
    return factor, reasons


def weigh_tentative(reading: Reading) -> tuple[float, str | None]:
    """TENTATIVE and the reason of the first tentative doubt that applies, or (1, None).

    Weighed only for the candidates an answer shows (they never change the ranking), and
    one is enough: they all cap the score alike, and the costly ones come last."""
    for doubt in TENTATIVE_DOUBTS:
        if doubt.applies(reading):
            return TENTATIVE, functools.partial(doubt.reason, reading)
    return 1.0, None




EVIDENCE_DOUBTS = tuple(doubt for doubt in DOUBTS if not doubt.tentative)
TENTATIVE_DOUBTS = tuple(doubt for doubt in DOUBTS if doubt.tentative)
