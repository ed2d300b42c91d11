"""ACLED-shaped files written for the tests: ACLED's columns and conventions, our own events.

Nothing here comes from ACLED's data: the events, notes and ids are made up in the shape of
an ACLED export (both its older column set and the 2023 one), in any of the date styles
real exports use.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

OLD_COLUMNS = ("data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year",
               "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
               "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "region", "country",
               "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
               "source", "source_scale", "notes", "fatalities", "timestamp", "iso3")
NEW_COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type",
               "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
               "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
               "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
               "geo_precision", "source", "source_scale", "notes", "fatalities", "tags",
               "timestamp")
DATE_STYLES = {"iso": "%Y-%m-%d", "export": "%d %B %Y", "spreadsheet": "%-d-%b-%y",
               "plain": "%-d %B %Y"}

# Made-up events; "Tell Quwayrat" and "Khirbat Umm Sunnar" are villages no gazetteer holds.
EVENTS = [
    {"id": "SYR990001", "no": "990001", "date": dt.date(2021, 3, 6), "type": "Violence against civilians",
     "sub": "Attack", "actor1": "Unidentified Armed Group (Syria)", "inter1": "3",
     "actor2": "Civilians (Syria)", "inter2": "7", "interaction": "37", "disorder": "Political violence",
     "civilian": "Civilian targeting", "iso": "760", "iso3": "SYR", "country": "Syria",
     "admin1": "Deir ez-Zor", "admin2": "Al Mayadin", "admin3": "Thiban", "location": "Tell Quwayrat",
     "lat": "35.0417", "lon": "40.5533", "gp": "1", "source": "Local Monitor", "scale": "Subnational",
     "notes": "On 6 March 2021, unidentified gunmen shot dead two farmers in Tell Quwayrat "
              "(Al Mayadin, Deir ez-Zor). 2 fatalities.", "fatalities": "2", "tags": "",
     "timestamp": "1615400000"},
    {"id": "SYR990002", "no": "990002", "date": dt.date(2021, 3, 7), "type": "Explosions/Remote violence",
     "sub": "Remote explosive/landmine/IED", "actor1": "Unidentified Armed Group (Syria)", "inter1": "3",
     "actor2": "", "inter2": "0", "interaction": "30", "disorder": "Political violence",
     "civilian": "", "iso": "760", "iso3": "SYR", "country": "Syria", "admin1": "Deir ez-Zor",
     "admin2": "Al Mayadin", "admin3": "Thiban", "location": "Tell Quwayrat", "lat": "35.0417",
     "lon": "40.5533", "gp": "1", "source": "Local Monitor; Wire desk", "scale": "Subnational-National",
     "notes": "On 7 March 2021, a roadside bomb went off near a vegetable market in Tell Quwayrat. "
              "No casualties reported.", "fatalities": "0", "tags": "", "timestamp": "1615400100"},
    {"id": "IRQ990003", "no": "990003", "date": dt.date(2021, 3, 9), "type": "Protests",
     "sub": "Peaceful protest", "actor1": "Protesters (Iraq)", "inter1": "6", "actor2": "",
     "inter2": "0", "interaction": "60", "disorder": "Demonstrations", "civilian": "",
     "iso": "368", "iso3": "IRQ", "country": "Iraq", "admin1": "Ninewa", "admin2": "Mosul",
     "admin3": "Hamam al Alil", "location": "Khirbat Umm Sunnar", "lat": "36.1603", "lon": "43.2311",
     "gp": "2", "source": "Regional Radio", "scale": "Subnational",
     "notes": "On 9 March 2021, residents of Khirbat Umm Sunnar protested against power cuts. "
              "[size=around 50]", "fatalities": "0", "tags": "crowd size=around 50",
     "timestamp": "1615500000"},
]


def cells(event: dict, style: str) -> dict:
    """One event as ACLED's cells (both column sets' names), its date in ``style``."""
    return {
        "data_id": event["no"] + "7", "iso": event["iso"], "event_id_cnty": event["id"],
        "event_id_no_cnty": event["no"], "event_date": event["date"].strftime(DATE_STYLES[style]),
        "year": str(event["date"].year), "time_precision": "1", "disorder_type": event["disorder"],
        "event_type": event["type"], "sub_event_type": event["sub"], "actor1": event["actor1"],
        "assoc_actor_1": "", "inter1": event["inter1"], "actor2": event["actor2"],
        "assoc_actor_2": "", "inter2": event["inter2"], "interaction": event["interaction"],
        "civilian_targeting": event["civilian"], "region": "Middle East",
        "country": event["country"], "admin1": event["admin1"], "admin2": event["admin2"],
        "admin3": event["admin3"], "location": event["location"], "latitude": event["lat"],
        "longitude": event["lon"], "geo_precision": event["gp"], "source": event["source"],
        "source_scale": event["scale"], "notes": event["notes"], "fatalities": event["fatalities"],
        "tags": event["tags"], "timestamp": event["timestamp"], "iso3": event["iso3"],
    }


def write_acled(path: Path, style: str = "export", columns: tuple = NEW_COLUMNS,
                events: list[dict] | None = None) -> Path:
    """An ACLED-shaped CSV of ``events`` (default all of EVENTS) at ``path``."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore")
        writer.writeheader()
        for event in EVENTS if events is None else events:
            writer.writerow(cells(event, style))
    return path
