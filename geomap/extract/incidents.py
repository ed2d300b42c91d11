"""From a report to incidents: event sentences, their places, dates, casualties and actors.

The report's paragraphs are parsed in bounded chunks (``nlp``). A sentence is an event
when a factual trigger (``triggers``, ``factuality``) stands in it and it names a place
(``places``). The sentences after it in the same paragraph, and a casualty sentence in
the next paragraph, complete it (its date, time, casualties, the claim of the attack).
The same event told twice becomes one incident.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

import pycountry
from geopy.distance import geodesic

from geomap.extract import actors, dates, rules
from geomap.extract.casualties import find_casualties, find_coded_toll, find_split
from geomap.extract.factuality import attribution, why_not_fact
from geomap.extract.nlp import choose_chunks, iter_chunks
from geomap.extract.places import DocumentPlaces, Mention
from geomap.extract.report import Report
from geomap.extract.triggers import BY_NAME, TRIGGER_WORDS, Trigger, find_triggers, outermost_first

MAX_QUOTE_SENTENCES = 6
PLACE_LABELS = frozenset(("GPE", "LOC", "FAC"))
MAX_SENTENCE_QUOTE = 2_000
SAME_PLACE_KM = 30
TOLD_WITHIN_DAYS = 7
AIR_STRIKE = "Air/drone strike"
INTERVENTIONS = frozenset("intervene disperse detain arrest".split())
DEMONSTRATIONS = frozenset(("Protests", "Riots"))
GRAVITY = ("Peaceful protest", "Protest with intervention", "Violent demonstration", "Mob violence",
           "Excessive force against protesters")
_TRIGGER_STEMS = frozenset(word[:5] for word in TRIGGER_WORDS)
# Past forms that do not begin like their lemma.
_IRREGULAR = frozenset("struck shot fought overran seized burnt blew hit took stole".split())
_CASUALTY_WORDS = ("kill", "dead", "die", "wound", "injur", "hurt", "casualt", "fatalit", "death")


@dataclass
class Draft:
    """An incident being read from one or more sentences."""

    event: Trigger
    sentences: list[str]
    paragraph: int
    place: Mention
    region: Mention | None
    actors: tuple[str | None, str | None]
    dates: list[dates.DateMention] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    fatalities: int | None = None
    injuries: int | None = None
    base: dt.date | None = None
    vague: bool = False
    places: list[Mention] = field(default_factory=list)
    # The day the report last said things happened, before this event: "On Tuesday, jets struck
    # ... . A second strike hit ..." happened on Tuesday too, not on the day of publication.
    told: dates.DateMention | None = None

    def absorb(self, span, found_dates: list, times: list) -> None:
        """Take a following sentence's date, time, casualties and claimant."""
        if len(self.sentences) < MAX_QUOTE_SENTENCES:
            self.sentences.append(quote_of(span))
        self.take_claimant(span.text)
        self.dates += found_dates
        self.times += times
        if not states_fact(span, self.base):
            return
        if self.event.sub_event_type == "Peaceful protest" and _intervened(span):
            self.event = BY_NAME["protest_intervention"]
        # The first figure stated is the toll; later ones are usually a breakdown of it.
        fatalities, injuries = find_casualties(span)
        self.fatalities = fatalities if self.fatalities is None else self.fatalities
        self.injuries = injuries if self.injuries is None else self.injuries

    def take_claimant(self, sentence: str) -> None:
        """A claim of responsibility names the perpetrator when the report did not."""
        claimant = actors.find_claimant(sentence)
        if claimant and actors.is_unidentified(self.actors[0]) and claimant != self.actors[1]:
            self.actors = (claimant, self.actors[1])


class ReportReader:
    """Reads one report into incident drafts: dated and cut into chunks, then (once its
    chunks ``to_parse`` are parsed, alone or in a batch with other reports') read."""

    def __init__(self, report: Report, gazetteer):
        self.report, self.gazetteer = report, gazetteer
        self.warnings: list[str] = []
        self.base, self.vague = dates.publication_date(report, self.warnings)
        # Captions are left out before numbering, so a casualty line after a photo still follows its event.
        texts = [p.text for p in report.paragraphs if not p.caption]
        self.chunks = [c for index, text in enumerate(texts) for c in iter_chunks(index, text)]
        self.to_parse, warnings = choose_chunks(self.chunks, worth_parsing)
        self.warnings += warnings
        self.sentences: list = []
        self.places: DocumentPlaces | None = None

    def parsed(self) -> ReportReader:
        """The reader once its chunks are parsed: their sentences and the report's geography."""
        self.sentences = [(c.paragraph, s) for c in self.chunks for s in c.sentences]
        context = [self.report.title or "", self.report.dateline or ""] + [c.text for c in self.chunks]
        self.places = DocumentPlaces(self.gazetteer, context)
        return self

    def drafts(self) -> list[Draft]:
        """Incident drafts in report order, with duplicates merged."""
        found: list[Draft] = []
        current = told = None
        for index, span in self.sentences:
            draft = self._event(span, index, found[-1] if found else None)
            if draft is not None:
                draft.told = told
                found.append(draft)
                current, stated = draft, draft.dates
            else:
                previous = current.dates[0].date if current is not None and current.dates else None
                stated = dates.find_dates(span.text, self.base, previous)
                if current is not None and self._continues(current, span, index):
                    current.absorb(span, stated, dates.find_times(span.text))
            day = latest_told(stated, self.base)
            if day is not None and (draft is not None or _tells_event_on(span, day)):
                told = day
        return split_events(merge_duplicates(found, self.base), self.report.text)

    def _event(self, span, paragraph: int, previous: Draft | None) -> Draft | None:
        sentence = span.text
        found_actors = _sentence_actors(span)
        # After an air strike, "a second strike", "the strike" are the air's too.
        context = {"actor1": found_actors[0],
                   "air_strike_told": previous is not None and previous.event.sub_event_type == AIR_STRIKE}
        triggers = outermost_first(find_triggers(span, context, keep=lambda t: why_not_fact(t) is None))
        if not triggers or _speaks_of_past_years(sentence, self.base):
            return None
        if previous is not None and refers_back(triggers[0][1]):
            return None
        entities = [(e.start_char - span.start_char, e.end_char - span.start_char) for e in span.ents
                    if e.label_ in PLACE_LABELS]
        mentions = self.places.resolve_sentence(sentence, entities)
        mentions = _outside(attribution(triggers[0][1]), span, mentions)
        place = _main_place(sentence, mentions)
        region = next((m for m in mentions if m.feature == "division"), None)
        if place is None and region is None:
            place = self.places.fallback_for_unknown(sentence, mentions)
            if place is None:
                return None
        before = previous_date(previous, self.base)
        draft = Draft(triggers[0][0], [quote_of(span)], paragraph, place or region, region, found_actors)
        draft.places = _innermost(mentions)
        draft.base, draft.vague = self.base, self.vague
        draft.dates = dates.find_dates(sentence, self.base, before)
        draft.times = dates.find_times(sentence)
        draft.fatalities, draft.injuries = find_casualties(span)
        draft.take_claimant(sentence)
        return draft

    @staticmethod
    def _continues(draft: Draft, span, paragraph: int) -> bool:
        if paragraph == draft.paragraph:
            return True
        casualty_only = find_casualties(span) != (None, None)
        room = len(draft.sentences) < MAX_QUOTE_SENTENCES
        return casualty_only and paragraph == draft.paragraph + 1 and room


def _tells_event_on(span, day: dates.DateMention) -> bool:
    """Whether the sentence tells of an event as fact on ``day``: the day's words hang (in the
    parse) from a trigger, or from a verb one of whose own words is one ("fighting erupted on
    Wednesday", "shells struck a village on Thursday, killing seven"). "Afghanistan held
    elections on Saturday" is background, and does not date the attack told next."""
    triggers = {token.i for _, token in find_triggers(span, {"actor1": _sentence_actors(span)[0]},
                                                      keep=lambda t: why_not_fact(t) is None)}
    first = next((t for t in span if t.idx - span.start_char >= day.start), None)
    for word in (first, *first.ancestors) if first is not None else ():
        if word.i in triggers:
            return True
        if word.pos_ in ("VERB", "AUX"):
            return any(child.i in triggers for child in word.children)
    return False


def _intervened(span) -> bool:
    """ "Police intervened and detained 12 people": told after a protest, the protest met intervention."""
    return any(t.pos_ == "VERB" and t.lemma_.lower() in INTERVENTIONS and why_not_fact(t) is None
               for t in span)


def _outside(positions: set[int], span, mentions: list[Mention]) -> list[Mention]:
    """The mentions none of whose words are at ``positions`` (the attribution of a report)."""
    if not positions:
        return mentions
    kept = []
    for mention in mentions:
        words = span.char_span(mention.start, mention.end, alignment_mode="expand")
        if words is None or not any(t.i in positions for t in words):
            kept.append(mention)
    return kept


def _innermost(mentions: list[Mention]) -> list[Mention]:
    """The places a sentence names, one per place, leaving out those that only contain another."""
    containers = {id(m.container) for m in mentions if m.container is not None}
    specific = any(m.is_specific for m in mentions)
    kept, seen = [], set()
    for mention in mentions:
        key = mention.place["gazetteer_id"]
        broad = mention.feature == "country" or (specific and not mention.is_specific)
        if id(mention) not in containers and not broad and key not in seen:
            kept.append(mention)
            seen.add(key)
    return kept


def split_events(drafts: list[Draft], text: str) -> list[Draft]:
    """ACLED's "N fatalities split between M events": one event told over M places is M events,
    and the N fatalities are shared between them (the remainder to the first)."""
    split = find_split(text)
    if split is None:
        coded = find_coded_toll(text)
        if coded is not None and len(drafts) == 1:
            drafts[0].fatalities = coded
        return drafts
    fatalities, events = split
    if len(drafts) == 1 and events > 1 and len(drafts[0].places) >= 2:
        drafts = [replace(drafts[0], place=place) for place in drafts[0].places[:events]]
    if fatalities is None:
        fatalities = drafts[0].fatalities
    if fatalities is not None and len(drafts) <= events:
        share, rest = divmod(fatalities, events)
        for i, draft in enumerate(drafts):
            draft.fatalities = share + (1 if i < rest else 0)
    return drafts


def _sentence_actors(span) -> tuple[str | None, str | None]:
    """(perpetrator, target): the state whose weapon acted, else as the names are placed."""
    perpetrator, target = actors.find_actors(span.text)
    state = actors.find_state_actor(span)
    if state is not None and state != target:
        perpetrator = state
    return perpetrator, target


def refers_back(token) -> bool:
    """A definite event noun without arguments of its own ("the attack") retells an event already told.

    "The US killing of General X" names its agent and victim: it tells an event of its own.
    """
    if token.pos_ != "NOUN":
        return False
    children = list(token.children)
    definite = any(c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ in ("the", "this", "that"))
                   for c in children)
    own_arguments = any(c.dep_ == "prep" and c.lower_ == "of" or c.dep_ == "compound" and c.pos_ == "PROPN"
                        for c in children)
    return definite and not own_arguments


def worth_parsing(text: str) -> bool:
    """True when a chunk has a word that may be a trigger's form, a casualty word or a number."""
    lowered = text.lower()
    if any(ch.isdigit() for ch in lowered) or any(w in lowered for w in _CASUALTY_WORDS):
        return True
    words = set(re.findall(r"[a-z]{3,}", lowered))
    return bool(words & _IRREGULAR) or any(word[:5] in _TRIGGER_STEMS for word in words)


def quote_of(span) -> str:
    """A sentence for the quote, cut at MAX_SENTENCE_QUOTE characters."""
    text = span.text.strip()
    return text if len(text) <= MAX_SENTENCE_QUOTE else text[:MAX_SENTENCE_QUOTE].rsplit(" ", 1)[0] + " …"


def states_fact(span, base: dt.date) -> bool:
    """False for a sentence about history or about what may happen: its casualties are not the event's."""
    root = span.root
    return why_not_fact(root) is None and not _speaks_of_past_years(span.text, base)


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_TOWN_OF = re.compile(r"\b(?:town|village|city|area|district|neighbou?rhood|camp) of\s+(?:the\s+)?$",
                      re.I)
# "Batifa, a sub-district of Zakho": an indefinite "a ... of" classifies the name before it.
_CLASSIFIES_BEFORE = re.compile(r",\s+an?\s+(?:[\w-]+\s+){0,2}of\s+(?:the\s+)?$", re.I)


def _speaks_of_past_years(sentence: str, base: dt.date) -> bool:
    """A sentence naming an earlier year but no day in it is history ("regained control in 2018")."""
    years = [int(y) for y in _YEAR.findall(sentence)]
    if not years or min(years) >= base.year:
        return False
    return not any(d.precision == 1 and not d.reporting for d in dates.find_dates(sentence, base))


def _main_place(sentence: str, mentions: list[Mention]) -> Mention | None:
    """Where the event happened: a place introduced as "the town of X", else the first specific one.

    A place that only locates another ("near Sirwah, west of the city of Marib") is not it.
    """
    containers = {id(m.container) for m in mentions if m.container is not None}
    specific = [m for m in mentions if m.is_specific and id(m) not in containers]
    if not specific and not any(m.fallback for m in mentions):
        # A town that only contains another is the place when nothing fell back to it or its province.
        specific = [m for m in mentions if m.is_specific]
    introduced = [m for m in specific if _TOWN_OF.search(sentence[:m.start])
                  and not _CLASSIFIES_BEFORE.search(sentence[:m.start])]
    return (introduced or specific or [None])[0]


def previous_date(draft: Draft | None, base: dt.date) -> dt.date | None:
    """The date of the incident told just before, for "24 hours earlier"."""
    return None if draft is None else dt.date.fromisoformat(event_date(draft, base)[0])


def latest_told(stated: list[dates.DateMention], base: dt.date) -> dates.DateMention | None:
    """The last day a sentence says something happened on, within the week before ``base``
    (an older one is background), or None."""
    days = [d for d in stated if not d.reporting and d.precision == 1
            and 0 <= (base - d.date).days <= TOLD_WITHIN_DAYS]
    return days[-1] if days else None


def event_date(draft: Draft, base: dt.date) -> tuple[str, int]:
    """(YYYY-MM-DD, time precision): the first date that is not a reporting date, else the
    day the report last told of (``draft.told``).

    When the publication date was inferred (``draft.vague``), a date read relative to it
    is good to the week at best, and an undated event to the month.
    """
    explicit = [d for d in draft.dates if not d.reporting and not d.relative_to_previous]
    relative = [d for d in draft.dates if not d.reporting and d.relative_to_previous]
    reporting = [d for d in draft.dates if d.reporting]
    for chosen in (explicit, relative, [draft.told] if draft.told else []):
        if chosen:
            vague = draft.vague and not chosen[0].explicit
            return chosen[0].date.isoformat(), max(chosen[0].precision, 2 if vague else 1)
    if reporting:
        return reporting[0].date.isoformat(), 2
    return base.isoformat(), 3 if draft.vague else 2


def merge_duplicates(drafts: list[Draft], base: dt.date) -> list[Draft]:
    """One incident per event type, date and place (within 30 km): a report that tells it twice gives one."""
    kept: list[Draft] = []
    for draft in drafts:
        same = next((k for k in kept if _same_event(k, draft, base)), None)
        if same is None:
            same = next((k for k in reversed(kept) if _retold(k, draft)), None)
        if same is None:
            same = next((k for k in kept if _summarised(k, draft, base)), None)
            if same is not None:
                same.place, same.region, same.places = draft.place, draft.region, draft.places
        if same is None:
            kept.append(draft)
        else:
            _keep_the_graver(same, draft)
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


def _summarised(summary: Draft, detail: Draft, base: dt.date) -> bool:
    """A lead naming only the province or country, told again at a place inside it that day.

    "Five people have been killed in an attack in Nigeria's Kaduna state ... gunmen attacked
    Kaura" is one attack, at Kaura.
    """
    if summary.place.fallback or summary.place.is_specific or not detail.place.is_specific:
        return False
    if summary.event.event_type != detail.event.event_type or \
            event_date(summary, base)[0] != event_date(detail, base)[0]:
        return False
    region, place = summary.place.place, detail.place.place
    if region["country"] != place["country"]:
        return False
    return region["feature"] == "country" or region.get("admin1") == place.get("admin1") is not None


def _retold(before: Draft, draft: Draft) -> bool:
    """A sentence of an event's type at its place, with no date of its own, retells that event.

    A demonstration is one event whether told as a protest or a riot (ACLED codes it once).
    """
    if draft.dates or _family(before) != _family(draft):
        return False
    a, b = before.place.place, draft.place.place
    return geodesic((a["lat"], a["lon"]), (b["lat"], b["lon"])).km <= SAME_PLACE_KM


def _family(draft: Draft) -> str:
    return "demonstration" if draft.event.event_type in DEMONSTRATIONS else draft.event.event_type


def _keep_the_graver(kept: Draft, other: Draft) -> None:
    """A demonstration told as a protest and a riot is coded by its gravest form."""
    if _family(kept) == "demonstration" and GRAVITY.index(other.event.sub_event_type) > \
            GRAVITY.index(kept.event.sub_event_type):
        kept.event = other.event


def geo_precision(draft: Draft) -> int:
    """ACLED geo precision: 1 at the named place, 2 near it, 3 only a region named."""
    if draft.place.fallback:
        return 2 if draft.place.is_specific else 3
    if not draft.place.is_specific:
        return 3
    sentence = draft.sentences[0]
    return 2 if rules.says_near(sentence[:draft.place.start]) else 1


def country_name(code: str) -> str:
    """The country's common English name."""
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)
