"""Move every incident, every kept version, the learned places, the users with their API
tokens, the redirects of merged incidents and the shared secrets from one store to
another, nothing lost.

``migrate_store`` streams the features (every layer) into the target in batches, then
the history in one transaction, then each kind of record (``geomap.store.records``),
and proves the copy: counts and SHA-256 checksums of both stores, computed the same way
from each store's public interface, must agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from geomap.errors import ConflictError
from geomap.query import IncidentQuery
from geomap.store import IncidentStore
from geomap.store.records import RECORD_TABLES

EVERYTHING = IncidentQuery(layer=None, limit=None, sort="id")


@dataclass(frozen=True)
class StoreDigest:
    """How many features and versions a store holds, and a checksum of each."""

    features: int
    features_sha256: str
    versions: int
    versions_sha256: str
    #: (kind, count, sha256) of each kind of record, in RECORD_TABLES' order.
    records: tuple[tuple[str, int, str], ...] = ()


def get_digest(store: IncidentStore) -> StoreDigest:
    """Counts and checksums of a store's features (by id), history (oldest first) and
    records (by key)."""
    features, feature_sum = _digest(store.iter_features(EVERYTHING))
    versions, version_sum = _digest(store.iter_history())
    records = tuple((kind, *_digest(store.iter_records(kind))) for kind in RECORD_TABLES)
    return StoreDigest(features, feature_sum, versions, version_sum, records)


def _digest(items: Iterable[dict]) -> tuple[int, str]:
    sha, count = hashlib.sha256(), 0
    for item in items:
        sha.update(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))
        sha.update(b"\n")
        count += 1
    return count, sha.hexdigest()


def migrate_store(source: IncidentStore, target: IncidentStore) -> tuple[StoreDigest, StoreDigest]:
    """Copy ``source`` into ``target`` and return both digests; ConflictError if they differ.

    The target must hold nothing, or be an earlier, interrupted copy of this source: the
    features already there are skipped, and the history is written once.
    """
    before = get_digest(source)
    target_history = sum(1 for _ in target.iter_history())
    if target_history not in (0, before.versions):
        raise ConflictError(f"the target already holds {target_history} other versions: "
                            "migrate into an empty store")
    result = target.add_many(source.iter_features(EVERYTHING))
    if result.refused:
        position, field, message = result.refused[0]
        raise ConflictError(f"the target refused {len(result.refused)} features (first: "
                            f"{field}: {message}): migrate into an empty store")
    if target_history == 0:
        target.add_history(source.iter_history())
    copy_learned_places(source, target)
    for kind in RECORD_TABLES:
        target.add_records(kind, source.iter_records(kind))
    after = get_digest(target)
    if after != before:
        raise ConflictError(f"the copy differs from the source: {before} against {after}")
    return before, after


def copy_learned_places(source: IncidentStore, target: IncidentStore) -> int:
    """Make the target's learned places the source's (the copied features taught the
    target their own, without the source's corrections and removals); how many."""
    for name in sorted({place.name for place in target.learned_places()}):
        target.remove_learned_place(name)
    copied = target.add_learned_places(source.learned_places())
    if target.learned_places() != source.learned_places():
        raise ConflictError("the learned places of the copy differ from the source's")
    return copied
