"""Resolve a place name as a report writes it to ranked gazetteer candidates.

Candidates come from the name's skeleton (exact), then from similar skeletons
(rapidfuzz) when the exact key finds nothing good. Each candidate is scored by
name similarity, then weighed by the kind of place the query implies ("air base",
"province"), an optional country hint and nearness to a context point; importance
(population, kind) breaks ties.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import marshal
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from rapidfuzz import fuzz, process

from geomap.gazetteer import index, normalize
from geomap.gazetteer.learned import LearnedPlaces, merge_learned
from geomap.gazetteer.ranking import (
    ACROSS_BORDER,
    ACROSS_MIN,
    IMPORTANCE_WEIGHT,
    OTHER_COUNTRY,
    POPULATED,
    Scored,
    name_similarity,
    score_candidate,
    settle,
)

MATCH_THRESHOLD = 0.6
CONFIDENT = 0.5  # a match scoring under this is tentative: the best the index holds, in doubt
MAX_CANDIDATES = 5
MAX_QUERY_LENGTH = 300
FUZZY_CUTOFF = 72
CACHE_SIZE = 50_000
ROWS_CACHE_SIZE = 20_000   # names rows per skeleton key, kept between queries
SHORTLIST = 25
FULLY_SCORED = 8  # at least the answer, its rivals (ranking.MAX_RIVALS) and the candidates shown
STRONG = 0.7  # a name this similar ends the search: no look-up of similar keys
PART_OF_PLACE = 0.9  # "Aden-Sira" answered with Aden: right place, less exact
# "Aden-Sira", "Beirut - Ras Beirut": a head of 3+ letters (not an article: "Ar-Raqqa").
_COMPOUND = re.compile(r"^\s*(?P<head>[^\W\d][^-\u2013]{2,}?)\s*[-\u2013]\s*\S")


class Resolver:
    """Thread-safe look-ups over a built gazetteer index (read-only)."""

    def __init__(self, path: Path, learned: LearnedPlaces | None = None):
        self.path = Path(path)
        self.learned = LearnedPlaces() if learned is None else learned
        self._local = threading.local()

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA mmap_size = 1073741824")  # the whole index
            conn.execute("PRAGMA cache_size = -65536")
            self._local.conn = conn
        return conn

    def resolve(self, query: str, country: str | None = None, near=None, *,
                calibrated: bool = True) -> dict:
        """The gazetteer answer for one name: best match (or None) and up to 5 candidates.

        ``calibrated``: scores are chances that the place is the one meant, tentative
        readings lowered (evidence.py); False gives the name's evidence alone, for a caller
        that weighs a report's own geography.
        """
        country = country.upper() if country else None
        generation = self.learned.refresh()
        if not getattr(self._local, "reading", False):
            self._check_index()
        if near is not None:
            return answer_of(query, self._rank(query, country, tuple(near)), calibrated)
        top, matched = self._cached_top(query, country, generation, calibrated)
        candidates = [dict(candidate) for candidate in top]  # the caller's own copies
        return {"query": query, "match": candidates[0] if matched else None,
                "candidates": candidates}

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Resolve many names as one read of the index: one check that no other connection
        changed it, and one read transaction (one lock of the file, not one a statement)
        for all their look-ups. A writer waits for the read to end: keep it short."""
        if getattr(self._local, "reading", False):
            yield
            return
        conn = self.conn
        conn.execute("BEGIN")
        try:
            self._check_index()
            self._local.reading = True
            yield
        finally:
            self._local.reading = False
            conn.execute("COMMIT")

    def _check_index(self) -> None:
        """Forget what was read from the index when another connection changed it (an import)."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != getattr(self._local, "version", version):
            for cached in (self._cached_top, self._rows_for_keys, self._similar_keys):
                cached.cache_clear()
        self._local.version = version

    def candidates(self, query: str, country: str | None = None, near=None) -> list[Scored]:
        """All scored candidates for a query, best first."""
        self.learned.refresh()
        self._check_index()
        return self._rank(query, country.upper() if country else None,
                          None if near is None else tuple(near))

    @functools.lru_cache(maxsize=CACHE_SIZE)  # noqa: B019 (one resolver lives as long as its index)
    def _cached_top(self, query: str, country: str | None, generation: int,
                    calibrated: bool) -> tuple[tuple[dict, ...], bool]:
        # Plain dicts, not Scored objects, are kept: a cache of thousands of objects that the
        # garbage collector has to walk made every query slower. ``generation`` is in the
        # key: answers change when the learned places do.
        answer = answer_of(query, self._rank(query, country, None), calibrated)
        return tuple(answer["candidates"]), answer["match"] is not None

    def _rank(self, query: str, country: str | None, near) -> list[Scored]:
        ranked = self._rank_name(query, country, near)
        head = compound_head(query)
        if head and (not ranked or ranked[0].score < STRONG):
            ranked = self._with_head(ranked, head, query, country, near)
        return ranked

    def _with_head(self, ranked: list[Scored], head: str, query: str, country, near) -> list[Scored]:
        """ACLED's "City-Neighbourhood" ("Aden-Sira"): the city, when the whole is unknown."""
        found = self._rank_name(head, country, near)[:1]
        if not found or found[0].score < STRONG or found[0].feature not in POPULATED:
            return ranked
        found[0].weigh(PART_OF_PLACE, f"'{query}' read as a part of {found[0].place[2]}")
        return sorted(found + ranked, key=lambda s: (-s.rank, s.place[1]))

    def _rank_name(self, query: str, country: str | None, near) -> list[Scored]:
        forms = query_forms(query)
        closest = self._closest_names(forms, [(form, [form.key], form.norm) for form in forms])
        if not any(similarity >= STRONG for similarity, _, _ in closest.values()):
            closest.update(self._closest_names(forms, self._similar_keys_of(forms)))
        # Only the closest names are weighed in full: weights never raise a score.
        shortlist = sorted(closest.values(), key=lambda c: c[0] - IMPORTANCE_WEIGHT * c[2][1],
                           reverse=True)[:SHORTLIST]
        scored = _score_the_best(shortlist, country, near)
        scored = merge_learned(scored, self.learned.scored(forms, country, near))
        ranked = sorted(scored, key=lambda s: (-s.rank, s.place[1]))
        return settle(ranked, next((form.kind for form in forms if form.kind), None))

    def _closest_names(self, forms, keys_by_form) -> dict[int, tuple]:
        """The most similar stored name of each place found under the given keys."""
        closest: dict[int, tuple] = {}
        for form, keys, norm in keys_by_form:
            known: dict[str, float] = {}  # many places share a name: compare it once
            for row in self._names_for_keys(keys, norm):
                similarity = known.get(row[3])
                if similarity is None:
                    similarity = known[row[3]] = name_similarity(form, row)
                best = closest.get(row[0])
                if best is None or similarity > best[0]:
                    closest[row[0]] = (similarity, form, row)
        return closest

    def _similar_keys_of(self, forms: list[QueryForm]) -> list[tuple[QueryForm, list[str]]]:
        if not forms:
            return []
        form = forms[1] if len(forms) > 1 and forms[1].kind else forms[0]
        if form.key.startswith(("u:", "code:")):
            return []
        return [(form, self._similar_keys(form.key), "")]

    def _names_for_keys(self, keys: list[str], norm: str = "") -> tuple[tuple, ...]:
        """Names rows (index.NAME_COLUMNS) of the keys, most important first, each with its
        place's country and places row appended (index.pack_rows)."""
        if not keys:
            return ()
        return self._rows_for_keys(tuple(keys), norm[:index.START_LETTERS])

    @functools.lru_cache(maxsize=ROWS_CACHE_SIZE)  # noqa: B019 (spellings of one name share keys)
    def _rows_for_keys(self, keys: tuple[str, ...], start: str) -> tuple[tuple, ...]:
        if len(keys) == 1:
            rows = self._packed(keys[0], "")
        else:
            rows = index.first_of_keys(self._packed(key, "") for key in keys)
        if len(rows) == index.KEY_ROWS and start:
            # A short key is shared by thousands of names: add those spelt alike at the start.
            rows += self._packed(keys[0], start)
        return rows

    def _packed(self, key: str, start: str) -> tuple[tuple, ...]:
        """A key's names rows (or those starting with ``start``) as the index packed them."""
        found = self.conn.execute("SELECT rows FROM key_rows WHERE key = ? AND start = ?",
                                  (key, start)).fetchone()
        return marshal.loads(found[0]) if found else ()

    @functools.lru_cache(maxsize=ROWS_CACHE_SIZE)  # noqa: B019
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


def _score_the_best(shortlist: list[tuple], country, near) -> list[Scored]:
    """The shortlist's candidates scored in full, best first by what they could score at most,
    until FULLY_SCORED are known to rank above every one left (a names row packs its place's
    country, ``row[8]``, and its rank is minus the place's importance)."""
    bounded = sorted(((similarity * _most_for_country(similarity, row[8], country)
                       - IMPORTANCE_WEIGHT * row[1], similarity, form, row)
                      for similarity, form, row in shortlist if row[9] is not None),
                     key=lambda b: b[0], reverse=True)
    scored: list[Scored] = []
    ranks: list[float] = []  # the FULLY_SCORED best ranks so far, least first
    for bound, similarity, form, row in bounded:
        if len(ranks) == FULLY_SCORED and bound < ranks[0]:
            break
        candidate = score_candidate(index.place_of(row), row, form, similarity, country, near)
        scored.append(candidate)
        if len(ranks) < FULLY_SCORED:
            heapq.heappush(ranks, candidate.rank)
        else:
            heapq.heappushpop(ranks, candidate.rank)
    return scored


def _most_for_country(similarity: float, place_country: str | None, country: str | None) -> float:
    """The most a country hint leaves of a score (ranking.score_candidate)."""
    if not country or place_country == country:
        return 1.0
    return ACROSS_BORDER if similarity >= ACROSS_MIN else OTHER_COUNTRY


class QueryForm:
    """One way of reading the query: its normal form, skeleton key and implied kind, with the
    loose form and vowel pattern that every stored name found is compared with (computed
    once; a plain class with slots: one or two are made for every query)."""

    __slots__ = ("norm", "key", "kind", "loose", "vowels", "code")

    def __init__(self, norm: str, key: str, kind: str | None):
        self.norm, self.key, self.kind = norm, key, kind
        self.code = key.startswith("code:")  # an airport's code: matched exactly or not at all
        self.loose = normalize.loose_form(norm)
        self.vowels = normalize.vowel_pattern(norm)

    def __repr__(self) -> str:
        return f"QueryForm({self.norm!r}, {self.key!r}, {self.kind!r})"


def answer_of(query: str, ranked: list[Scored], calibrated: bool = True) -> dict:
    """The gazetteer answer (DESIGN.md) from ranked candidates."""
    top = [c.as_dict(calibrated) for c in ranked[:MAX_CANDIDATES]]
    # The match is decided on the name's evidence; a tentative one reports a lower score.
    match = top[0] if top and ranked[0].score >= MATCH_THRESHOLD else None
    return {"query": query, "match": match, "candidates": top}


def compound_head(query: str) -> str | None:
    """The place before the hyphen of an ACLED-style "City-Neighbourhood" name, or None."""
    if "-" not in query and "\u2013" not in query:
        return None  # most names: the pattern need not be tried
    match = _COMPOUND.match(query)
    if match is None or match.group("head").split()[-1].lower() in normalize.ARTICLES:
        return None  # "Jabal al-Zawiyah": the hyphen joins an article to its name
    return match.group("head")


def query_forms(query: str) -> list[QueryForm]:
    """The query as written, without its kind words, as a code, and in its own script."""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if not query:
        return []
    if not normalize.is_latin(query):
        return [QueryForm(query, normalize.script_key(query), None)]
    full, core, kind = normalize.name_forms(query)
    forms = [QueryForm(full, normalize.skeleton_of_normal(full), None)]
    if kind and core and core != full:
        forms.append(QueryForm(core, normalize.skeleton_of_normal(core), kind))
    if query.isalnum() and query.isupper() and len(query) in (3, 4):
        forms.append(QueryForm(query.lower(), "code:" + query, None))
    return forms
