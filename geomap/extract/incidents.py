"""From a report to incidents: event sentences, their places, dates, casualties and actors.

An event sentence matches an event rule, names a place smaller than a country, is not
a caption and does not speak of attacks in general. The sentences after it in the
same paragraph, and a casualty sentence in the next paragraph, complete it (its date,
time, casualties). The same event told twice becomes one incident.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pycountry
import pysbd

from geomap.extract import dates, rules
from geomap.extract.places import DocumentPlaces, Mention
from geomap.extract.report import Report

MAX_QUOTE_SENTENCES = 6


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
        fatalities, injuries = rules.casualties(sentence)
        self.fatalities = self.fatalities if fatalities is None else fatalities
        self.injuries = self.injuries if injuries is None else injuries


class ReportReader:
    """Reads one report into incident drafts."""

    def __init__(self, report: Report, gazetteer):
        self.report = report
        self.base = report.published or dt.date.today()
        segmenter = pysbd.Segmenter(language="en", clean=False)
        # Captions are left out before numbering, so a casualty line after a photo still follows its event.
        texts = [p.text for p in report.paragraphs if not p.caption]
        self.paragraphs = [(i, [s.strip() for s in segmenter.segment(text) if s.strip()])
                           for i, text in enumerate(texts)]
        self.places = DocumentPlaces(gazetteer, [s for _, ss in self.paragraphs for s in ss])

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
        mentions = self.places.resolve_sentence(sentence)
        place = next((m for m in mentions if m.is_specific), None)
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
        return casualty_only and paragraph == draft.paragraph + 1 and len(draft.sentences) < MAX_QUOTE_SENTENCES


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
    """One incident per event type, place and date: a report that tells it twice gives one."""
    kept: dict[tuple, Draft] = {}
    for draft in drafts:
        key = (draft.event.sub_event_type, draft.place.place["gazetteer_id"], event_date(draft, base)[0])
        if key in kept:
            kept[key].sentences += [s for s in draft.sentences if s not in kept[key].sentences]
        else:
            kept[key] = draft
    return list(kept.values())


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
