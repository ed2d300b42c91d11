"""Shared fixtures: the built gazetteer (once per session, cached between runs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geomap.gazetteer import Gazetteer
from geomap.gazetteer.sources import curated_files


def _test_gazetteer_path() -> Path:
    configured = os.environ.get("GEOMAP_TEST_GAZETTEER_DB")
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "geomap" / "test-gazetteer.sqlite"


@pytest.fixture(scope="session")
def gazetteer_path() -> Path:
    """The full built-in gazetteer index, built when missing or stale (about 45 s)."""
    path = _test_gazetteer_path()
    Gazetteer(path, curated_files()).ensure_built()
    return path


@pytest.fixture(scope="session")
def gazetteer(gazetteer_path: Path) -> Gazetteer:
    """A Gazetteer over the full built-in index."""
    return Gazetteer(gazetteer_path, curated_files())
