"""Incident stores: one small interface, SQLite by default, other backends beside it.

``open_store`` decides the backend from the location's scheme, so a URL is never taken
for a file name: a path or ``sqlite:///path`` is SQLite, ``postgresql://`` is PostGIS
(``geomap.store.postgis``, when installed), anything else is refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from geomap.errors import ValidationError
from geomap.store.base import AddResult, IncidentStore
from geomap.store.learned import LearnedPlace
from geomap.store.sqlite import SQLiteStore

__all__ = ["AddResult", "IncidentStore", "LearnedPlace", "SQLiteStore", "open_configured_store",
           "open_store", "redact"]

#: A scheme of two or more characters, so that a Windows drive (``C:``) stays a path. A
#: single slash after it (``postgresql:/host``) is what a path library makes of ``//``.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")
_PASSWORD = re.compile(r"(//[^/@:]*):[^/@]*@")
#: A process holding more than this would starve PostgreSQL's default 100 connections.
MAX_POOL_SIZE = 64
_HOW = "a SQLite file path, sqlite:///path or postgresql://user@host/db"


def open_store(location: str | os.PathLike, **options) -> IncidentStore:
    """The store at a SQLite path or a URL (``GEOMAP_DB``, ``--db``); ``options`` go to the
    backend's class (e.g. SQLiteStore's ``batch_size``).

    ``sqlite:///data/geomap.sqlite`` is relative, ``sqlite:////srv/geomap.sqlite``
    absolute. An unknown scheme raises ValidationError (field ``db``) naming it.
    """
    target = os.fspath(location)
    match = _SCHEME.match(target)
    if match is None:
        return SQLiteStore(target, **options)
    scheme, rest = match[1].lower(), target[match.end():]
    opener = BACKENDS.get(scheme)
    if opener is None:
        raise ValidationError("db", f"GEOMAP_DB (or --db) {redact(target)!r} has the unknown "
                              f"scheme {scheme!r}: use {_HOW}")
    if not rest.startswith("//"):
        raise ValidationError("db", f"GEOMAP_DB (or --db) {redact(target)!r} is not a URL: "
                              f"write {scheme}://...")
    return opener(target, rest[2:], **options)


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``, fit for messages and logs.

    >>> redact("postgresql://geomap:s3cret@db.example/geomap")
    'postgresql://geomap:***@db.example/geomap'
    """
    return _PASSWORD.sub(r"\1:***@", url)


def _open_sqlite(url: str, rest: str, **options) -> IncidentStore:
    if not rest.startswith("/") or len(rest) < 2:
        raise ValidationError("db", "a sqlite URL needs a file path: sqlite:///path")
    return SQLiteStore(rest[1:], **options)


def _open_postgis(url: str, rest: str, **options) -> IncidentStore:
    try:
        from geomap.store.postgis import PostGISStore
    except ImportError as error:
        raise ValidationError("db", f"GEOMAP_DB (or --db) {redact(url)!r} asks for PostgreSQL, "
                              f"but the PostGIS backend is not available ({error}); use "
                              "a SQLite file path instead") from None
    return PostGISStore(url, **options)


#: URL scheme → the function that opens that backend's store (url, url after ``//``).
BACKENDS: dict[str, Callable[..., IncidentStore]] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgis,
    "postgres": _open_postgis,
}


def open_configured_store(settings) -> IncidentStore:
    """The store that Settings name: ``db``, with its ``db_read`` replicas, lag bound and
    pool size when it is PostGIS."""
    postgres = isinstance(settings.db, str) and settings.db.lower().startswith("postgres")
    if not postgres:
        if settings.db_read:
            raise ValidationError("db_read", "GEOMAP_DB_READ needs GEOMAP_DB to be a "
                                  "postgresql:// URL (read replicas are PostgreSQL standbys)")
        return open_store(settings.db)
    if not 1 <= settings.db_pool_size <= MAX_POOL_SIZE:
        raise ValidationError("db_pool_size", f"GEOMAP_DB_POOL_SIZE must be from 1 to "
                              f"{MAX_POOL_SIZE} connections, not {settings.db_pool_size}")
    return open_store(settings.db, read_urls=settings.db_read, max_lag=settings.db_read_max_lag,
                      pool_size=settings.db_pool_size)
