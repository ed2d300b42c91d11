"""Reads on streaming-replication standbys, writes on the primary, read-your-writes kept.

A read goes to a standby that is up and replays within ``max_lag`` seconds, else to the
primary with a logged warning. After a write, reads in the same context (a request, or a
user's session whose position the web layer carries) wait up to ``wait`` seconds for
the standby to replay past the write, and go to the primary when it does not.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

log = logging.getLogger("geomap.store")
T = TypeVar("T")

#: Seconds a standby's health reading is trusted before it is read again.
CHECK_EVERY = 1.0
#: A standby that failed is tried again after this many seconds.
RETRY_AFTER = 5.0
_POLL = 0.01
#: Lag in seconds: none when the standby has replayed all it received, else the age of
#: the last transaction it replayed; NULL receiver status means it is not streaming.
_HEALTH = ("SELECT pg_is_in_recovery(), "
           "(SELECT status FROM pg_stat_wal_receiver), "
           "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0 "
           "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END")
_REPLAYED = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
_POSITION = "SELECT pg_current_wal_insert_lsn()::text"


@dataclass
class Standby:
    """One read replica: its pool, and what was last learnt of its health."""

    name: str
    pool: ConnectionPool
    usable: bool = True
    checked: float = float("-inf")
    reason: str = ""


class ReadRouter:
    """Chooses the server for each read; see the module's docstring."""

    def __init__(self, primary: ConnectionPool, standbys: list[Standby], *, max_lag: float,
                 wait: float):
        self.primary, self.standbys = primary, standbys
        self.max_lag, self.wait = max_lag, wait
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self.position: ContextVar[str | None] = ContextVar(f"geomap-written-{id(self)}",
                                                           default=None)

    def note_write(self, conn: psycopg.Connection) -> str | None:
        """Remember, for this context, the WAL position a write just committed reached."""
        if not self.standbys:
            return None
        position = conn.execute(_POSITION).fetchone()[0]
        self.position.set(_later(self.position.get(), position))
        return position

    def run(self, read: Callable[[psycopg.Connection], T]) -> T:
        """``read(conn)`` on a standby; on the primary if none may serve or one fails."""
        for standby in self._in_turn():
            conn = self._standby_connection(standby)
            if conn is None:
                continue
            try:
                return read(conn)
            except psycopg.OperationalError as error:
                self._mark(standby, False, f"failed a read ({error})".strip())
            except psycopg.errors.UndefinedTable:
                pass  # it has not replayed the store's first migration yet
            finally:
                standby.pool.putconn(conn)
        with self.primary.connection() as conn:
            return read(conn)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection for one read: a healthy standby's, else the primary's."""
        for standby in self._in_turn():
            conn = self._standby_connection(standby)
            if conn is None:
                continue
            try:
                yield conn
            finally:
                standby.pool.putconn(conn)
            return
        with self.primary.connection() as conn:
            yield conn

    def _in_turn(self) -> list[Standby]:
        if not self.standbys:
            return []
        start = next(self._turn) % len(self.standbys)
        return self.standbys[start:] + self.standbys[:start]

    def _standby_connection(self, standby: Standby) -> psycopg.Connection | None:
        """A connection to ``standby`` that may serve this read, or None."""
        now = time.monotonic()
        if not standby.usable and now - standby.checked < RETRY_AFTER:
            return None
        try:
            conn = standby.pool.getconn(timeout=min(self.wait, 1.0) or 0.1)
        except PoolTimeout:
            self._mark(standby, False, "cannot connect")
            return None
        try:
            if now - standby.checked >= CHECK_EVERY or not standby.usable:
                self._check(standby, conn)
            if standby.usable and self._caught_up(conn):
                return conn
        except psycopg.Error as error:
            self._mark(standby, False, f"{type(error).__name__}: {error}".strip())
        standby.pool.putconn(conn)
        return None

    def _check(self, standby: Standby, conn: psycopg.Connection) -> None:
        recovering, receiver, lag = conn.execute(_HEALTH).fetchone()
        if not recovering:
            self._mark(standby, False, "is not a standby (promoted?)")
        elif receiver != "streaming":
            self._mark(standby, False, f"is not streaming from the primary ({receiver})")
        elif lag is not None and lag > self.max_lag:
            self._mark(standby, False, f"replays {lag:.1f} s behind (bound {self.max_lag} s)")
        else:
            self._mark(standby, True, "")

    def _caught_up(self, conn: psycopg.Connection) -> bool:
        """Whether the standby has replayed this context's last write, waiting a little."""
        position = self.position.get()
        if position is None:
            return True
        deadline = time.monotonic() + self.wait
        while not conn.execute(_REPLAYED, (position,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL)
        return True

    def _mark(self, standby: Standby, usable: bool, reason: str) -> None:
        with self._lock:
            changed = standby.usable != usable
            standby.usable, standby.checked, standby.reason = usable, time.monotonic(), reason
        if changed and not usable:
            log.warning("read replica %s %s: reading from the primary", standby.name, reason)
        elif changed:
            log.warning("read replica %s is back in use", standby.name)

    def close(self) -> None:
        """Close the standbys' pools (the primary's belongs to the store)."""
        for standby in self.standbys:
            standby.pool.close()


def _later(a: str | None, b: str) -> str:
    """The later of two WAL positions written ``X/Y`` (hexadecimal)."""
    if a is None:
        return b
    return max(a, b, key=lambda lsn: tuple(int(part, 16) for part in lsn.split("/")))
