"""Surface patterns the parse does not settle: casualty phrasings and "near"-style precision.

Casualties are counted on the parse first (``casualties``); these patterns catch the
phrasings the small English model parses poorly ("shot dead a man", "the killing of
General X", "are being evaluated for minor injuries").

>>> casualties("four US soldiers are being evaluated for minor injuries")
(None, 4)
>>> casualties("No injuries or damages were reported")
(0, 0)
"""

from __future__ import annotations

import re

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

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_NUMBERS = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s*,?\s*\d{{4}})?\b"
                           rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s*,?\s*\d{{4}})?\b|\b(?:19|20)\d\d\b", re.I)

NEAR = re.compile(r"\b(?:near|nearby|outside|outskirts of|around|vicinity of|close to|approaching|countryside of|border areas? of|"
                  r"(?:north|south|east|west|northeast|northwest|southeast|southwest) of|heading (?:for|towards)|(?:\d+|several) ?(?:km|kilometres"
                  r"|kilometers|miles) (?:from|of|north|south|east|west))\s+(?:the\s+)?(?:so-called\s+)?$", re.I)


def casualties(text: str) -> tuple[int | None, int | None]:
    """(fatalities, injuries) as stated; None when the text does not say."""
    if _NO_CASUALTIES.search(text):
        return 0, 0
    text = _DATE_NUMBERS.sub("a date", text)  # "On 3 May 2020, fighters shot dead ..." states no 3
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


def says_near(text_before_place: str) -> bool:
    """True when the words before a place put the event near it, not at it."""
    return bool(NEAR.search(text_before_place[-60:]))
