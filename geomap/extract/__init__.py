"""Extraction: a report's text in, validated incident features (GeoJSON) out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from geomap.errors import GeomapError
from geomap.extract.actors import UNIDENTIFIED
from geomap.extract.incidents import Draft, ReportReader, country_name, event_date, geo_precision
from geomap.extract.nlp import get_pipeline, parse_chosen
from geomap.extract.report import Report, parse_report, read_report
from geomap.incident import incident_id, parse_feature

# Well under the incident's limit (geomap.incident.MAX_QUOTE): a quote is for reading.
MAX_QUOTE_CHARS = 4_000
# Reports parsed together: spaCy's batches halve its time; these bound what a batch holds.
BATCH_CHARS = 200_000
BATCH_REPORTS = 256

__all__ = ["Extracted", "extract_file", "extract_report", "iter_extract_files", "iter_extracted",
           "read_incidents", "parse_report", "read_report", "Report"]


def extract_report(report: Report, gazetteer, *, status: str = "draft", layer: str = "incidents",
                   now: dt.datetime | None = None, model: str | None = None) -> list[dict]:
    """The incidents a report tells of, as validated GeoJSON Features."""
    return read_incidents(report, gazetteer, status=status, layer=layer, now=now, model=model)[0]


def read_incidents(report: Report, gazetteer, *, status: str = "draft", layer: str = "incidents",
                   now: dt.datetime | None = None, model: str | None = None) -> tuple[list[dict], list[str]]:
    """(features, warnings): the incidents a report tells of and what the reader had to assume."""
    extracted = next(iter_extracted([report], gazetteer, status=status, layer=layer, now=now, model=model))
    if extracted.error is not None:
        raise extracted.error
    return extracted.features, extracted.warnings


@dataclass
class Extracted:
    """One report's outcome in a batch: its incidents and warnings, or the error that refused it."""

    features: list[dict]
    warnings: list[str]
    error: GeomapError | None = None


def iter_extracted(reports: Iterable[Report | GeomapError], gazetteer, *, status: str = "draft",
                   layer: str = "incidents", now: dt.datetime | None = None,
                   model: str | None = None) -> Iterator[Extracted]:
    """Each report's :class:`Extracted`, in order, the reports parsed in batches.

    spaCy parses a batch of texts in about half the time it takes them one by one; the
    incidents are the same. An error that refused reading a report may stand in its place:
    it is passed through.
    """
    nlp = get_pipeline(model)
    for batch in _prepared_batches(reports, gazetteer):
        parse_chosen([c for _, reader in batch if isinstance(reader, ReportReader) for c in reader.to_parse],
                     nlp)
        for report, reader in batch:
            yield _read_prepared(report, reader, status, layer, now)


def _prepared_batches(reports, gazetteer):
    """Lists of (report, its ReportReader or the error refusing it), bounded by text and count."""
    batch, chars = [], 0
    for report in reports:
        try:
            reader = report if isinstance(report, GeomapError) else ReportReader(report, gazetteer)
        except GeomapError as exc:
            reader = exc
        batch.append((report, reader))
        chars += sum(len(c.text) for c in getattr(reader, "to_parse", ()))
        if chars >= BATCH_CHARS or len(batch) >= BATCH_REPORTS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def _read_prepared(report, reader, status: str, layer: str, now) -> Extracted:
    if isinstance(reader, GeomapError):
        return Extracted([], [], reader)
    try:
        reader.parsed()
        features = [parse_feature(to_feature(d, report, reader.base, status, layer), now=now)
                    for d in reader.drafts()]
    except GeomapError as exc:
        return Extracted([], reader.warnings, exc)
    return Extracted(features, reader.warnings)


def extract_file(path, gazetteer, *, published: dt.date | None = None, settings=None,
                 now: dt.datetime | None = None) -> tuple[list[dict], list[str]]:
    """(features, warnings) of one report file; ``published`` wins over its front matter."""
    extracted = next(iter_extract_files([path], gazetteer, published=published, settings=settings, now=now))
    if extracted.error is not None:
        raise extracted.error
    return extracted.features, extracted.warnings


def iter_extract_files(paths: Iterable, gazetteer, *, published: dt.date | None = None, settings=None,
                       now: dt.datetime | None = None) -> Iterator[Extracted]:
    """Each report file's :class:`Extracted`, in order (``published`` wins over front matter)."""
    status = settings.default_status if settings is not None else "draft"
    model = settings.spacy_model if settings is not None else None
    return iter_extracted((_read_or_error(path, published) for path in paths), gazetteer,
                          status=status, now=now, model=model)


def _read_or_error(path, published: dt.date | None) -> Report | GeomapError:
    try:
        return read_report(path, published=published)
    except GeomapError as exc:
        return exc


def to_feature(draft: Draft, report: Report, base: dt.date, status: str, layer: str) -> dict:
    """A draft as an incident Feature, before validation."""
    place = draft.place.place
    day, time_precision = event_date(draft, base)
    actor1, actor2 = _actors(draft)
    properties = {
        "layer": layer, "event_date": day, "event_time": draft.times[0] if draft.times else None,
        "time_precision": time_precision, "event_type": draft.event.event_type,
        "sub_event_type": draft.event.sub_event_type, "actor1": actor1, "actor2": actor2,
        "fatalities": draft.fatalities, "injuries": draft.injuries, "location": place["name"],
        "location_mention": draft.place.text, "country": place["country"],
        "admin1": place.get("admin1") or (draft.region.place["name"] if draft.region else None),
        "geo_precision": geo_precision(draft), "gazetteer_id": place["gazetteer_id"],
        "summary": summary(draft, place, day, actor1), "quote": quote_of(draft.sentences),
        "source": report.source(), "status": status,
    }
    if draft.place.fallback:
        properties["review"] = (f"{draft.place.text!r} is in no gazetteer: placed at {place['name']}, "
                                f"the {place['feature'].replace('_', ' ')} the report names around it")
    properties["id"] = incident_id(layer, report.document, day, place["gazetteer_id"],
                                   draft.event.sub_event_type, draft.sentences[0])
    return {"type": "Feature", "id": properties["id"],
            "geometry": {"type": "Point", "coordinates": [place["lon"], place["lat"]]},
            "properties": properties}


def quote_of(sentences: list[str]) -> str:
    """The sentences an incident was read from, cut at a word before MAX_QUOTE_CHARS."""
    quote = " ".join(sentences)
    if len(quote) <= MAX_QUOTE_CHARS:
        return quote
    return quote[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0] + " …"


def _actors(draft: Draft) -> tuple[str | None, str | None]:
    actor1, actor2 = draft.actors
    if draft.event.sub_event_type == "Disrupted weapons use":
        # The side that shoots the drone down acts; whoever launched it, unstated, is the target.
        return actor1 or actor2, UNIDENTIFIED
    return actor1 or UNIDENTIFIED, actor2


def summary(draft: Draft, place: dict, day: str, actor1: str) -> str:
    """One sentence: what, where, when, who and the toll as stated."""
    preposition = "near" if geo_precision(draft) == 2 else "at" if draft.place.is_specific else "in"
    where = f"{preposition} {place['name']}"
    region = ", ".join(p for p in (place.get("admin1"), country_name(place["country"])) if p)
    toll = []
    if draft.fatalities is not None:
        toll.append(f"{draft.fatalities} killed")
    if draft.injuries is not None:
        toll.append(f"{draft.injuries} injured")
    tail = f"; {', '.join(toll)}" if toll else ""
    return f"{draft.event.sub_event_type} {where} ({region}) on {day} by {actor1}{tail}."
