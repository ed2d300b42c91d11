"""The numbered SQL migrations a backend ships: ``NNN_what_it_does.sql`` in a folder."""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable

_MIGRATION = re.compile(r"(\d{3})_[a-z0-9_]+\.sql")


def shipped(folder_name: str) -> Traversable:
    """The folder ``geomap/store/FOLDER_NAME`` inside the installed package."""
    return resources.files("geomap.store").joinpath(folder_name)


def read_migrations(folder: Traversable) -> list[tuple[int, str]]:
    """(number, SQL) of every migration in ``folder``, in order.

    Two files with one number would leave a store that has one of them without the other
    forever (its version already says it has both), so they are refused.
    """
    found: dict[int, tuple[str, str]] = {}
    for entry in folder.iterdir():
        match = _MIGRATION.fullmatch(entry.name)
        if not match:
            continue
        number = int(match.group(1))
        if number in found:
            raise RuntimeError(f"two migrations numbered {number:03d} in {folder}: "
                               f"{found[number][0]} and {entry.name}")
        found[number] = (entry.name, entry.read_text(encoding="utf-8"))
    return [(number, found[number][1]) for number in sorted(found)]
