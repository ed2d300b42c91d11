"""ACLED's own export shape: incidents written with ACLED's column names, in ACLED's order.

An ACLED file ingested keeps every column (those without a geomap property stay as extra
properties of the same name, see :mod:`geomap.services.columns`), so writing it back
with :func:`write_acled` gives the same cells; incidents from elsewhere fill what they
can. Columns of both ACLED sets are written: the older one (``data_id``,
``event_id_no_cnty``, ``iso3``) and the 2023 one (``disorder_type``,
``civilian_targeting``, ``tags``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

import pycountry

from geomap.incident import representative_point
from geomap.query import IncidentQuery
from geomap.services import incidents
from geomap.services.columns import write_spreadsheet_csv
from geomap.store import IncidentStore


@dataclass(frozen=True)
class AcledColumn:
    """One ACLED column and how an incident fills it when no extra property of its name does."""

    name: str
    value: Callable[[Mapping], object] | None = None


def _prop(name: str) -> Callable[[Mapping], object]:
    return lambda feature: feature["properties"].get(name)


def _point(index: int) -> Callable[[Mapping], object]:
    return lambda feature: round(representative_point(feature["geometry"])[index], 6)


@lru_cache(maxsize=512)
def _country(code: str | None):
    return pycountry.countries.get(alpha_2=code) if code else None


def _country_field(attribute: str) -> Callable[[Mapping], object]:
    def value(feature: Mapping) -> object:
        country = _country(feature["properties"].get("country"))
        if country is None:
            return None
        if attribute == "name":
            return getattr(country, "common_name", None) or country.name
        return int(country.numeric) if attribute == "numeric" else getattr(country, attribute)
    return value


def _country_name(feature: Mapping) -> object:
    return feature["properties"].get("country_name") or _country_field("name")(feature)


def _source(name: str) -> Callable[[Mapping], object]:
    return lambda feature: (feature["properties"].get("source") or {}).get(name)


#: Every column of ACLED's older and 2023 exports, in ACLED's order.
COLUMNS = (
    AcledColumn("data_id"),
    AcledColumn("event_id_cnty", lambda feature: feature["id"]),
    AcledColumn("event_id_no_cnty"),
    AcledColumn("event_date", _prop("event_date")),
    AcledColumn("year", lambda feature: int(feature["properties"]["event_date"][:4])),
    AcledColumn("time_precision", _prop("time_precision")),
    AcledColumn("disorder_type"),
    AcledColumn("event_type", _prop("event_type")),
    AcledColumn("sub_event_type", _prop("sub_event_type")),
    AcledColumn("actor1", _prop("actor1")),
    AcledColumn("assoc_actor_1"),
    AcledColumn("inter1"),
    AcledColumn("actor2", _prop("actor2")),
    AcledColumn("assoc_actor_2"),
    AcledColumn("inter2"),
    AcledColumn("interaction"),
    AcledColumn("civilian_targeting"),
    AcledColumn("iso", _country_field("numeric")),
    AcledColumn("region"),
    AcledColumn("country", _country_name),
    AcledColumn("admin1", _prop("admin1")),
    AcledColumn("admin2"),
    AcledColumn("admin3"),
    AcledColumn("location", lambda feature: feature["properties"].get("location")
                or feature["properties"].get("location_mention")),
    AcledColumn("latitude", _point(1)),
    AcledColumn("longitude", _point(0)),
    AcledColumn("geo_precision", _prop("geo_precision")),
    AcledColumn("source", _source("publisher")),
    AcledColumn("source_scale"),
    AcledColumn("notes", lambda feature: feature["properties"].get("summary")
                or feature["properties"].get("quote")),
    AcledColumn("fatalities", lambda feature: feature["properties"].get("fatalities") or 0),
    AcledColumn("tags"),
    AcledColumn("timestamp"),
    AcledColumn("iso3", _country_field("alpha_3")),
)
HEADER = tuple(column.name for column in COLUMNS)


def acled_row(feature: Mapping) -> tuple:
    """One feature as an ACLED row: its kept ACLED cells, else what geomap knows."""
    props = feature["properties"]
    row = []
    for column in COLUMNS:
        value = props.get(column.name) if column.name not in _CONTRACT else None
        if value is None and column.value is not None:
            value = column.value(feature)
        row.append(value)
    return tuple(row)


# Contract properties named like an ACLED column: always read through the column's rule.
_CONTRACT = frozenset(("event_date", "time_precision", "event_type", "sub_event_type", "actor1",
                       "actor2", "country", "admin1", "location", "geo_precision", "source",
                       "fatalities"))


def iter_acled_rows(store: IncidentStore, query: IncidentQuery) -> Iterator[tuple]:
    """One ACLED row per match, values in ``HEADER`` order (None when empty)."""
    for feature in incidents.iter_features(store, query):
        yield acled_row(feature)


def write_acled(store: IncidentStore, query: IncidentQuery, out: BinaryIO) -> int:
    """UTF-8 CSV with ACLED's header, then one row per match; returns how many. Cells a
    spreadsheet would run as formulas are guarded as in the CSV export (ingest reads them back)."""
    return write_spreadsheet_csv(HEADER, iter_acled_rows(store, query), out)
