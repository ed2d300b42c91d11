"""The default store: one SQLite file (WAL) with a grid index for bboxes and FTS5 for text."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from contextlib import contextmanager, nullcontext
from pathlib import Path

import orjson

from geomap.aggregate import (
    aggregate_answer,
    cell_size,
    divisions_answer,
    fold_cells,
    fold_divisions,
    histogram_answer,
)
from geomap.errors import ConflictError, StorageFullError
from geomap.incident import parse_feature
from geomap.query import IncidentQuery
from geomap.store import sqlite_summaries
from geomap.store.base import (
    AddResult,
    IncidentStore,
    PageRows,
    PreparableFeatures,
    counted_on_full,
    same_content,
)
from geomap.store.batches import paused_gc
from geomap.store.learned import LearnedPlace
from geomap.store.sqlite_accounts import SQLiteAccounts
from geomap.store.sqlite_history import SQLiteHistory
from geomap.store.sqlite_indexes import (
    build_deferred,
    defer_indexes,
    has_deferred,
    has_grid_index,
    import_lock,
    rebuilt_indexes,
)
from geomap.store.sqlite_learned import (
    add_learned,
    iter_learned,
    learn,
    remove_learned,
)
from geomap.store.sqlite_prefix import PrefixSums, PrefixTables
from geomap.store.sqlite_query import PagePlan, count_sql, plan_page, select_sql, use_grid
from geomap.store.sqlite_schema import CACHE_KIB, connect, migrate
from geomap.store.sqlite_write import (
    bulk_settings,
    existing,
    iter_prepared_here,
    mark_created,
    prepare,
    prepare_batch,
    remove_incident,
    replace_incident,
    write_rows,
    write_transaction,
)

#: Features per add_many transaction, unless the store or the call says otherwise. Each
#: commit writes every index page the transaction touched, which for random keys is most
#: of each index: fewer, larger transactions write far less (bench_ingest_vs_gdal.py).
BATCH_SIZE = 20_000
#: While an import has put the indexes off (``importing``), its transactions start at the
#: store's batch size and double up to this: each one also writes every summary row and
#: learned place its features touch, which for a file of scattered points is near one row
#: a feature in a small transaction and far fewer in a large one.
IMPORT_BATCH_SIZE = 100_000
#: Features prepared (and held in memory) at a time; a transaction is made of whole pieces.
PIECE_SIZE = 5000
#: A sized input longer than this is loaded in one transaction (see ``add_many``).
BULK_MIN = 50_000
#: SQLite's page cache while add_many runs, in KiB (bench_import.py changes it): the
#: secondary indexes' pages are touched all over the file.
BULK_CACHE_KIB = 512 * 1024
#: ... and while an import has put those indexes off (``importing``): what is left to
#: touch at random (the id index, the text index, the summaries) needs far less, so the
#: importing process stays small whatever the file's size.
DEFERRED_CACHE_KIB = 64 * 1024

#: Helper threads SQLite's sorter may use to build the put-off indexes: the build is the
#: import's serial tail, and on a machine with a core free a second one halves its time.
SORT_THREADS = 1
#: The page cache while they are built, in KiB, which also bounds each sorting buffer: with
#: a helper the sorter holds one buffer more, so each is smaller (1,000,000 incidents: a
#: peak of 111 MiB against 143 with no helper and 64 MiB, 206 with a helper and 64 MiB).
SORT_CACHE_KIB = CACHE_KIB // (SORT_THREADS + 1)

log = logging.getLogger("geomap.store")
_LAYERS = ("SELECT layer, count, minlon, minlat, maxlon, maxlat, first_date, last_date "
           "FROM incident_layers ORDER BY layer")


class SQLiteStore(SQLiteHistory, SQLiteAccounts, IncidentStore):
    """Incidents in one SQLite file; each thread gets its own connection.

    SQLite's own tuning of ``add_many``: ``batch_size`` features per transaction, and
    ``bulk`` (True, False, or None: bulk for a sized input above BULK_MIN) for one
    transaction over the whole input with the indexes built once. Both can also be
    given to one ``add_many`` call.
    """

    def __init__(self, path: str | os.PathLike, *, batch_size: int = BATCH_SIZE,
                 bulk: bool | None = None):
        self.path = Path(path)
        self.batch_size, self.bulk = batch_size, bulk
        self._deferring = False  # an import (``importing``) has put indexes off
        self._import_batch = batch_size  # its next transaction's size
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._prefix_tables = PrefixTables()  # summed-area tables for counts (sqlite_prefix)
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.schema_version = migrate(self._conn())
            self._build_left_indexes()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # --- writing ------------------------------------------------------------------------

    def add(self, feature: Mapping, *, author: str | None = None, action: str = "create") -> dict:
        """Validate and store one feature; an identical stored copy is returned as is."""
        return self.add_all([feature], author=author, action=action)[0]

    def add_all(self, features: Sequence[Mapping], *, author: str | None = None,
                action: str = "create") -> list[dict]:
        """Validate and store every feature in one transaction, or none of them."""
        parsed = [parse_feature(feature) for feature in features]
        with self._writing() as conn:
            kept = {incident_id: stored for incident_id, (_, stored)
                    in existing(conn, [feature["id"] for feature in parsed]).items()}
            fresh = [feature for feature in parsed
                     if kept.setdefault(feature["id"], feature) is feature]
            for feature in parsed:
                if not same_content(kept[feature["id"]], feature):
                    raise ConflictError(f"incident {feature['id']!r} is stored with different "
                                        "content" + ("; nothing was stored" if len(parsed) > 1 else ""))
            write_rows(conn, [prepare(feature) for feature in fresh])
            learn(conn, fresh)
            ids = [feature["id"] for feature in fresh]
            conn.executemany("DELETE FROM incident_redirects WHERE id = ?", [(i,) for i in ids])
            if author is not None:
                mark_created(conn, ids, action, author)
        return [kept[feature["id"]] for feature in parsed]

    def add_many(self, features: Iterable[Mapping], *, skip_deleted: bool = False,
                 author: str | None = None, batch_size: int | None = None,
                 bulk: bool | None = None) -> AddResult:
        """Store many features, one transaction per batch; refuse bad ones, skip known ones.

        With ``bulk=True`` the whole input is one transaction, and a store of at most
        BULK_MIN incidents builds its indexes once, after the rows are in: much faster
        for a large import, but other writers wait until it commits. ``bulk=None`` means
        bulk for an input with a length above BULK_MIN. A killed process leaves whole
        transactions only. While SQLite writes one batch, the next one is parsed.
        ``skip_deleted`` skips features whose id was deleted, so a re-ingest does not undo
        an analyst's deletion (or rejection, or merge). With an ``author`` the history
        records who created each new feature. ``batch_size`` and ``bulk`` default to the
        store's settings (an import's transactions grow: IMPORT_BATCH_SIZE).
        """
        grow = batch_size is None and self._deferring
        batch_size = batch_size or self.batch_size
        bulk = self.bulk if bulk is None else bulk
        if bulk is None:
            bulk = isinstance(features, Sized) and len(features) > BULK_MIN
        result, conn = AddResult(), self._conn()
        cache_kib = DEFERRED_CACHE_KIB if self._deferring else BULK_CACHE_KIB
        with bulk_settings(conn, cache_kib), paused_gc(), counted_on_full(result, bulk):
            if bulk:
                with self._writing() as conn, rebuilt_indexes(conn, BULK_MIN):
                    self._write_batches(conn, features, batch_size, result, bulk=True,
                                        skip_deleted=skip_deleted, author=author)
            else:
                self._write_batches(conn, features, batch_size, result, bulk=False,
                                    skip_deleted=skip_deleted, author=author, grow=grow)
        result.refused.sort(key=lambda refusal: refusal[0])
        return result

    def _write_batches(self, conn: sqlite3.Connection, features: Iterable[Mapping],
                       batch_size: int, result: AddResult, *, bulk: bool,
                       skip_deleted: bool = False, author: str | None = None,
                       grow: bool = False) -> None:
        """Write ``batch_size`` features a transaction (all in one if ``bulk``; with
        ``grow``, the import's growing size), in pieces.

        The next piece is prepared while this one is written: where ``features`` are read
        (a worker process) when they are PreparableFeatures, else in a thread here (SQLite
        lets go of the GIL while it steps each row). Memory holds a piece or two; the
        transaction only grows SQLite's page cache.
        """
        size = min(batch_size, PIECE_SIZE)
        if isinstance(features, PreparableFeatures):
            pieces = features.prepared(prepare_batch, size)
        else:
            pieces = iter_prepared_here(features, size)
        more = True
        while more:
            if grow:
                batch_size = self._import_batch
                self._import_batch = min(2 * batch_size, IMPORT_BATCH_SIZE)
            with nullcontext() if bulk else self._writing():
                more, added = write_transaction(conn, pieces, batch_size, result,
                                                skip_deleted=skip_deleted, author=author)
            result.added += added

    @contextmanager
    def importing(self) -> Iterator[None]:
        """Around a large import's add_many calls: into an empty store, the secondary
        indexes are put off and built once at its end (see sqlite_indexes.py)."""
        with import_lock(self.path, wait=False) as locked:
            deferred = False
            if locked:
                with self._writing() as conn:
                    deferred = self._deferring = defer_indexes(conn)
                    self._import_batch = self.batch_size
            try:
                yield
            finally:
                self._deferring = False
                if deferred:
                    self._build_deferred_unless_full()

    def _build_deferred_unless_full(self) -> None:
        """Build the put-off indexes; on a full disk leave them listed (readers scan), for
        the next store to open the file with room to build them."""
        try:
            self._build_deferred()
        except StorageFullError:
            log.warning("%s: the disk is full: the indexes an import put off are built when "
                        "the store is next opened with room", self.path)

    def _build_deferred(self) -> None:
        """Build the put-off indexes without a map: reading the whole table then maps
        none of it into (and counts none of it in) this process; SQLite's sorter may
        sort in a second thread meanwhile (SORT_THREADS)."""
        with bulk_settings(self._conn(), SORT_CACHE_KIB, 0), self._writing() as conn:
            conn.execute(f"PRAGMA threads = {SORT_THREADS:d}")
            try:
                build_deferred(conn)
            finally:
                conn.execute("PRAGMA threads = 0")

    def _build_left_indexes(self) -> None:
        """Build the indexes that a killed import put off (none while one is running)."""
        if has_deferred(self._conn()):
            with import_lock(self.path, wait=False) as locked:
                if locked:
                    self._build_deferred()

    def _replace_in(self, conn, incident_id: str, patch: Mapping, author: str | None,
                    action: str, reason: str | None) -> dict:
        return replace_incident(conn, incident_id, patch, author, action, reason)

    def _remove_in(self, conn, incident_id: str, author: str | None, action: str,
                   reason: str | None) -> None:
        remove_incident(conn, incident_id, author, action, reason)

    # --- learned places -----------------------------------------------------------------

    def learned_places(self) -> list[LearnedPlace]:
        """Every place learned from stored incidents, by name."""
        return list(iter_learned(self._conn()))

    def add_learned_places(self, places: Iterable[LearnedPlace]) -> int:
        """Add learned places as given (counts add up), in one transaction; how many."""
        places = list(places)
        with self._writing() as conn:
            add_learned(conn, places)
        return len(places)

    def remove_learned_place(self, name: str, country: str | None = None) -> int:
        """Forget the learned places of this name (in this country); how many."""
        with self._writing() as conn:
            return remove_learned(conn, name, country)

    # --- reading ------------------------------------------------------------------------

    def find(self, incident_id: str) -> dict | None:
        """The stored feature, or None."""
        row = self._conn().execute("SELECT CAST(feature AS BLOB) FROM incidents WHERE id = ?",
                                   (incident_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def query(self, query: IncidentQuery) -> list[dict]:
        """The features matching ``query``, in its order, one page of them."""
        return [orjson.loads(data) for data in self.query_json(query)]

    def query_json(self, query: IncidentQuery) -> list[bytes]:
        """The stored JSON bytes of ``query(query)``'s features, for a web layer to frame."""
        conn = self._conn()
        return _page_features(conn, query, plan_page(conn, query))

    def page_json(self, query: IncidentQuery) -> PageRows:
        """One page of ``query`` (it has a limit) as JSON bytes with the match count.

        A page its plan expects to fill (plan_page's ``full``: a dense bbox) is counted
        first, so that its rows are the last thing read before the caller frames them:
        counted between the two, a dense page of 1,000 cost 0.2 ms more (bench_dense),
        as the count's reads push the page's megabyte of JSON out of the CPU's caches."""
        conn = self._conn()
        plan = plan_page(conn, query)
        matched = self.count(query) if plan.full else None
        return self._page_rows(query, _page_features(conn, query, plan), matched)

    def count(self, query: IncidentQuery) -> int:
        """How many features match ``query``, ignoring limit and offset.

        From the summaries where they can tell (see sqlite_summaries), else by counting.
        """
        conn = self._conn()
        counted = sqlite_summaries.count(conn, query, self._local.prefix)
        if counted is not None:
            return counted
        sql, params = count_sql(query, grid=has_grid_index(conn))
        return conn.execute(sql, params).fetchone()[0]

    def aggregate(self, query: IncidentQuery, zoom: int) -> dict:
        """Counts per map cell for ``zoom`` of every match, from the summaries where they can."""
        size = cell_size(zoom, query.bbox)
        rows = sqlite_summaries.cell_rows(self._conn(), query, size)
        return aggregate_answer(fold_cells(rows), size, zoom)

    def admin1_counts(self, query: IncidentQuery) -> dict:
        """Counts per first-level division of every match, from the division summary when
        the filters allow (see sqlite_summaries), else by counting."""
        return divisions_answer(fold_divisions(sqlite_summaries.division_rows(self._conn(), query)))

    def actors(self, layer: str, text: str | None = None, limit: int = 20) -> list[dict]:
        """The actors of a layer whose name holds ``text``, from the actor summary."""
        return sqlite_summaries.actors(self._conn(), layer, text, limit)

    def histogram(self, query: IncidentQuery, interval: str) -> dict:
        """Counts and fatalities per day, week or month of every match, by event type."""
        return histogram_answer(sqlite_summaries.bucket_rows(self._conn(), query, interval),
                                interval)

    def iter_features(self, query: IncidentQuery) -> Iterator[dict]:
        """Stream the matches in constant memory (use ``query.unpaged()`` for all)."""
        for data in self.iter_feature_json(query):
            yield orjson.loads(data)

    def iter_feature_json(self, query: IncidentQuery) -> Iterator[bytes]:
        """Stream each match's stored JSON bytes, for fast downloads."""
        conn = connect(self.path)  # its own snapshot, closed when done
        try:
            sql, params = select_sql(query, grid=use_grid(conn, query))
            for (data,) in conn.execute(sql, params):
                yield data
        finally:
            conn.close()

    def layers(self) -> list[dict]:
        """Each layer holding incidents, by id: id, count, bbox and time_extent [first, last]."""
        rows = self._conn().execute(_LAYERS).fetchall()
        return [{"id": layer, "count": count, "bbox": list(box), "time_extent": [first, last]}
                for layer, count, *box, first, last in rows]

    def inspect(self) -> sqlite3.Connection:
        """A read-only connection to the file, for tests and diagnostics of SQLite's own
        tables (indexes, summaries, PRAGMAs); the caller closes it. Not for reading
        incidents: that goes through the interface."""
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                               check_same_thread=False)

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    # --- connections --------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
            self._local.prefix = PrefixSums(self._prefix_tables)
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
            with conn:  # commit, or roll back on any error
                yield conn
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_FULL:
                raise
            raise StorageFullError(f"the disk of {self.path} is full; that write was rolled "
                                   "back") from exc


def _page_features(conn: sqlite3.Connection, query: IncidentQuery, plan: PagePlan) -> list[bytes]:
    """The stored JSON bytes of the page of ``query`` read as ``plan`` says."""
    return [data for (data,) in conn.execute(*select_sql(query, grid=plan.grid,
                                                         degrees=plan.degrees))]
