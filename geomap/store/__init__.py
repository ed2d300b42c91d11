"""Incident stores: one small interface, SQLite by default, other backends beside it."""

from __future__ import annotations

import os

from geomap.errors import ValidationError
from geomap.store.base import AddResult, IncidentStore
from geomap.store.sqlite import SQLiteStore

__all__ = ["AddResult", "IncidentStore", "SQLiteStore", "open_store"]


def open_store(path_or_url: str | os.PathLike) -> IncidentStore:
    """A store from a SQLite path or a ``sqlite:///`` URL (SQLAlchemy's form).

    ``sqlite:///data/geomap.sqlite`` is relative, ``sqlite:////srv/geomap.sqlite``
    absolute; any other scheme raises ValidationError naming it.
    """
    target = os.fspath(path_or_url)
    if "://" not in target:
        return SQLiteStore(target)
    scheme, _, rest = target.partition("://")
    if scheme.lower() != "sqlite":
        raise ValidationError("db", f"unsupported store scheme {scheme!r}: use a SQLite file "
                              "path or sqlite:///path")
    if not rest.startswith("/") or len(rest) < 2:
        raise ValidationError("db", "a sqlite URL needs a file path: sqlite:///path")
    return SQLiteStore(rest[1:])
