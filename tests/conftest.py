"""Shared fixtures: the built gazetteer (once per session, cached between runs), stores of
every backend, and apps over a fresh store."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
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


# --- stores of every backend --------------------------------------------------------------

@contextlib.contextmanager
def sqlite_locations(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Each store name is a file in the test's own folder."""
    yield lambda name: str(tmp_path / f"{name}.sqlite")


@contextlib.contextmanager
def postgis_locations(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Each store name a fresh database on the server of GEOMAP_TEST_POSTGRES_DSN."""
    if not os.environ.get("GEOMAP_TEST_POSTGRES_DSN"):
        pytest.skip("GEOMAP_TEST_POSTGRES_DSN is not set: no PostgreSQL server to test on")
    pytest.skip("the PostGIS backend is not plugged into store_factory yet")
    yield  # pragma: no cover


#: Backend name → a context manager (given tmp_path) of a function from a store name to
#: the location ``open_store`` opens; leaving the context removes what it made.
STORE_BACKENDS = {"sqlite": sqlite_locations, "postgis": postgis_locations}


@pytest.fixture(params=list(STORE_BACKENDS))
def store_factory(request, tmp_path) -> Iterator[Callable[..., object]]:
    """Open stores of one backend; every test that uses it runs once per backend.

    ``store_factory(name="main", **options)`` opens a store through ``open_store``: a
    new name is a new, empty store, and the same name again is a second handle on the
    same data (two writers, or a reopen). Every handle is closed after the test.

    How a backend plugs in: write ``NAME_locations(tmp_path)``, a context manager that
    yields ``location(name) -> str`` (a URL ``open_store`` routes to the backend) and on
    exit drops what it created, then add it to STORE_BACKENDS. It should skip the test
    (``pytest.skip``) when its server is not configured, as the PostGIS one does without
    ``GEOMAP_TEST_POSTGRES_DSN``: for it, create a database (or a schema) per name from
    that DSN, yield its URL, and drop it on exit.
    """
    from geomap.store import open_store

    with STORE_BACKENDS[request.param](tmp_path) as location:
        stores = []

        def open_one(name: str = "main", **options):
            stores.append(open_store(location(name), **options))
            return stores[-1]
        try:
            yield open_one
        finally:
            for store in stores:
                store.close()


# --- apps ---------------------------------------------------------------------------------

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
