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


@pytest.fixture
def make_app(tmp_path, gazetteer_path):
    """Build apps over a fresh store in tmp_path, with settings overridden per test."""
    from geomap.web import create_app
    from tests.web_support import TOKEN

    apps = []

    def make(**overrides):
        settings = {"db": tmp_path / "geomap.sqlite", "api_token": TOKEN,
                    "gazetteer_db": gazetteer_path, **overrides}
        apps.append(create_app(**settings))
        apps[-1].config["TESTING"] = True
        return apps[-1]
    yield make
    for app in apps:
        app.extensions["geomap"].close()


@pytest.fixture
def app(make_app):
    """The app with the test token, over a fresh store."""
    return make_app()


@pytest.fixture
def client(app):
    """Flask's test client for ``app``."""
    return app.test_client()


@pytest.fixture
def store(app):
    """The app's incident store."""
    return app.extensions["geomap"].store


@pytest.fixture
def loaded(store):
    """The store holding the six sample incidents."""
    from tests.incident_samples import samples

    assert store.add_many(samples().values()).added == len(samples())
    return store
