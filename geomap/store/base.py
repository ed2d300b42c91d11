"""The small interface every incident store implements, and what backends share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import orjson

from geomap.aggregate import (
    aggregate_answer,
    cell_size,
    divisions_answer,
    feature_bucket_rows,
    feature_cell_rows,
    feature_division_rows,
    fold_cells,
    fold_divisions,
    histogram_answer,
)
from geomap.errors import NotFoundError, StorageFullError, ValidationError
from geomap.incident import PROPERTIES
from geomap.query import IncidentQuery
from geomap.store.learned import LearnedPlace

#: Properties that record when a version was written, not what it says.
TIMESTAMPS = ("created_at", "updated_at")


@dataclass(frozen=True)
class PageRows:
    """One page of stored JSON features, how many match in all, and whether the query's
    layer holds incidents (always true when the page is not empty)."""

    features: list[bytes]
    matched: int
    layer_stored: bool


@dataclass
class AddResult:
    """What ``add_many`` did: counts, and each refused input as (position, field, message).

    ``position`` is the 0-based index of the feature in the iterable given.
    """

    added: int = 0
    skipped: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)


@runtime_checkable
class PreparableFeatures(Protocol):
    """Features for ``add_many`` that can also be read and prepared somewhere else.

    A store may, instead of iterating them, call ``prepared(prepare, size)``: it yields,
    batch after batch, what ``prepare(items, size)`` returns for the next ``size`` items
    ``(position, feature)``, as ``(prepared, refused, more)`` with ``more`` False at the
    last batch; ``prepare`` is the store's picklable function (a worker process may run
    it). Positions count from 0 either way. A store that does not know this iterates.
    """

    def __iter__(self) -> Iterator[Mapping]: ...

    def prepared(self, prepare: Callable, size: int) -> Iterator[tuple[list, list, bool]]: ...


class IncidentStore(ABC):
    """Incidents kept as GeoJSON Features; every read goes through an IncidentQuery."""

    @abstractmethod
    def add(self, feature: Mapping, *, author: str | None = None, action: str = "create") -> dict:
        """Validate and store one feature; an identical stored copy is returned as is.

        With an ``author`` the history records who created (``action`` "create") or
        restored ("revert") it, and when.
        """

    @abstractmethod
    def add_all(self, features: Sequence[Mapping], *, author: str | None = None) -> list[dict]:
        """Validate and store every feature in one transaction, or none of them.

        Each is returned as stored (an identical stored copy as is); a feature whose id is
        stored, or given twice, with different content raises ConflictError naming it, and
        nothing is stored. With an ``author`` the history records who created each new one.
        """

    @abstractmethod
    def add_many(self, features: Iterable[Mapping], *, skip_deleted: bool = False,
                 author: str | None = None) -> AddResult:
        """Store many features, one transaction per batch; refuse bad ones, skip known ones.

        A killed writer leaves whole batches only, so running it again completes the load.
        ``skip_deleted`` also skips features whose id was deleted, rejected or merged away
        (a re-ingest must not bring back what an analyst removed). With an ``author`` the
        history records who created each new feature. How big a batch is, and any faster
        path for a large load, is the backend's own tuning, set when it is opened;
        ``features`` that are PreparableFeatures may be prepared where they are read.
        """

    @contextmanager
    def importing(self) -> Iterator[None]:
        """Around the add_many calls of one large import: a backend may put off keeping
        some indexes until its end (reads stay right meanwhile, if slower)."""
        yield

    @abstractmethod
    def find(self, incident_id: str) -> dict | None:
        """The stored feature, or None."""

    def get(self, incident_id: str) -> dict:
        """The stored feature; NotFoundError when there is none."""
        feature = self.find(incident_id)
        if feature is None:
            raise NotFoundError(f"no incident {incident_id!r}")
        return feature

    @abstractmethod
    def update(self, incident_id: str, patch: Mapping, *, author: str | None = None,
               action: str = "update", reason: str | None = None) -> dict:
        """Merge a patch (Feature-shaped or bare properties) and keep the old version.

        ``action`` (update, publish, revert) and ``reason`` are recorded with it.
        """

    @abstractmethod
    def history(self, incident_id: str) -> list[dict]:
        """History rows, oldest first: action, author, recorded_at, reason and feature.

        A row with a feature holds the version that its action replaced or removed; a row
        whose feature is None records who created or restored the version after it
        (``geomap.services.history`` turns the rows into numbered versions).
        """

    @abstractmethod
    def iter_history(self) -> Iterator[dict]:
        """Stream every history row of every incident, oldest first: id, action, author,
        recorded_at, reason and feature (deleted incidents included), for moving a store."""

    @abstractmethod
    def add_history(self, entries: Iterable[Mapping]) -> int:
        """Append history rows shaped as ``iter_history`` gives them, in one transaction."""

    @abstractmethod
    def delete(self, incident_id: str, *, author: str | None = None, action: str = "delete",
               reason: str | None = None) -> None:
        """Remove a feature, keeping its last version in the history (action delete or reject)."""

    @abstractmethod
    def merge(self, survivor_id: str, patch: Mapping, merged_ids: Iterable[str], *,
              author: str | None = None) -> dict:
        """In one transaction: patch the survivor, remove the others (action ``merged``,
        reason naming the survivor) and redirect their ids to it."""

    @abstractmethod
    def find_redirect(self, incident_id: str) -> str | None:
        """The id an incident was merged into (followed to the end), or None."""

    @abstractmethod
    def query(self, query: IncidentQuery) -> list[dict]:
        """The features matching ``query``, in its order, one page of them."""

    def query_json(self, query: IncidentQuery) -> list[bytes]:
        """The features of ``query(query)`` as JSON bytes, for a web layer to frame."""
        return [orjson.dumps(feature) for feature in self.query(query)]

    def page_json(self, query: IncidentQuery) -> PageRows:
        """One page of ``query`` (it has a limit) as JSON bytes with the match count, counted
        only when the page does not tell; a backend may answer it all in one round trip."""
        return self._page_rows(query, self.query_json(query))

    def _page_rows(self, query: IncidentQuery, features: list[bytes],
                   matched: int | None = None) -> PageRows:
        """PageRows of a page read as ``features``, with the match count ``matched`` when
        the caller counted already, else counted here only when the page does not tell."""
        if matched is None:
            returned = len(features)
            if 0 < returned < query.limit or (returned == 0 and query.offset == 0):
                matched = query.offset + returned
            else:
                matched = self.count(query)
        stored = bool(features) or query.layer is None or any(
            layer["id"] == query.layer for layer in self.layers())
        return PageRows(features, matched, stored)

    @abstractmethod
    def count(self, query: IncidentQuery) -> int:
        """How many features match ``query``, ignoring limit and offset."""

    @abstractmethod
    def iter_features(self, query: IncidentQuery) -> Iterator[dict]:
        """Stream the matches in constant memory (use ``query.unpaged()`` for all)."""

    @abstractmethod
    def iter_feature_json(self, query: IncidentQuery) -> Iterator[bytes]:
        """Stream each match's stored JSON bytes, for fast downloads."""

    def aggregate(self, query: IncidentQuery, zoom: int) -> dict:
        """Counts per map cell for ``zoom`` of every match (geomap.aggregate's contract).

        This default folds every match; a backend overrides it with its own summaries.
        """
        size = cell_size(zoom, query.bbox)
        rows = feature_cell_rows(self.iter_features(query.unpaged()), size)
        return aggregate_answer(fold_cells(rows), size, zoom)

    def admin1_counts(self, query: IncidentQuery) -> dict:
        """Counts per (country, admin1) of every match, by event type, each at its matches'
        mean centre (geomap.aggregate.divisions_answer); they sum to ``count(query)``.

        This default folds every match; a backend overrides it with its own summaries.
        """
        rows = feature_division_rows(self.iter_features(query.unpaged()))
        return divisions_answer(fold_divisions(rows))

    def actors(self, layer: str, text: str | None = None, limit: int = 20) -> list[dict]:
        """The actors (actor1 or actor2) of a layer whose name holds ``text`` (as the actor
        filter matches), each with how many incidents name it: most named first, then by name.

        This default counts every match; a backend overrides it with a summary.
        """
        counts: dict[str, int] = {}
        for feature in self.iter_features(IncidentQuery(layer=layer, actor=text, limit=None)):
            p = feature["properties"]
            for name in dict.fromkeys(n for n in (p["actor1"], p["actor2"]) if n):
                if text is None or text.lower() in name.lower():
                    counts[name] = counts.get(name, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [{"name": name, "count": count} for name, count in ranked[:limit]]

    def histogram(self, query: IncidentQuery, interval: str) -> dict:
        """Counts and fatalities per day, week or month of every match, by event type."""
        rows = feature_bucket_rows(self.iter_features(query.unpaged()), interval)
        return histogram_answer(rows, interval)

    @abstractmethod
    def layers(self) -> list[dict]:
        """Each layer holding incidents, by id: id, count, bbox and time_extent [first, last].

        Titles and the always-listed default layer are the read service's
        (``geomap.services.incidents.list_layers``), not the backend's.
        """

    def written_position(self) -> str | None:
        """Where this context's last write reached, for read-your-writes on replicas
        (None for a store without replicas)."""
        return None

    def reading_after(self, position: str | None) -> AbstractContextManager:
        """A block whose reads see every write up to ``position`` (a no-op without replicas)."""
        return nullcontext()

    # --- accounts: users, API token digests and failed logins ----------------------------

    @abstractmethod
    def iter_records(self, kind: str) -> Iterator[dict]:
        """Every record of a kind (``geomap.store.records``: users with their password hash
        and session epoch, api_tokens, redirects, secrets) as column -> value, by key."""

    @abstractmethod
    def add_records(self, kind: str, rows: Iterable[Mapping]) -> int:
        """Write records shaped as ``iter_records`` gives them, as they are (a record of the
        same key is replaced), in one transaction; how many."""

    @abstractmethod
    def add_user(self, name: str, role: str, password_hash: str | None) -> dict:
        """Create a user; ConflictError when the name is taken."""

    @abstractmethod
    def update_user(self, name: str, *, role: str | None = None,
                    password_hash: str | None = None, end_sessions: bool = False) -> dict:
        """Change a user's role or password hash; ``end_sessions`` ends every open session."""

    @abstractmethod
    def find_user(self, name: str) -> dict | None:
        """name, role, password_hash, session_epoch and created_at of a user, or None."""

    @abstractmethod
    def users(self) -> list[dict]:
        """Every user (without the password hash), by name."""

    @abstractmethod
    def remove_user(self, name: str) -> None:
        """Delete a user and their tokens; NotFoundError when there is none."""

    @abstractmethod
    def add_token(self, name: str, digest: str) -> None:
        """Keep the digest of a new API token of the user."""

    @abstractmethod
    def find_token_user(self, digest: str) -> dict | None:
        """The user (as find_user) owning the token with this digest, or None."""

    @abstractmethod
    def revoke_tokens(self, name: str) -> int:
        """Delete every token of the user; how many there were."""

    @abstractmethod
    def note_login_failure(self, name: str, at: str) -> None:
        """Record a failed login for ``name`` at ``at`` (ISO 8601 UTC)."""

    @abstractmethod
    def count_login_failures(self, name: str, since: str) -> int:
        """How many logins for ``name`` failed at or after ``since``."""

    @abstractmethod
    def clear_login_failures(self, name: str) -> None:
        """Forget the failed logins of ``name`` (after a successful one)."""

    @abstractmethod
    def shared_secret(self, name: str) -> str:
        """A random secret kept in the store under ``name``, made by the first caller."""

    @abstractmethod
    def learned_places(self) -> list[LearnedPlace]:
        """Every place learned from stored incidents (see ``geomap.store.learned``), by name.

        Each write learns, in its own transaction: a stored incident with a location and a
        point the gazetteer did not give it adds (or counts) its name at that point; a
        deleted one, or one an analyst moved or renamed, counts one fewer at the old point,
        and the correction is learned with source ``analyst``.
        """

    @abstractmethod
    def add_learned_places(self, places: Iterable[LearnedPlace]) -> int:
        """Add learned places as given (counts add up), in one transaction; how many.

        For moving learned places between stores (``geomap migrate-store``).
        """

    @abstractmethod
    def remove_learned_place(self, name: str, country: str | None = None) -> int:
        """Forget the learned places of this name, any case (in this country); how many."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""

    def __enter__(self) -> IncidentStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def counted_on_full(result: AddResult, bulk: bool) -> Iterator[None]:
    """A StorageFullError says how many features were committed before it (none in bulk)."""
    try:
        yield
    except StorageFullError as exc:
        exc.added = 0 if bulk else result.added
        raise


def same_content(a: Mapping, b: Mapping) -> bool:
    """Whether two parsed features say the same thing, whenever they were written."""
    return _without_timestamps(a) == _without_timestamps(b)


def _without_timestamps(feature: Mapping) -> dict:
    properties = {k: v for k, v in feature["properties"].items() if k not in TIMESTAMPS}
    return {**feature, "properties": properties}


def merge_patch(stored: Mapping, patch: Mapping, *, updated_at: str) -> dict:
    """The stored feature with a patch applied, to be parsed again.

    A patch is Feature-shaped (``geometry`` replaces, ``properties`` merge) or a bare
    properties object. Within properties, null clears a contract field and removes an
    extra one (JSON Merge Patch). ``id`` and ``created_at`` cannot change.
    """
    if not isinstance(patch, Mapping):
        raise ValidationError("patch", "must be an object")
    shaped = patch.get("type") == "Feature" or "geometry" in patch or "properties" in patch
    changes = (patch.get("properties") or {}) if shaped else patch
    if not isinstance(changes, Mapping):
        raise ValidationError("properties", "must be an object")
    _check_same_id(stored["id"], patch.get("id") if shaped else None, changes.get("id"))
    properties = dict(stored["properties"])
    for key, value in changes.items():
        if value is None and key not in PROPERTIES:
            properties.pop(key, None)
        else:
            properties[key] = value
    properties["created_at"] = created_at = stored["properties"]["created_at"]
    properties["updated_at"] = max(updated_at, created_at)
    geometry = patch.get("geometry") if shaped and "geometry" in patch else stored["geometry"]
    return {"type": "Feature", "id": stored["id"], "geometry": geometry, "properties": properties}


def _check_same_id(stored_id: str, *given: object) -> None:
    for value in given:
        if value is not None and value != stored_id:
            raise ValidationError("properties.id", f"cannot change ({stored_id!r} to {value!r})")
