"""Dates and times as reports write them, normalised against the publication date.

Each row of :data:`DATE_PATTERNS` finds one kind of expression; dateparser reads the
explicit ones ("April 7", "January 3, 2020"), the relative ones are counted here.
A date that tells when something was *said* ("it emerged on Thursday", "a statement
on Friday") is marked as a reporting date and is not an event's date.

>>> base = dt.date(2022, 4, 8)  # a Friday
>>> [(m.date.isoformat(), m.precision) for m in find_dates("late Tuesday and on April 7", base)]
[('2022-04-05', 1), ('2022-04-07', 1)]
>>> find_times("at 1:09 AM and 4 p.m.")
['01:09', '16:00']
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import dateparser

from geomap.errors import ValidationError

MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
         r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "24": 24, "48": 48, "a": 1, "an": 1}
_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|an?)"

# (name, pattern); the first pattern that claims a span wins, so longer forms come first.
DATE_PATTERNS = [
    ("iso", r"\b(\d{4}-\d{2}-\d{2})\b"),
    ("day_month_year", rf"\b(\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}\s*,?\s*\d{{4}})\b"),
    ("month_day_year", rf"\b({MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\s*,?\s*\d{{4}})\b"),
    ("day_month", rf"\b(\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH})(?!\w)"),
    ("month_day", rf"\b({MONTH}\s+\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)"),
    ("month_year", rf"\b({MONTH}\s+\d{{4}})\b"),
    ("weekday", r"\b((?:late|early)\s+)?(?:on\s+)?(" + "|".join(WEEKDAYS) + r")\b"),
    ("yesterday", r"\b(yesterday|last night|the previous day|the day before)\b"),
    ("today", r"\b(today|this morning|tonight|earlier today|this evening)\b"),
    ("hours_earlier", rf"\b{_NUMBER}\s+(hours?|days?)\s+(earlier|before|ago|later)\b"),
    ("this_week", r"\b(last week|earlier this week|this week|past week)\b"),
    ("this_month", r"\b(last month|earlier this month|this month|past month)\b"),
]
_COMPILED = [(name, re.compile(pattern, re.I)) for name, pattern in DATE_PATTERNS]
EXPLICIT = frozenset(("iso", "day_month_year", "month_day_year", "day_month", "month_day", "month_year"))
WITH_YEAR = ("iso", "day_month_year", "month_day_year")
# Words before a date that put it ahead of the report ("due to hold elections on October 10").
_AHEAD = re.compile(r"\b(?:due|will|would|shall|scheduled|expected|planned|set|next|until|by)\b[^.]{0,40}$",
                    re.I)

# Words before a date that make it the date something was said, not done.
_REPORTING = re.compile(
    r"(emerged|said|says|announced|reported|published|statement|stated|confirmed|told|speaking|"
    r"added|released|issued|posted|according to [^.]{0,60}?)\s+(?:on\s+|late\s+|early\s+)?$", re.I)
_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?)(?!\w)|\b(\d{1,2}):(\d{2})\b", re.I)


@dataclass(frozen=True)
class DateMention:
    """A date found in a sentence: its value, precision (ACLED 1..3) and whether it is a reporting date."""

    date: dt.date
    precision: int
    start: int
    reporting: bool = False
    relative_to_previous: bool = False
    explicit: bool = False


def find_dates(sentence: str, base: dt.date, previous: dt.date | None = None) -> list[DateMention]:
    """Dates in a sentence, in order; ``base`` is the publication date."""
    found, claimed = [], []
    for name, pattern in _COMPILED:
        for match in pattern.finditer(sentence):
            if any(s < match.end() and match.start() < e for s, e in claimed):
                continue
            mention = _read(name, match, base, previous)
            if mention is not None:
                claimed.append(match.span())
                reporting = bool(_REPORTING.search(sentence[:match.start()]))
                found.append(DateMention(mention[0], mention[1], match.start(), reporting, mention[2],
                                         name in EXPLICIT))
    return sorted(found, key=lambda m: m.start)


def _read(name: str, match: re.Match, base: dt.date, previous: dt.date | None):
    if name in EXPLICIT:
        parsed = parse_explicit(match.group(1), base)
        return (parsed, 3 if name == "month_year" else 1, False) if parsed else None
    if name == "weekday":
        return last_weekday(base, WEEKDAYS.index(match.group(2).lower())), 1, False
    if name == "yesterday":
        return base - dt.timedelta(days=1), 1, False
    if name == "today":
        return base, 1, False
    if name == "hours_earlier":
        return _shifted(match, base, previous)
    return base, 2 if name == "this_week" else 3, False


def _shifted(match: re.Match, base: dt.date, previous: dt.date | None):
    amount = NUMBER_WORDS.get(match.group(1).lower()) or int(match.group(1))
    days = amount / 24 if match.group(2).lower().startswith("hour") else amount
    direction = match.group(3).lower()
    anchor = base if direction == "ago" or previous is None else previous
    sign = 1 if direction == "later" else -1
    return anchor + dt.timedelta(days=sign * round(days)), 1, direction != "ago"


def parse_explicit(text: str, base: dt.date) -> dt.date | None:
    """An explicit date; a missing year is the latest that is not after ``base``."""
    plain = _read_plainly(text.replace(",", " ").strip(), base + dt.timedelta(days=1))
    if plain is not None:
        return plain
    settings = {"RELATIVE_BASE": dt.datetime.combine(base + dt.timedelta(days=1), dt.time()),
                "PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first"}
    parsed = dateparser.parse(text.replace(",", " "), languages=["en"], settings=settings)
    return parsed.date() if parsed else None


_MONTHS = {name: number for number, name in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_PLAIN_YEAR = r"((?:19|20)\d\d)"
_PLAIN_FORMS = (
    ("iso", re.compile(rf"{_PLAIN_YEAR}-(\d{2})-(\d{2})")),
    ("day_month", re.compile(rf"{_ORDINAL}\s+({MONTH})(?:\s+{_PLAIN_YEAR})?", re.I)),
    ("month_day", re.compile(rf"({MONTH})\s+{_ORDINAL}(?:\s+{_PLAIN_YEAR})?", re.I)),
    ("month_year", re.compile(rf"({MONTH})\s+{_PLAIN_YEAR}", re.I)),
)


def _read_plainly(text: str, limit: dt.date) -> dt.date | None:
    """The common forms read as dateparser reads them, without its cost; None when unsure
    (a day that does not exist, 29 February without a year, any other form): then it decides.

    A missing year is the latest whose date is not after ``limit``; "May 2020" is its first day.
    """
    for name, pattern in _PLAIN_FORMS:
        match = pattern.fullmatch(text)
        if match is not None:
            return _plain_date(name, match.groups(), limit)
    return None


def _plain_date(name: str, groups: tuple, limit: dt.date) -> dt.date | None:
    if name == "iso":
        year, month, day = (int(g) for g in groups)
    else:
        if name == "month_year":
            groups = (1, groups[0], groups[1])
        elif name == "month_day":
            groups = (groups[1], groups[0], groups[2])
        day, month, year = int(groups[0]), _MONTHS.get(groups[1][:3].lower()), groups[2] and int(groups[2])
        if month is None or (year is None and (month, day) == (2, 29)):
            return None
    try:
        if year:
            return dt.date(year, month, day)
        found = dt.date(limit.year, month, day)
        return found if found <= limit else dt.date(limit.year - 1, month, day)
    except ValueError:
        return None


def last_weekday(base: dt.date, weekday: int) -> dt.date:
    """The latest date on or before ``base`` that falls on ``weekday`` (Monday is 0)."""
    return base - dt.timedelta(days=(base.weekday() - weekday) % 7)


def find_times(sentence: str) -> list[str]:
    """Clock times as HH:MM, in order."""
    times = []
    for match in _TIME.finditer(sentence):
        if match.group(4):
            hour, minute, meridiem = int(match.group(4)), int(match.group(5)), ""
        else:
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            meridiem = match.group(3).lower().replace(".", "").replace(" ", "")
            if not 1 <= hour <= 12:
                continue
        hour = hour % 12 + (12 if meridiem == "pm" else 0) if meridiem else hour
        if hour < 24 and minute < 60:
            times.append(f"{hour:02d}:{minute:02d}")
    return times


def publication_date(report, warnings: list[str]) -> tuple[dt.date, bool]:
    """(the day the report was written, whether it was inferred); warns or refuses when undated.

    The dateline's date wins over the front matter's. A report with neither has its date
    inferred from the latest day it names, with a warning; one that names no dated day is
    refused, naming ``--published``. It is never the day it is read.
    """
    if report.published is not None:
        found = find_dates(report.dateline or "", report.published)
        return (found[0].date if found else report.published), False
    inferred = latest_stated_date(report.text)
    if inferred is None:
        raise ValidationError("published", "the report has no publication date and names no dated day; "
                                           "give --published YYYY-MM-DD or a 'published:' front matter line")
    warnings.append(f"no publication date: dates are read against {inferred.isoformat()}, the latest day "
                    "the report names (give --published to set it); relative dates are precise to the week")
    return inferred, True


def latest_stated_date(text: str) -> dt.date | None:
    """The latest day a text names, a day without a year taken in the latest year it names."""
    with_year = [m for name, pattern in _COMPILED if name in WITH_YEAR for m in pattern.finditer(text)]
    far = dt.date.max - dt.timedelta(days=2)
    days = [d for d in (parse_explicit(m.group(1), far) for m in with_year) if d]
    if not days:
        return None
    year_end = dt.date(max(days).year, 12, 31)
    for name, pattern in _COMPILED:
        if name in ("day_month", "month_day"):
            stated = (m for m in pattern.finditer(text)
                      if not _AHEAD.search(text[max(0, m.start() - 60):m.start()]))
            days += [d for d in (parse_explicit(m.group(1), year_end) for m in stated) if d]
    return max(days)
