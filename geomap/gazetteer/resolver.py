"""Resolve a place name as a report writes it to ranked gazetteer candidates.

Candidates come from the name's skeleton (exact), then from similar skeletons
(rapidfuzz) when the exact key finds nothing good. Each candidate is scored by
name similarity, then weighed by the kind of place the query implies ("air base",
"province"), an optional country hint and nearness to a context point; importance
(population, kind) breaks ties.
"""

from __future__ import annotations

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
UNSAID_KIND = 0.85        # this is "X Air Base" and the query said only "X"
OTHER_COUNTRY = 0.5       # the query's country hint names another country
FUZZY_CUTOFF = 72
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
        best: dict[int, Scored] = {}
        for form in query_forms(query):
            for row in self._lookup(form):
                scored = score_candidate(row, form, country, near)
                if row[0] not in best or scored.rank > best[row[0]].rank:
                    best[row[0]] = scored
        return sorted(best.values(), key=lambda s: (-s.rank, s.place[1]))

    def _lookup(self, form: QueryForm) -> list[tuple]:
        rows = self._rows_for_keys([form.key])
        if form.key.startswith(("u:", "code:")) or _has_strong(rows, form):
            return rows
        return rows + self._rows_for_keys(self._similar_keys(form.key))

    def _rows_for_keys(self, keys: list[str]) -> list[tuple]:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        return self.conn.execute(
            f"SELECT p.*, n.name, n.norm, n.kind, n.key FROM names n JOIN places p ON p.id = n.place"
            f" WHERE n.key IN ({marks}) ORDER BY p.importance DESC LIMIT 400", keys,
        ).fetchall()

    def _similar_keys(self, key: str) -> list[str]:
        if len(key) < 3:
            return []
        choices = [k for (k,) in self.conn.execute(
            "SELECT key FROM skeletons WHERE block = ? AND klen BETWEEN ? AND ?",
            (key[:2], len(key) - 2, len(key) + 2),
        )]
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


def _has_strong(rows: list[tuple], form: QueryForm) -> bool:
    return any(fuzz.ratio(form.norm, row[13]) >= 80 for row in rows)


def name_similarity(form: QueryForm, row: tuple) -> tuple[float, str]:
    """Similarity in 0..1 of the query to one stored name, and how it was matched."""
    name, norm, key = row[12], row[13], row[15]
    if form.key.startswith("code:"):
        return 1.0, f"code {name}"
    if norm == form.norm:
        return 1.0, f"name '{name}'"
    ratio = fuzz.ratio(form.norm, norm) / 100
    if key == form.key and ratio >= SKELETON_MIN_RATIO:
        return 0.8 + 0.15 * ratio, f"transliteration variant of '{name}'"
    # A near spelling counts for less, and falls off fast: "Joe Biden" is not "Zhabdun".
    return 0.8 * ratio**2, f"spelling close to '{name}' (similarity {ratio:.2f})"


def score_candidate(row: tuple, form: QueryForm, country, near) -> Scored:
    """Score one stored name of a place against one reading of the query."""
    similarity, why = name_similarity(form, row)
    kind = form.kind
    factor, reasons = 1.0, [why]
    feature, stripped = row[7], row[14]
    if kind and feature not in KIND_FEATURES.get(kind, ()):
        factor *= KIND_MISMATCH
        reasons.append(f"a {feature}, not the {kind} the query names")
    elif kind:
        factor *= DROPPED_WORDS
        reasons.append(f"a {feature} as the query's '{kind}' implies")
    elif stripped and stripped != "city":
        factor *= UNSAID_KIND
    if country and row[5] != country:
        factor *= OTHER_COUNTRY
        reasons.append(f"in {row[5]}, not {country}")
    if near is not None:
        km = geodesic(near, (row[3], row[4])).km
        factor *= 1.0 if km < 150 else (0.9 if km < 400 else 0.75)
        reasons.append(f"{km:.0f} km from the context")
    score = similarity * factor
    return Scored(row[:12], score, score + 0.1 * row[9], "; ".join(reasons))
