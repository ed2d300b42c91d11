"""Learned places in the resolver: names and points that stored incidents taught.

The incident store keeps them (``IncidentStore.learned_places``); the gazetteer is given a
function that reads them and keeps them by skeleton key in memory, read again when they
change. A learned place is a candidate like any other, weighed by the same rules (name,
country hint, context, ambiguity); it counts as a well-known place, so that it wins over
an embedded namesake far away, and it yields to the embedded record of the same place
(within SAME_PLACE_KM), which then says that stored incidents confirm it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from geomap.gazetteer import normalize
from geomap.gazetteer.ranking import Scored, km_between, name_similarity, score_candidate

LEARNED_IMPORTANCE = 0.9  # like a large town: what analysts coded beats a far namesake
SAME_PLACE_KM = 10.0      # an embedded place this close is the same place
SAME_PLACE_MARGIN = 0.05
RELOAD_SECONDS = 10.0     # how stale the learned places may be in a long-running process
LEARNED_FEATURE = "village"


@dataclass(frozen=True)
class LearnedEntry:
    """One learned place, as the resolver scores it: a names row and a places row."""

    row: tuple    # (place, rank, name, norm, kind, key, loose, vowels), as the index's names
    place: tuple  # (id, gid, name, lat, lon, country, admin1, feature, population, importance,
                  #  source, note, skeleton), as the index's places table


def entry_of(number: int, learned) -> LearnedEntry | None:
    """The resolver's rows for one learned place (any object with its fields), or None."""
    full, core, kind = normalize.name_forms(learned.name)
    if not full:
        return None
    gid = f"learned:{learned.country or 'XX'}:{learned.lat:.5f},{learned.lon:.5f}"
    source = f"learned:{learned.source}"
    note = f"learned from {learned.count} stored incident{'' if learned.count == 1 else 's'}"
    key = normalize.skeleton_of_normal(full)
    place = (-number, gid, learned.name, learned.lat, learned.lon, learned.country or None,
             learned.admin1, LEARNED_FEATURE, 0, LEARNED_IMPORTANCE, source, note, key)
    row = (-number, -LEARNED_IMPORTANCE, learned.name, full, None, key,
           normalize.loose_form(full), normalize.vowel_pattern(full))
    return LearnedEntry(row, place)


class LearnedPlaces:
    """The learned places by skeleton key, read from ``source`` and read again when stale."""

    def __init__(self, source: Callable[[], Iterable] | None = None):
        self.source = source
        self.generation = 0
        self._by_key: dict[str, list[LearnedEntry]] = {}
        self._rows: list = []
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def refresh(self, *, force: bool = False) -> int:
        """Read the learned places again when stale (or ``force``); the generation after."""
        if self.source is None or (not force and time.monotonic() - self._read_at < RELOAD_SECONDS):
            return self.generation
        with self._lock:
            rows = list(self.source())
            self._read_at = time.monotonic()
            if rows != self._rows:
                self._rows, self._by_key = rows, _by_key(rows)
                self.generation += 1
        return self.generation

    def scored(self, forms, country: str | None, near) -> list[Scored]:
        """Each learned place whose skeleton matches a reading of the query, scored."""
        found: dict[int, Scored] = {}
        for form in forms:
            for entry in self._by_key.get(form.key, ()):
                similarity = name_similarity(form, entry.row)
                scored = score_candidate(entry.place, entry.row, form, similarity, country, near)
                scored.note(f"{entry.place[11]} ({entry.place[10]})")
                if entry.place[0] not in found or scored.score > found[entry.place[0]].score:
                    found[entry.place[0]] = scored
        return list(found.values())


def _by_key(rows: list) -> dict[str, list[LearnedEntry]]:
    by_key: dict[str, list[LearnedEntry]] = {}
    for number, learned in enumerate(rows, 1):
        entry = entry_of(number, learned)
        if entry is not None:
            by_key.setdefault(entry.row[5], []).append(entry)
    return by_key


def merge_learned(scored: list[Scored], learned: list[Scored]) -> list[Scored]:
    """The embedded candidates with the learned ones that are not the same place."""
    for candidate in learned:
        same = next((s for s in scored if s.score >= candidate.score - SAME_PLACE_MARGIN
                     and km_between(s.point, candidate.point) <= SAME_PLACE_KM), None)
        if same is None:
            scored.append(candidate)
        else:
            same.note(f"confirmed: {candidate.place[11]}")
    return scored
