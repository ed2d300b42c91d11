"""From a report to incidents: event sentences, their places, dates, casualties and actors.

An event sentence matches an event rule, names a place smaller than a country, is not
a caption and does not speak of attacks in general. The sentences after it in the
same paragraph, and a casualty sentence in the next paragraph, complete it (its date,
time, casualties). The same event told twice becomes one incident.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pycountry
import pysbd
from geopy.distance import geodesic

from geomap.extract import dates, rules
from geomap.extract.places import DocumentPlaces, Mention
from geomap.extract.report import Report

MAX_QUOTE_SENTENCES = 6
SAME_PLACE_KM = 30


@dataclass
class Draft:
    """An incident being read from one or more sentences."""

    event: rules.EventClass
    sentences: list[str]
    paragraph: int
    place: Mention
    region: Mention | None
    actors: tuple[str | None, str | None]
    dates: list[dates.DateMention] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    fatalities: int | None = None
    injuries: int | None = None

    def absorb(self, sentence: str, found_dates: list, times: list) -> None:
        """Take a following sentence's date, time and casualties."""
        if len(self.sentences) < MAX_QUOTE_SENTENCES:
            self.sentences.append(sentence)
        self.dates += found_dates
        self.times += times
        if rules.is_background(sentence):
            return
        # The first figure stated is the toll; later ones are usually a breakdown of it.
        fatalities, injuries = rules.casualties(sentence)
        self.fatalities = fatalities if self.fatalities is None else self.fatalities
        self.injuries = injuries if self.injuries is None else self.injuries


class ReportReader:
    """Reads one report into incident drafts."""

    def __init__(self, report: Report, gazetteer):
        self.report = report
        self.base = filing_date(report)
        segmenter = pysbd.Segmenter(language="en", clean=False)
        # Captions are left out before numbering, so a casualty line after a photo still follows its event.
        texts = [p.text for p in report.paragraphs if not p.caption]
        self.paragraphs = [(i, [s.strip() for s in segmenter.segment(text) if s.strip()])
                           for i, text in enumerate(texts)]
        context = [report.title or "", report.dateline or ""] + [s for _, ss in self.paragraphs for s in ss]
        self.places = DocumentPlaces(gazetteer, context)

    def drafts(self) -> list[Draft]:
        """Incident drafts in report order, with duplicates merged."""
        found: list[Draft] = []
        current = None
        for index, sentences in self.paragraphs:
            for sentence in sentences:
                draft = self._event(sentence, index, found[-1] if found else None)
                if draft is not None:
                    found.append(draft)
                    current = draft
                elif current is not None and self._continues(current, sentence, index):
                    previous = current.dates[0].date if current.dates else None
                    current.absorb(sentence, dates.find_dates(sentence, self.base, previous),
                                   dates.find_times(sentence))
        return merge_duplicates(found, self.base)

    def _event(self, sentence: str, paragraph: int, previous: Draft | None) -> Draft | None:
        actors = rules.find_actors(sentence)
        event = rules.classify(sentence, actors)
        if event is None or rules.is_background(sentence):
            return None
        if _speaks_of_past_years(sentence, self.base):
            return None
        mentions = self.places.resolve_sentence(sentence)
        place = _main_place(sentence, mentions)
        region = next((m for m in mentions if m.feature == "division"), None)
        if place is None and region is None:
            return None
        before = previous_date(previous, self.base)
        draft = Draft(event, [sentence], paragraph, place or region, region, actors)
        draft.dates = dates.find_dates(sentence, self.base, before)
        draft.times = dates.find_times(sentence)
        draft.fatalities, draft.injuries = rules.casualties(sentence)
        return draft

    @staticmethod
    def _continues(draft: Draft, sentence: str, paragraph: int) -> bool:
        if paragraph == draft.paragraph:
            return True
        casualty_only = rules.casualties(sentence) != (None, None)
        room = len(draft.sentences) < MAX_QUOTE_SENTENCES
        return casualty_only and paragraph == draft.paragraph + 1 and room


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_TOWN_OF = re.compile(r"\b(?:town|village|city|area|district|neighbou?rhood|camp) of\s+(?:the\s+)?$",
                      re.I)


def _speaks_of_past_years(sentence: str, base: dt.date) -> bool:
    """A sentence naming an earlier year but no day in it is history ("regained control in 2018")."""
    years = [int(y) for y in _YEAR.findall(sentence)]
    if not years or min(years) >= base.year:
        return False
    return not any(d.precision == 1 and not d.reporting for d in dates.find_dates(sentence, base))


def _main_place(sentence: str, mentions: list[Mention]) -> Mention | None:
    """Where the event happened: a place introduced as "the town of X", else the first specific one."""
    specific = [m for m in mentions if m.is_specific]
    introduced = [m for m in specific if _TOWN_OF.search(sentence[:m.start])]
    return (introduced or specific or [None])[0]


def filing_date(report: Report) -> dt.date:
    """The day the report was written: its dateline's date, else its publication date."""
    published = report.published or dt.date.today()
    found = dates.find_dates(report.dateline or "", published)
    return found[0].date if found else published


def previous_date(draft: Draft | None, base: dt.date) -> dt.date | None:
    """The date of the incident told just before, for "24 hours earlier"."""
    return None if draft is None else dt.date.fromisoformat(event_date(draft, base)[0])


def event_date(draft: Draft, base: dt.date) -> tuple[str, int]:
    """(YYYY-MM-DD, time precision): the first date that is not a reporting date."""
    explicit = [d for d in draft.dates if not d.reporting and not d.relative_to_previous]
    relative = [d for d in draft.dates if not d.reporting and d.relative_to_previous]
    reporting = [d for d in draft.dates if d.reporting]
    for chosen in (explicit, relative):
        if chosen:
            return chosen[0].date.isoformat(), chosen[0].precision
    if reporting:
        return reporting[0].date.isoformat(), 2
    return base.isoformat(), 2


def merge_duplicates(drafts: list[Draft], base: dt.date) -> list[Draft]:
    """One incident per event type, date and place (within 30 km): a report that tells it twice gives one."""
    kept: list[Draft] = []
    for draft in drafts:
        same = next((k for k in kept if _same_event(k, draft, base)), None)
        if same is None:
            kept.append(draft)
        else:
            same.sentences += [s for s in draft.sentences if s not in same.sentences]
            same.fatalities = draft.fatalities if same.fatalities is None else same.fatalities
            same.injuries = draft.injuries if same.injuries is None else same.injuries
    return kept


def _same_event(one: Draft, other: Draft, base: dt.date) -> bool:
    """Same date and type, and either the same sub-type nearby or a retelling by a vaguer source."""
    same_day = event_date(one, base)[0] == event_date(other, base)[0]
    if one.event.event_type != other.event.event_type or not same_day:
        return False
    a, b = one.place.place, other.place.place
    km = geodesic((a["lat"], a["lon"]), (b["lat"], b["lon"])).km
    if one.event.sub_event_type == other.event.sub_event_type:
        return km <= SAME_PLACE_KM
    return km <= SAME_PLACE_KM / 2 and None in (one.actors[0], other.actors[0])


def geo_precision(draft: Draft) -> int:
    """ACLED geo precision: 1 at the named place, 2 near it, 3 only a region named."""
    if not draft.place.is_specific:
        return 3
    sentence = draft.sentences[0]
    return 2 if rules.says_near(sentence[:draft.place.start]) else 1


def country_name(code: str) -> str:
    """The country's common English name."""
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)
