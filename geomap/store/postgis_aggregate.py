"""Map cells and histograms in PostgreSQL: the rows ``geomap.aggregate`` frames, summed by
the server instead of folding every match in Python (the same numbers: see that module)."""

from __future__ import annotations

from geomap.query import IncidentQuery
from geomap.store.postgis_query import ADMIN1, where_sql

_CENTRE = "(minlon + maxlon) / 2"
_MIDDLE = "(minlat + maxlat) / 2"
_CELLS = (f"SELECT least(floor(({_CENTRE} + 180) / %s)::int, %s), "
          f"least(floor(({_MIDDLE} + 90) / %s)::int, %s), event_type, count(*), "
          f"sum({_CENTRE}), sum({_MIDDLE}) FROM incidents WHERE {{where}} GROUP BY 1, 2, 3")
_DIVISIONS = (f"SELECT country, {ADMIN1}, event_type, count(*), sum({_CENTRE}), sum({_MIDDLE}) "
              "FROM incidents WHERE {where} GROUP BY 1, 2, 3")
_STARTS = {
    "day": "event_date",
    "week": "event_date - (extract(isodow FROM event_date)::int - 1)",
    "month": "date_trunc('month', event_date)::date",
}
_BUCKETS = ("SELECT ({start})::text, event_type, count(*), coalesce(sum(fatalities), 0)::bigint "
            "FROM incidents WHERE {where} GROUP BY 1, 2")


def cells_sql(query: IncidentQuery, size: float) -> tuple[str, list]:
    """(column, row, type, count, sumlon, sumlat) of the matches in cells of ``size`` degrees."""
    where, params = where_sql(query)
    last_column, last_row = int(360 / size) - 1, int(180 / size) - 1
    return _CELLS.format(where=where), [size, last_column, size, last_row, *params]


def buckets_sql(query: IncidentQuery, interval: str) -> tuple[str, list]:
    """(bucket start, type, count, fatalities) of the matches per day, week or month."""
    where, params = where_sql(query)
    return _BUCKETS.format(start=_STARTS[interval], where=where), params


def divisions_sql(query: IncidentQuery) -> tuple[str, list]:
    """(country, admin1, type, count, sumlon, sumlat) of the matches per first-level division."""
    where, params = where_sql(query)
    return _DIVISIONS.format(where=where), params
