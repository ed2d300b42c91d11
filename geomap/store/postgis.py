"""The PostGIS store: incidents in PostgreSQL, for many writers, many workers, read replicas.

``GEOMAP_DB=postgresql://user@host/db`` selects it. Features are loaded with COPY, one
transaction per batch; the geometry has a GiST index and the text a GIN index of
lexemes the store writes itself; streams read through server-side cursors; reads may go
to standbys (``GEOMAP_DB_READ``, see ``postgis_replicas``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import orjson
import psycopg

from geomap.aggregate import (
    aggregate_answer,
    cell_size,
    divisions_answer,
    fold_cells,
    fold_divisions,
    histogram_answer,
)
from geomap.errors import ConflictError, NotFoundError, StorageFullError
from geomap.incident import format_timestamp, parse_feature
from geomap.query import IncidentQuery
from geomap.store import redact
from geomap.store.base import (
    AddResult,
    IncidentStore,
    PageRows,
    counted_on_full,
    merge_patch,
    same_content,
)
from geomap.store.batches import paused_gc
from geomap.store.learned import LearnedPlace, corrects_place, learned_place_of
from geomap.store.postgis_accounts import PostGISAccounts, mark_created
from geomap.store.postgis_aggregate import buckets_sql, cells_sql, divisions_sql
from geomap.store.postgis_indexes import (
    build_deferred,
    build_left_indexes,
    defer_indexes,
    import_lock,
)
from geomap.store.postgis_learned import add_learned, iter_learned, learn, remove_learned, unlearn
from geomap.store.postgis_load import iter_batches, read_ahead, write_batch
from geomap.store.postgis_query import count_sql, page_sql, select_sql
from geomap.store.postgis_replicas import ReadRouter, Standby
from geomap.store.postgis_schema import connect, migrate, open_pool
from geomap.store.postgis_write import (
    archive,
    copy_rows,
    existing,
    forget,
    prepare,
    replace_row,
)
from geomap.store.sql import history_entry
from geomap.store.sqlite_query import like_pattern

#: Features per transaction in add_many: large enough that COPY runs at full speed.
BATCH_SIZE = 5000
#: A load of this many features refreshes the table's statistics when it is done.
ANALYZE_AFTER = 10_000
#: Rows a server-side cursor fetches per round trip while streaming.
STREAM_ROWS = 2000
_LAYERS = ("SELECT layer, count, minlon, minlat, maxlon, maxlat, first_date::text, "
           "last_date::text FROM incident_layers WHERE count > 0 ORDER BY layer")
log = logging.getLogger("geomap.store")
_ACTORS = ("SELECT actor, count FROM incident_actors WHERE layer = %s AND actor ILIKE %s "
           "ORDER BY count DESC, actor LIMIT %s")
_HISTORY = ("SELECT action, author, recorded_at, reason, feature FROM incident_history "
            "WHERE id = %s ORDER BY hid")


class PostGISStore(PostGISAccounts, IncidentStore):
    """Incidents in a PostgreSQL database with PostGIS; safe to share between threads.

    PostGIS's own tuning of ``add_many``: ``batch_size`` features per transaction, and
    ``bulk`` for one transaction over the whole input. ``read_urls`` name standbys for
    reads; ``max_lag`` (seconds) and ``read_wait`` bound how stale or slow one may be.
    """

    def __init__(self, url: str, *, read_urls: Sequence[str] = (), pool_size: int = 8,
                 max_lag: float = 5.0, read_wait: float = 0.5, batch_size: int = BATCH_SIZE,
                 bulk: bool = False):
        self.url, self.batch_size, self.bulk = url, batch_size, bulk
        self._deferring = False  # an import (``importing``) has put indexes off
        with connect(url) as conn:  # fails at once, naming the server, when it is not there
            self.schema_version = migrate(conn)
            build_left_indexes(conn)
        self._pool = open_pool(url, size=pool_size, name="geomap-primary")
        standbys = []
        try:
            for number, read_url in enumerate(read_urls):
                pool = open_pool(read_url, size=pool_size, name=f"geomap-read-{number}",
                                 timeout=2.0, wait=False)
                standbys.append(Standby(redact(read_url), pool))
        except BaseException:
            for standby in standbys:
                standby.pool.close()
            self._pool.close()
            raise
        self._reads = ReadRouter(self._pool, standbys, max_lag=max_lag, wait=read_wait)

    def __repr__(self) -> str:
        return f"PostGISStore({redact(self.url)!r})"

    # --- writing ------------------------------------------------------------------------

    def add(self, feature: Mapping, *, author: str | None = None, action: str = "create") -> dict:
        """Validate and store one feature; an identical stored copy is returned as is."""
        return self.add_all([feature], author=author, action=action)[0]

    def add_all(self, features: Sequence[Mapping], *, author: str | None = None,
                action: str = "create") -> list[dict]:
        """Validate and store every feature in one transaction, or none of them."""
        prepared = [prepare(parse_feature(feature)) for feature in features]
        for attempt in range(3):
            try:
                return self._add_all(prepared, author, action)
            except psycopg.errors.UniqueViolation:  # another writer stored one meanwhile
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _add_all(self, prepared: list[tuple[dict, tuple]], author: str | None,
                 action: str) -> list[dict]:
        with self._writing() as conn:
            kept = existing(conn, [feature["id"] for feature, _ in prepared])
            rows = [row for feature, row in prepared
                    if kept.setdefault(feature["id"], feature) is feature]
            for feature, _ in prepared:
                if not same_content(kept[feature["id"]], feature):
                    raise ConflictError(f"incident {feature['id']!r} is stored with different "
                                        "content" + ("; nothing was stored" if len(prepared) > 1
                                                     else ""))
            copy_rows(conn, rows)
            learn(conn, [feature for feature, _ in prepared if kept[feature["id"]] is feature])
            _created(conn, [row[0] for row in rows], action, author)
        return [kept[feature["id"]] for feature, _ in prepared]

    def add_many(self, features: Iterable[Mapping], *, skip_deleted: bool = False,
                 author: str | None = None, batch_size: int | None = None,
                 bulk: bool | None = None) -> AddResult:
        """Store many features with COPY, one transaction per batch (one for all of them
        with ``bulk``); refuse bad ones, skip known ones, and with ``skip_deleted`` the
        deleted ones. A killed writer leaves whole transactions only. ``batch_size`` and
        ``bulk`` default to the store's settings."""
        batch_size = batch_size or self.batch_size
        bulk = self.bulk if bulk is None else bulk
        result, batches = AddResult(), iter_batches(features, batch_size, prepare)
        with paused_gc(), counted_on_full(result, bulk), self._full_disk(), \
                (self._writing() if bulk else _no_transaction(self._pool)) as conn:
            for prepared, refused in read_ahead(batches):
                result.refused.extend(refused)
                result.added += write_batch(conn, prepared, result, skip_deleted, author)
                if not bulk:
                    self._reads.note_write(conn)
            if result.added >= ANALYZE_AFTER and not self._deferring:
                # The planner's statistics, and (outside a transaction) the visibility map
                # that lets a bbox be answered from the box index alone.
                conn.execute("ANALYZE incidents" if bulk else "VACUUM (ANALYZE) incidents")
        result.refused.sort(key=lambda refusal: refusal[0])
        return result

    @contextmanager
    def importing(self) -> Iterator[None]:
        """Around a large import's add_many calls: into an empty store, the secondary
        indexes are put off and built once at its end (see postgis_indexes.py)."""
        with connect(self.url) as conn:  # its session holds the import lock
            deferred = import_lock(conn) and defer_indexes(conn)
            self._deferring = deferred
            try:
                yield
            finally:
                self._deferring = False
                if deferred:
                    self._build_unless_full(conn)

    def _build_unless_full(self, conn: psycopg.Connection) -> None:
        """Build the put-off indexes; on a full disk leave them listed (readers scan), for
        the next store to open the schema with room to build them."""
        try:
            with self._full_disk():
                build_deferred(conn)
        except StorageFullError:
            log.warning("%s: the disk is full: the indexes an import put off are built when "
                        "the store is next opened with room", self)

    def _replace_in(self, conn, incident_id: str, patch: Mapping, author: str | None,
                    action: str, reason: str | None) -> dict:
        return _replace(conn, incident_id, patch, author, action, reason)

    def _remove_in(self, conn, incident_id: str, author: str | None, action: str,
                   reason: str | None) -> None:
        _remove(conn, incident_id, author, action, reason)

    # --- learned places -----------------------------------------------------------------

    def learned_places(self) -> list[LearnedPlace]:
        """Every place learned from stored incidents, by name (read on the primary)."""
        with self._pool.connection() as conn:
            return list(iter_learned(conn))

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
        row = self._read("SELECT feature FROM incidents WHERE id = %s", [incident_id], one=True)
        return orjson.loads(row[0]) if row else None

    def history(self, incident_id: str) -> list[dict]:
        """Earlier versions, oldest first: action, author, recorded_at and feature."""
        rows = self._read(_HISTORY, [incident_id])
        if not rows and self.find(incident_id) is None:
            raise NotFoundError(f"no incident {incident_id!r}")
        return [history_entry(*row) for row in rows]

    def iter_history(self) -> Iterator[dict]:
        """Stream every kept version, oldest first (see IncidentStore.iter_history)."""
        with self._pool.connection() as conn, conn.transaction():
            with conn.cursor(name="geomap_history") as cur:
                cur.itersize = STREAM_ROWS
                cur.execute("SELECT id, action, author, recorded_at, reason, feature "
                            "FROM incident_history ORDER BY hid")
                for incident_id, *version in cur:
                    yield {"id": incident_id, **history_entry(*version)}

    def add_history(self, entries: Iterable[Mapping]) -> int:
        """Append versions shaped as ``iter_history`` gives them, in one transaction (COPY)."""
        count = 0
        with self._writing() as conn, conn.cursor() as cur:
            with cur.copy("COPY incident_history (id, action, author, recorded_at, reason, "
                          "feature) FROM STDIN") as copy:
                for e in entries:
                    feature = e["feature"]
                    copy.write_row((e["id"], e["action"], e["author"], e["recorded_at"],
                                    e.get("reason"),
                                    None if feature is None else orjson.dumps(feature).decode()))
                    count += 1
        return count

    def query(self, query: IncidentQuery) -> list[dict]:
        """The features matching ``query``, in its order, one page of them."""
        return [orjson.loads(data) for data in self.query_json(query)]

    def query_json(self, query: IncidentQuery) -> list[bytes]:
        """The stored JSON bytes of ``query(query)``'s features, for a web layer to frame."""
        return [data for (data,) in self._read(*select_sql(query))]

    def page_json(self, query: IncidentQuery) -> PageRows:
        """One page with its match count and its layer's existence, in one round trip."""
        *rows, (_, counted, stored) = self._read(*page_sql(query))
        if rows and rows[0][1] is not None:
            matched = rows[0][1]
        else:
            matched = counted if counted is not None else query.offset + len(rows)
        return PageRows([data for data, _, _ in rows], matched, bool(rows) or stored)

    def count(self, query: IncidentQuery) -> int:
        """How many features match ``query``, ignoring limit and offset."""
        return self._read(*count_sql(query), one=True)[0]

    def iter_features(self, query: IncidentQuery) -> Iterator[dict]:
        """Stream the matches in constant memory (use ``query.unpaged()`` for all)."""
        for data in self.iter_feature_json(query):
            yield orjson.loads(data)

    def iter_feature_json(self, query: IncidentQuery) -> Iterator[bytes]:
        """Stream each match's stored JSON bytes through a server-side cursor (one snapshot)."""
        sql, params = select_sql(query)
        with self._reads.connection() as conn, conn.transaction():
            with conn.cursor(name="geomap_stream") as cur:
                cur.itersize = STREAM_ROWS
                cur.execute(sql, params)
                for (data,) in cur:
                    yield data

    def actors(self, layer: str, text: str | None = None, limit: int = 20) -> list[dict]:
        """The actors of a layer whose name holds ``text``, from the actor summary."""
        rows = self._read(_ACTORS, [layer, like_pattern(text or ""), limit])
        return [{"name": name, "count": count} for name, count in rows]

    def layers(self) -> list[dict]:
        """Each layer: id, count, bbox and time_extent [first date, last date]."""
        return [{"id": layer, "count": count, "bbox": list(box), "time_extent": [first, last]}
                for layer, count, *box, first, last in self._read(_LAYERS, [])]

    def aggregate(self, query: IncidentQuery, zoom: int) -> dict:
        """Counts per map cell for ``zoom`` of every match, summed by the server."""
        size = cell_size(zoom, query.bbox)
        rows = self._read(*cells_sql(query, size))
        return aggregate_answer(fold_cells(rows), size, zoom)

    def histogram(self, query: IncidentQuery, interval: str) -> dict:
        """Counts and fatalities per day, week or month of every match, by event type."""
        return histogram_answer(self._read(*buckets_sql(query, interval)), interval)

    def admin1_counts(self, query: IncidentQuery) -> dict:
        """Counts per first-level division of every match, summed by the server."""
        return divisions_answer(fold_divisions(self._read(*divisions_sql(query))))

    # --- read-your-writes ---------------------------------------------------------------

    def written_position(self) -> str | None:
        """The WAL position this context's last write reached (None without replicas)."""
        return self._reads.position.get()

    @contextmanager
    def reading_after(self, position: str | None) -> Iterator[None]:
        """Reads inside see everything up to ``position`` (a user's earlier write)."""
        token = self._reads.position.set(position)
        try:
            yield
        finally:
            self._reads.position.reset(token)

    def close(self) -> None:
        """Close every pool this store opened."""
        self._reads.close()
        self._pool.close()

    # --- connections --------------------------------------------------------------------

    def _read(self, sql: str, params: list, *, one: bool = False):
        def run(conn: psycopg.Connection):
            cursor = conn.execute(sql, params)
            return cursor.fetchone() if one else cursor.fetchall()
        return self._reads.run(run)

    @contextmanager
    def _writing(self) -> Iterator[psycopg.Connection]:
        with self._pool.connection() as conn:
            with self._full_disk(), conn.transaction():
                yield conn
            self._reads.note_write(conn)

    @contextmanager
    def _full_disk(self) -> Iterator[None]:
        """The server's "could not extend file" (SQLSTATE 53100) as SQLite's full disk: the
        same StorageFullError, so the CLI and the API (507) answer it the same way."""
        try:
            yield
        except psycopg.errors.DiskFull as exc:
            raise StorageFullError(f"the disk of the PostgreSQL server at {redact(self.url)} "
                                   "is full; that write was rolled back") from exc


@contextmanager
def _no_transaction(pool) -> Iterator[psycopg.Connection]:
    with pool.connection() as conn:
        yield conn


def _load(conn: psycopg.Connection, incident_id: str) -> dict:
    stored = existing(conn, [incident_id], lock=True).get(incident_id)
    if stored is None:
        raise NotFoundError(f"no incident {incident_id!r}")
    return stored


def _replace(conn: psycopg.Connection, incident_id: str, patch: Mapping, author: str | None,
             action: str, reason: str | None) -> dict:
    """Patch one stored feature inside the caller's transaction, archiving the old version."""
    now = datetime.now(UTC)
    stored = _load(conn, incident_id)
    merged = merge_patch(stored, patch, updated_at=format_timestamp(now))
    feature, row = prepare(parse_feature(merged, now=now))
    if same_content(feature, stored):
        return stored
    archive(conn, stored, action, author, format_timestamp(now), reason)
    replace_row(conn, stored, row)
    if corrects_place(stored, feature):  # the gazetteer learns the name as written
        unlearn(conn, stored)
        add_learned(conn, filter(None, [learned_place_of(feature, corrected=True)]))
    return feature


def _remove(conn: psycopg.Connection, incident_id: str, author: str | None, action: str,
            reason: str | None) -> None:
    stored = _load(conn, incident_id)
    archive(conn, stored, action, author, format_timestamp(datetime.now(UTC)), reason)
    forget(conn, stored)
    unlearn(conn, stored)


def _created(conn: psycopg.Connection, ids: list[str], action: str, author: str | None) -> None:
    """New ids answer for themselves again (no redirect), and say who created them."""
    if ids:
        conn.execute("DELETE FROM incident_redirects WHERE id = ANY(%s)", (ids,))
        if author is not None:
            mark_created(conn, ids, action, author)
