"""Extraction: a report's text in, validated incident features (GeoJSON) out."""

from __future__ import annotations

import datetime as dt

from geomap.extract.incidents import Draft, ReportReader, country_name, event_date, geo_precision
from geomap.extract.report import Report, parse_report, read_report
from geomap.extract.rules import UNIDENTIFIED
from geomap.incident import incident_id, parse_feature

__all__ = ["extract_report", "parse_report", "read_report", "Report"]


def extract_report(report: Report, gazetteer, *, status: str = "draft", layer: str = "incidents",
                   now: dt.datetime | None = None) -> list[dict]:
    """The incidents a report tells of, as validated GeoJSON Features."""
    reader = ReportReader(report, gazetteer)
    drafts = reader.drafts()
    return [parse_feature(to_feature(d, report, reader.base, status, layer), now=now) for d in drafts]


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
        "summary": summary(draft, place, day, actor1), "quote": " ".join(draft.sentences),
        "source": report.source(), "status": status,
    }
    properties["id"] = incident_id(layer, report.document, day, place["gazetteer_id"],
                                   draft.event.sub_event_type, draft.sentences[0])
    return {"type": "Feature", "id": properties["id"],
            "geometry": {"type": "Point", "coordinates": [place["lon"], place["lat"]]},
            "properties": properties}


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
