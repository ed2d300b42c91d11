"""First-level divisions (admin1): the picker's list, the filter's spellings, counts per division.

Incidents name their division as the gazetteer spells it ("Deir ez-Zor") when it placed
them, and as their source did when imported (ACLED's "Deir ez Zor", "Ninewa"). A division
of the gazetteer (ISO 3166-2, with every name it knows) is matched to a stored spelling
by one of its names exactly, else by the names' skeleton when only one division of that
country has it: the same folding that lets the gazetteer read transliterations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from geomap.aggregate import CellCounts
from geomap.gazetteer import normalize
from geomap.query import IncidentQuery
from geomap.services.incidents import require_layer, with_actor_variants
from geomap.store import IncidentStore


def spelling_key(name: str) -> str:
    """The skeleton two spellings of one division share.

    >>> spelling_key("Ninewa") == spelling_key("Ninawa"), spelling_key("Al-Anbar") == spelling_key("Anbar")
    (True, True)
    """
    return normalize.skeleton_of_normal(normalize.split_kind(normalize.normal_form(name))[0])


#: The shortest skeleton that names a division when no country is given ("nv", Ninewa's,
#: is several divisions' around the world; "drzr", Deir ez-Zor's, one's).
MIN_WORLD_KEY = 4


@dataclass
class DivisionIndex:
    """The gazetteer's first-level divisions, found by code, by name or by a spelling."""

    divisions: list[dict]
    by_code: dict[str, dict] = field(default_factory=dict)
    by_name: dict[tuple[str, str], dict] = field(default_factory=dict)
    by_key: dict[tuple[str, str], dict | None] = field(default_factory=dict)
    #: spelling key → the divisions of any country that have a name of it.
    by_any_key: dict[str, list[dict]] = field(default_factory=dict)
    #: layer → (when read, its stored (country, admin1) pairs), kept STORED_SECONDS.
    stored: dict[str | None, tuple[float, list]] = field(default_factory=dict)

    def __post_init__(self):
        for division in self.divisions:
            self.by_code[division["code"].upper()] = division
            for name in division["names"]:
                self.by_name.setdefault((division["country"], name.casefold()), division)
                key = (division["country"], spelling_key(name))
                if key[1] and self.by_key.get(key, division) is not division:
                    self.by_key[key] = None  # two divisions share it: it tells neither
                else:
                    self.by_key.setdefault(key, division)
                spelt = self.by_any_key.setdefault(key[1], [])
                if key[1] and division not in spelt:
                    spelt.append(division)

    def find(self, country: str | None, admin1: str | None) -> dict | None:
        """The division a stored (country, admin1) names, or None."""
        if not country or not admin1:
            return None
        found = self.by_name.get((country, admin1.casefold()))
        return found or self.by_key.get((country, spelling_key(admin1)))

    def find_given(self, text: str, countries: tuple[str, ...] = ()) -> list[dict]:
        """The divisions a filter value means: an ISO code, a name in one of ``countries``
        (in any country when none is given), else another spelling of a name, read as
        ``find`` reads a stored one: the division of ``countries`` spelt so, or without
        countries the only one anywhere."""
        if text.upper() in self.by_code:
            return [self.by_code[text.upper()]]
        wanted = text.casefold()
        named = [d for d in self.divisions if (not countries or d["country"] in countries)
                 and any(name.casefold() == wanted for name in d["names"])]
        return named or self._spelt(spelling_key(text), countries)

    def _spelt(self, key: str, countries: tuple[str, ...]) -> list[dict]:
        if not key:
            return []
        if countries:
            return [found for country in countries if (found := self.by_key.get((country, key)))]
        spelt = self.by_any_key.get(key, [])  # worldwide, a short skeleton tells too little
        return spelt if len(spelt) == 1 and len(key) >= MIN_WORLD_KEY else []

    def suggest(self, text: str, countries: tuple[str, ...] = (), limit: int = 20) -> list[dict]:
        """The divisions ``text`` names (``find_given``), then those with a name or code that
        starts with it, in ``countries`` (any when none), at most ``limit``."""
        wanted = text.strip().casefold()
        found = self.find_given(text.strip(), countries) if wanted else []
        for division in self.divisions:
            if len(found) >= limit:
                break
            if (not countries or division["country"] in countries) and division not in found and any(
                    name.casefold().startswith(wanted) for name in (division["code"], *division["names"])):
                found.append(division)
        return found[:limit]


#: How long the spellings a layer's incidents use are kept before they are read again (on
#: PostGIS they are counted over the whole layer).
STORED_SECONDS = 10.0


def stored_spellings(store: IncidentStore, index: DivisionIndex, layer: str | None) -> list:
    """(country, admin1) of every division the layer's incidents name, read at most every
    STORED_SECONDS."""
    now = time.monotonic()
    found = index.stored.get(layer)
    if found is None or now - found[0] > STORED_SECONDS:
        groups = store.admin1_counts(IncidentQuery(layer=layer, limit=None))["divisions"]
        found = index.stored[layer] = (now, [(d["country"], d["admin1"]) for d in groups])
    return found[1]


def list_divisions(index: DivisionIndex, countries: tuple[str, ...] = (),
                   text: str | None = None) -> dict:
    """The picker's list: code, name, country, lon, lat and the other names of each, of
    ``countries`` (every country when none); with ``text``, only what it names or starts
    (``suggest``) and, as ``named``, the codes of the divisions it names."""
    if text is None:
        return {"divisions": [division for division in index.divisions
                              if not countries or division["country"] in countries]}
    return {"divisions": index.suggest(text, countries),
            "named": [division["code"] for division in index.find_given(text.strip(), countries)]}


def with_division_spellings(store: IncidentStore, index: DivisionIndex,
                            query: IncidentQuery) -> IncidentQuery:
    """The query with each admin1 value that is a division (by code or name) widened to
    every spelling of it: the gazetteer's names and those the layer's incidents use."""
    if not query.admin1:
        return query
    spellings: list[str] = []
    for value in query.admin1:
        found = index.find_given(value, query.countries)
        spellings.append(value)
        for division in found:
            spellings += [division["name"], *division["names"]]
            spellings += [admin1 for country, admin1 in stored_spellings(store, index, query.layer)
                          if index.find(country, admin1) is division]
    return replace(query, admin1=tuple(dict.fromkeys(spellings)))


def get_division_counts(store: IncidentStore, index: DivisionIndex, query: IncidentQuery) -> dict:
    """Counts per first-level division of every match, each at the division's point when
    the gazetteer knows it (else at its incidents' mean centre, ``"at": "incidents"``);
    spellings of one division are counted together. They sum to numberMatched."""
    require_layer(store, query)
    answer = store.admin1_counts(with_actor_variants(query).unpaged())
    merged: dict[tuple, dict] = {}
    for group in answer["divisions"]:
        division = index.find(group["country"], group["admin1"])
        key = ("code", division["code"]) if division else (group["country"], group["admin1"])
        entry = merged.get(key)
        if entry is None:
            merged[key] = entry = _entry(group, division)
        else:
            _absorb(entry, group)
    divisions = [_framed(entry) for entry in merged.values()]
    divisions.sort(key=lambda d: (-d["count"], d["country"] or "", d["name"] or ""))
    return {"numberMatched": answer["numberMatched"], "divisions": divisions}


def _entry(group: dict, division: dict | None) -> dict:
    counts = CellCounts(dict(group["by_type"]), group["lon"] * group["count"],
                        group["lat"] * group["count"])
    return {"group": group, "division": division, "counts": counts,
            "spellings": [group["admin1"]] if group["admin1"] else []}


def _absorb(entry: dict, group: dict) -> None:
    for kind, count in group["by_type"].items():
        entry["counts"].add(kind, count, 0.0, 0.0)
    entry["counts"].sumlon += group["lon"] * group["count"]
    entry["counts"].sumlat += group["lat"] * group["count"]
    entry["spellings"].append(group["admin1"])


def _framed(entry: dict) -> dict:
    division, group, counts = entry["division"], entry["group"], entry["counts"]
    count = sum(counts.by_type.values())
    at_division = division is not None
    return {"code": division["code"] if at_division else None,
            "name": division["name"] if at_division else group["admin1"],
            "country": group["country"], "count": count,
            "by_type": dict(sorted(counts.by_type.items())),
            "lon": division["lon"] if at_division else round(counts.sumlon / count, 5),
            "lat": division["lat"] if at_division else round(counts.sumlat / count, 5),
            "at": "division" if at_division else "incidents",
            "spellings": sorted(set(entry["spellings"]))}
