"""How the PostGIS store loads many features: batches made ahead in a thread, each
written with COPY in its own transaction.

The server and the client each spend about as long on a batch (PostgreSQL parsing the
rows and keeping five indexes; Python validating the features), so a thread validates
the next batch while the server writes this one: with two cores, the two overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from queue import Empty, Full, Queue
from typing import TypeVar

import psycopg

from geomap.store.base import AddResult, same_content
from geomap.store.batches import validated_batch
from geomap.store.postgis_accounts import mark_created
from geomap.store.postgis_learned import learn
from geomap.store.postgis_write import copy_rows, deleted_ids, existing

T = TypeVar("T")
_POLL = 0.1


def iter_batches(features: Iterable[Mapping], size: int,
                 prepare: Callable[[dict], tuple]) -> Iterator[tuple[list, list]]:
    """(prepared, refused) of each ``size`` features in turn (see validated_batch)."""
    items = enumerate(features)
    while True:
        prepared, refused, more = validated_batch(items, size, prepare)
        yield prepared, refused
        if not more:
            return


def read_ahead(items: Iterable[T]) -> Iterator[T]:
    """Yield ``items`` while a thread makes the next one; its error is raised here.

    At most one item waits made, so memory stays that of two or three items; a consumer
    that stops early stops the thread after the item it is making.
    """
    queue: Queue = Queue(maxsize=1)
    stop = threading.Event()
    thread = threading.Thread(target=_fill, args=(items, queue, stop), daemon=True,
                              name="geomap-read-ahead")
    thread.start()
    try:
        while True:
            done, item, error = _take(queue, thread)
            if error is not None:
                raise error
            if done:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _fill(items: Iterable, queue: Queue, stop: threading.Event) -> None:
    try:
        for item in items:
            if not _put(queue, stop, (False, item, None)):
                return
        _put(queue, stop, (True, None, None))
    except BaseException as error:  # handed to the consumer, raised there
        _put(queue, stop, (True, None, error))


def _put(queue: Queue, stop: threading.Event, entry: tuple) -> bool:
    while not stop.is_set():
        try:
            queue.put(entry, timeout=_POLL)
            return True
        except Full:
            continue
    return False


def _take(queue: Queue, thread: threading.Thread) -> tuple:
    while True:
        try:
            return queue.get(timeout=_POLL)
        except Empty:
            if not thread.is_alive() and queue.empty():
                raise RuntimeError("the read-ahead thread ended without a word") from None


def write_batch(conn: psycopg.Connection, prepared: list, result: AddResult,
                skip_deleted: bool, author: str | None = None) -> int:
    """Write one batch in a transaction; again if another writer stored one of its ids."""
    for attempt in range(3):
        counted = AddResult()
        try:
            with conn.transaction():
                fresh = select_fresh(conn, prepared, counted, skip_deleted)
                copy_rows(conn, [row for _, row in fresh])
                learn(conn, [feature for feature, _ in fresh])
                if author is not None:
                    mark_created(conn, [feature["id"] for feature, _ in fresh], "create", author)
        except psycopg.errors.UniqueViolation:
            if attempt == 2:
                raise
            continue
        result.skipped += counted.skipped
        result.refused.extend(counted.refused)
        return len(fresh)
    return 0


def select_fresh(conn: psycopg.Connection, prepared: list, result: AddResult,
                 skip_deleted: bool) -> list[tuple[dict, tuple]]:
    """The prepared (feature, row) not stored yet; count the known, refuse the changed."""
    ids = [feature["id"] for _, feature, _ in prepared]
    known = existing(conn, ids)
    if skip_deleted:
        gone = deleted_ids(conn, sorted(set(ids) - set(known)))
        result.skipped += sum(incident_id in gone for incident_id in ids)
        prepared = [item for item in prepared if item[1]["id"] not in gone]
    fresh = []
    for position, feature, row in prepared:
        stored = known.setdefault(feature["id"], feature)
        if stored is feature:
            fresh.append((feature, row))
        elif same_content(stored, feature):
            result.skipped += 1
        else:
            result.refused.append((position, "id", f"{feature['id']!r} is stored with "
                                   "different content; update it instead"))
    return fresh

