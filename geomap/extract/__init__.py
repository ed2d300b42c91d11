"""Extraction: a report's text in, validated incident features (GeoJSON) out."""

from __future__ import annotations

import datetime as dt

from geomap.extract.actors import UNIDENTIFIED
from geomap.extract.incidents import Draft, ReportReader, country_name, event_date, geo_precision
from geomap.extract.nlp import get_pipeline
from geomap.extract.report import Report, parse_report, read_report
from geomap.incident import incident_id, parse_feature

# Well under the incident's limit (geomap.incident.MAX_QUOTE): a quote is for reading.
MAX_QUOTE_CHARS = 4_000

__all__ = ["extract_file", "extract_report", "read_incidents", "parse_report", "read_report", "Report"]


def extract_report(report: Report, gazetteer, *, status: str = "draft", layer: str = "incidents",
                   now: dt.datetime | None = None, model: str | None = None) -> list[dict]:
    """The incidents a report tells of, as validated GeoJSON Features."""
    return read_incidents(report, gazetteer, status=status, layer=layer, now=now, model=model)[0]


def read_incidents(report: Report, gazetteer, *, status: str = "draft", layer: str = "incidents",
                   now: dt.datetime | None = None, model: str | None = None) -> tuple[list[dict], list[str]]:
    """(features, warnings): the incidents a report tells of and what the reader had to assume."""
    reader = ReportReader(report, gazetteer, get_pipeline(model))
    drafts = reader.drafts()
    features = [parse_feature(to_feature(d, report, reader.base, status, layer), now=now) for d in drafts]
    return features, reader.warnings


def extract_file(path, gazetteer, *, published: dt.date | None = None, settings=None,
                 now: dt.datetime | None = None) -> tuple[list[dict], list[str]]:
    """(features, warnings) of one report file; ``published`` wins over its front matter."""
    report = read_report(path, published=published)
    status = settings.default_status if settings is not None else "draft"
    model = settings.spacy_model if settings is not None else None
    return read_incidents(report, gazetteer, status=status, now=now, model=model)


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
