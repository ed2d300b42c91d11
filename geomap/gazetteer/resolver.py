"""Resolve a place name as a report writes it to ranked gazetteer candidates.

Candidates come from the name's skeleton (exact), then from similar skeletons
(rapidfuzz) when the exact key finds nothing good. Each candidate is scored by
name similarity, then weighed by the kind of place the query implies ("air base",
"province"), an optional country hint and nearness to a context point; importance
(population, kind) breaks ties.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from geopy.distance import geodesic
from rapidfuzz import fuzz, process

from geomap.gazetteer import normalize

MATCH_THRESHOLD = 0.6
MAX_CANDIDATES = 5
MAX_QUERY_LENGTH = 300

# Kinds a query implies ("air base", "province") and the features that satisfy them.
KIND_FEATURES = {
    "airfield": {"airport", "air_base", "airfield", "military_base"},
    "division": {"division"},
    "district": {"division", "city", "town", "village"},
    "city": {"city", "town", "village"},
    "village": {"village", "town"},
    "base": {"military_base", "air_base", "airfield", "camp", "airport"},
    "field": {"oil_field", "gas_field", "military_base"},
    "dam": {"dam"},
    "crossing": {"border_crossing"},
}
KIND_MISMATCH = 0.7       # the query says "air base" and this is a town
UNSAID_KIND = 0.95        # this is "X Air Base" and the query said only "X"
OTHER_COUNTRY = 0.5       # the query's country hint names another country
FUZZY_CUTOFF = 72
CACHE_SIZE = 50_000
SHORTLIST = 25
IMPORTANCE_WEIGHT = 0.05  # breaks ties; a closer spelling outweighs a larger town
STRONG = 0.8  # a name this similar ends the search: no look-up of similar keys
SKELETON_MIN_RATIO = 0.6  # same consonants but spelt too differently: not a variant
DROPPED_WORDS = 0.95      # matched once "air base", "province"... were set aside


@dataclass
class Scored:
    """A candidate place with its score and the reason for it."""

    place: tuple
    score: float
    rank: float
    why: str

    def as_dict(self) -> dict:
        """The candidate in the gazetteer answer's shape (DESIGN.md)."""
        (_, gid, name, lat, lon, country, admin1, feature, population, _, source, _) = self.place
        return {
            "name": name, "lat": round(lat, 5), "lon": round(lon, 5), "country": country,
            "admin1": admin1, "feature": feature, "gazetteer_id": gid,
            "score": round(self.score, 3), "why": self.why,
            "population": population or None, "source": source,
        }


class Resolver:
    """Thread-safe look-ups over a built gazetteer index (read-only)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA mmap_size = 536870912")
            conn.execute("PRAGMA cache_size = -65536")
            self._local.conn = conn
        return conn

    def resolve(self, query: str, country: str | None = None, near=None) -> dict:
        """The gazetteer answer for one name: best match (or None) and up to 5 candidates."""
        ranked = self.candidates(query, country=country, near=near)
        top = [c.as_dict() for c in ranked[:MAX_CANDIDATES]]
        match = top[0] if top and top[0]["score"] >= MATCH_THRESHOLD else None
        return {"query": query, "match": match, "candidates": top}

    def candidates(self, query: str, country: str | None = None, near=None) -> list[Scored]:
        """All scored candidates for a query, best first."""
        country = country.upper() if country else None
        if near is None:
            return self._cached_candidates(query, country)
        return self._rank(query, country, tuple(near))

    @functools.lru_cache(maxsize=CACHE_SIZE)  # noqa: B019 (one resolver lives as long as its index)
    def _cached_candidates(self, query: str, country: str | None) -> list[Scored]:
        return self._rank(query, country, None)

    def _rank(self, query: str, country: str | None, near) -> list[Scored]:
        forms = query_forms(query)
        closest = self._closest_names(forms, [(form, [form.key], form.norm) for form in forms])
        if not any(similarity >= STRONG for similarity, _, _ in closest.values()):
            closest.update(self._closest_names(forms, self._similar_keys_of(forms)))
        # Only the closest names are weighed in full: weights never raise a score.
        shortlist = sorted(closest.values(), key=lambda c: c[0] - IMPORTANCE_WEIGHT * c[2][1],
                           reverse=True)[:SHORTLIST]
        places = self._places([row[0] for _, _, row in shortlist])
        scored = [score_candidate(places[row[0]], row, form, similarity, country, near)
                  for similarity, form, row in shortlist]
        return sorted(scored, key=lambda s: (-s.rank, s.place[1]))

    def _closest_names(self, forms, keys_by_form) -> dict[int, tuple]:
        """The most similar stored name of each place found under the given keys."""
        closest: dict[int, tuple] = {}
        for form, keys, norm in keys_by_form:
            for row in self._names_for_keys(keys, norm):
                similarity = name_similarity(form, row)
                if row[0] not in closest or similarity > closest[row[0]][0]:
                    closest[row[0]] = (similarity, form, row)
        return closest

    def _similar_keys_of(self, forms: list[QueryForm]) -> list[tuple[QueryForm, list[str]]]:
        if not forms:
            return []
        form = forms[1] if len(forms) > 1 and forms[1].kind else forms[0]
        if form.key.startswith(("u:", "code:")):
            return []
        return [(form, self._similar_keys(form.key), "")]

    def _names_for_keys(self, keys: list[str], norm: str = "") -> list[tuple]:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self.conn.execute(
            f"SELECT place, rank, name, norm, kind, key FROM names WHERE key IN ({marks})"
            " ORDER BY rank LIMIT 120", keys,
        ).fetchall()
        if len(rows) == 120 and norm:
            # A short key is shared by thousands of names: add those spelt alike at the start.
            rows += self.conn.execute(
                "SELECT place, rank, name, norm, kind, key FROM names WHERE key = ? AND norm >= ?"
                " AND norm < ? ORDER BY rank LIMIT 120", (keys[0], norm[:3], norm[:3] + "\uffff"),
            ).fetchall()
        return rows

    def _places(self, ids: list[int]) -> dict[int, tuple]:
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT * FROM places WHERE id IN ({marks})", ids).fetchall()
        return {row[0]: row for row in rows}

    def _similar_keys(self, key: str) -> list[str]:
        if len(key) < 3:
            return []
        (joined,) = self.conn.execute(
            "SELECT group_concat(key, ' ') FROM skeletons WHERE block = ? AND klen BETWEEN ? AND ?",
            (key[:2], len(key) - 2, len(key) + 2),
        ).fetchone()
        choices = joined.split(" ") if joined else []
        found = process.extract(key, choices, scorer=fuzz.ratio, limit=8, score_cutoff=FUZZY_CUTOFF)
        return [k for k, _, _ in found if k != key]


@dataclass(frozen=True)
class QueryForm:
    """One way of reading the query: its normal form, skeleton key and implied kind."""

    norm: str
    key: str
    kind: str | None


def query_forms(query: str) -> list[QueryForm]:
    """The query as written, without its kind words, as a code, and in its own script."""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if not query:
        return []
    if not normalize.is_latin(query):
        return [QueryForm(query, normalize.script_key(query), None)]
    full = normalize.normal_form(query)
    forms = [QueryForm(full, normalize.skeleton_of_normal(full), None)]
    core, kind = normalize.split_kind(query)
    if kind and core and core != full:
        forms.append(QueryForm(core, normalize.skeleton_of_normal(core), kind))
    if query.isalnum() and query.isupper() and len(query) in (3, 4):
        forms.append(QueryForm(query.lower(), "code:" + query, None))
    return forms


def name_similarity(form: QueryForm, row: tuple) -> float:
    """Similarity in 0..1 of the query to one stored name (place, rank, name, norm, kind, key)."""
    norm, key = row[3], row[5]
    if form.key.startswith("code:") or norm == form.norm:
        return 1.0
    ratio = fuzz.ratio(form.norm, norm) / 100
    if key == form.key and ratio >= SKELETON_MIN_RATIO:
        return 0.8 + 0.15 * ratio
    # A near spelling counts for less, and falls off fast: "Joe Biden" is not "Zhabdun".
    return 0.8 * ratio**2


def how_matched(form: QueryForm, row: tuple, similarity: float) -> str:
    """Why a name matched, in words."""
    name = row[2]
    if form.key.startswith("code:"):
        return f"code {name}"
    if similarity == 1.0:
        return f"name '{name}'"
    if row[5] == form.key and similarity >= 0.8:
        return f"transliteration variant of '{name}'"
    return f"spelling close to '{name}'"


def score_candidate(place: tuple, row: tuple, form: QueryForm, similarity: float, country, near) -> Scored:
    """Weigh a place's name similarity by kind, country hint and distance to the context."""
    kind = form.kind
    factor, reasons = 1.0, [how_matched(form, row, similarity)]
    feature, stripped = place[7], row[4]
    if kind and feature not in KIND_FEATURES.get(kind, ()):
        factor *= KIND_MISMATCH
        reasons.append(f"a {feature}, not the {kind} the query names")
    elif kind:
        factor *= DROPPED_WORDS
        reasons.append(f"a {feature} as the query's '{kind}' implies")
    elif stripped and stripped != "city":
        factor *= UNSAID_KIND
    if country and place[5] != country:
        factor *= OTHER_COUNTRY
        reasons.append(f"in {place[5]}, not {country}")
    if near is not None:
        km = geodesic(near, (place[3], place[4])).km
        factor *= 1.0 if km < 150 else (0.9 if km < 400 else 0.75)
        reasons.append(f"{km:.0f} km from the context")
    score = similarity * factor
    return Scored(place, score, score + IMPORTANCE_WEIGHT * place[9], "; ".join(reasons))
