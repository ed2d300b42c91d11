"""Shared fixtures: the built gazetteer (once per session, cached between runs), stores of
every backend, and apps over a fresh store."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from geomap.config import parse_store_location
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
def extract_text(gazetteer) -> Callable:
    """Extract one report's text (published on the day given) to its incidents' properties."""
    from geomap.extract import extract_report, parse_report

    def extract(text: str, published) -> list[dict]:
        report = parse_report(text, document="report.txt", published=published)
        return [f["properties"] for f in extract_report(report, gazetteer)]
    return extract


# --- stores of every backend --------------------------------------------------------------

@contextlib.contextmanager
def sqlite_locations(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Each store name is a file in the test's own folder."""
    yield lambda name: str(tmp_path / f"{name}.sqlite")


def postgres_dsn(variable: str = "GEOMAP_TEST_POSTGRES_DSN") -> str:
    """The test server's DSN; skip without one, but fail in CI (``.ci/run`` starts one)."""
    dsn = os.environ.get(variable)
    if not dsn:
        message = f"{variable} is not set: no PostgreSQL server to test on"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run .ci/postgres.sh)")
        pytest.skip(message)
    return dsn


def schema_url(dsn: str, schema: str) -> str:
    """The DSN as a URL whose connections work in ``schema`` (PostGIS stays in public)."""
    return f"{dsn}{'&' if '?' in dsn else '?'}options=-csearch_path%3D{schema},public"


@contextlib.contextmanager
def postgis_schemas(dsn: str) -> Iterator[Callable[[str], str]]:
    """Each store name a fresh schema on the server of ``dsn``, dropped on exit."""
    import uuid

    import psycopg

    made: dict[str, str] = {}

    def location(name: str) -> str:
        if name not in made:
            made[name] = f"test_{uuid.uuid4().hex[:16]}"
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {made[name]}")
        return schema_url(dsn, made[name])
    try:
        yield location
    finally:
        if made:
            with psycopg.connect(dsn, autocommit=True) as conn:
                for schema in made.values():
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def undo_cell_counts(conn) -> None:
    """Drop what PostGIS migrations 010 and 011 add (the per-cell counts, the date-keyed grid
    index and the narrowed grid index), for a test that starts from a store made before them."""
    conn.execute("DROP TABLE incident_cells")
    conn.execute("DROP INDEX incidents_cell_date")
    conn.execute("DROP INDEX incidents_layer_cell")


@contextlib.contextmanager
def postgis_locations(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Each store name a fresh schema on the server of GEOMAP_TEST_POSTGRES_DSN."""
    with postgis_schemas(postgres_dsn()) as location:
        yield location


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

def pytest_generate_tests(metafunc):
    """A test module that sets ``APP_BACKENDS`` runs its app tests once per backend named."""
    backends = getattr(metafunc.module, "APP_BACKENDS", None)
    if backends and "app_db" in metafunc.fixturenames:
        metafunc.parametrize("app_db", backends, indirect=True)


@pytest.fixture
def app_db(request, tmp_path) -> Iterator[str]:
    """Where the app's store lives: a SQLite file, or (param ``postgis``) a fresh schema."""
    backend = getattr(request, "param", "sqlite")
    with STORE_BACKENDS[backend](tmp_path) as location:
        yield location("geomap")


@pytest.fixture
def make_app(tmp_path, gazetteer_path, app_db):
    """Build apps over a fresh store (``app_db``), with settings overridden per test."""
    from geomap.web import create_app
    from tests.web_support import TOKEN

    apps = []

    def make(**overrides):
        # The map's contract tests read the sample drafts anonymously, as a server with
        # GEOMAP_DRAFTS_PUBLIC=1 shows them; the workspace tests turn it off.
        settings = {"db": parse_store_location(app_db), "api_token": TOKEN,
                    "gazetteer_db": gazetteer_path, "drafts_public": True,
                    "secret_key": "test secret key", **overrides}
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


# --- a real browser -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, through Playwright (skipped without it, except under CI)."""
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page at 1280×800 that records every request and every script error; the
    test fails on any script error or Content-Security-Policy violation."""
    from tests.browser_support import VIEWPORT, csp_violation

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: csp_violation(message.text)
            and page.errors.append(message.text))
    yield page
    context.close()
    assert page.errors == []
