"""PostGIS's own guarantees on a real server: replicas, a killed import, migrate-store.

The store contract (tests/test_store_contract.py) and the API and OGC suites run over
PostGIS too; here is what only this backend promises. The primary and the standby come
from ``.ci/postgres.sh``; the tests that pause or stop a standby make their own, from a
base backup of the primary, so that they never disturb the shared one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.errors import SourceError
from geomap.query import IncidentQuery
from geomap.store import SQLiteStore, open_store
from tests.conftest import postgis_schemas, postgres_dsn, schema_url, undo_cell_counts
from tests.incident_samples import sample, samples
from tests.test_postgis_cells import assert_cells_agree

ROOT = Path(__file__).parent.parent
WAIT = 30.0  # seconds any wait for the servers is bounded by


@pytest.fixture
def schemas() -> Iterator:
    """Fresh schemas on the primary: ``schemas(name)`` is the URL of one."""
    with postgis_schemas(postgres_dsn()) as location:
        yield location


def standby_url(primary_url: str, standby_dsn: str) -> str:
    """The URL of the same schema on a standby."""
    return schema_url(standby_dsn, primary_url.rsplit("search_path%3D", 1)[1].split(",")[0])


def varied(count: int, seed: int) -> list[dict]:
    """``count`` distinct incidents: the samples moved about, on other days, in two layers."""
    rng, names, features = random.Random(seed), sorted(samples()), []
    for number in range(count):
        feature = sample(names[number % len(names)])
        lon, lat = feature["geometry"]["coordinates"][:2]
        feature["geometry"] = {"type": "Point", "coordinates": [
            round(lon + rng.uniform(-0.5, 0.5), 5), round(lat + rng.uniform(-0.5, 0.5), 5)]}
        feature["properties"].update(
            id=f"report-{seed}-{number}", layer=("incidents", "archive")[number % 7 == 0],
            event_date=(date(2019, 1, 1) + timedelta(rng.randrange(1500))).isoformat(),
            summary=f"Report {seed}-{number}: {feature['properties']['summary']}")
        features.append(feature)
    return features


def wait_for(check, what: str, timeout: float = WAIT):
    """Poll ``check()`` until it is truthy (bounded), and return its value."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def replayed(standby_dsn: str, url: str) -> int:
    """How many incidents the standby has of the store at ``url`` (0 before its tables)."""
    schema = url.rsplit("search_path%3D", 1)[1].split(",")[0]
    with psycopg.connect(standby_dsn, autocommit=True) as conn:
        try:
            return conn.execute(f"SELECT count(*) FROM {schema}.incidents").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return 0


def in_fresh_context(call):
    """``call()`` in another thread: no write of this test's context is known there."""
    box = {}
    thread = threading.Thread(target=lambda: box.update(value=call()))
    thread.start()
    thread.join(WAIT)
    return box["value"]


# --- a private standby ----------------------------------------------------------------

class PrivateStandby:
    """A standby of the test primary in a folder of its own, run as the postgres user."""

    def __init__(self, primary_dsn: str):
        self.bin = Path(os.environ.get("GEOMAP_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
        self.folder = Path(tempfile.mkdtemp(prefix="geomap-standby-", dir="/tmp"))
        self.data, self.port = self.folder / "data", _free_port()
        primary = psycopg.conninfo.conninfo_to_dict(primary_dsn)
        self.dsn = (f"postgresql://{primary.get('user', 'postgres')}@127.0.0.1:{self.port}/"
                    f"{primary['dbname']}")
        shutil.chown(self.folder, "postgres")
        self._run("pg_basebackup", "-h", primary.get("host", "127.0.0.1"), "-p",
                  str(primary.get("port", 5432)), "-U", primary.get("user", "postgres"),
                  "-D", str(self.data), "-R", "-X", "stream", "-c", "fast")
        self.start()

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t",
                  str(int(WAIT)), "-o", f"-p {self.port} -c unix_socket_directories={self.folder}",
                  "start")

    def stop(self) -> None:
        """Stop it the hard way, as a crash or a pulled cable would."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def sql(self, statement: str):
        """Run one statement on the standby."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return conn.execute(statement).fetchone()

    def remove(self) -> None:
        """Stop it if running and delete its folder."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=WAIT * 2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_standby() -> Iterator[PrivateStandby]:
    """A standby that a test may pause or stop, removed afterwards."""
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        pytest.skip("needs root or the postgres user to run a PostgreSQL server")
    standby = PrivateStandby(postgres_dsn())
    try:
        yield standby
    finally:
        standby.remove()


# --- replicas -------------------------------------------------------------------------

def test_a_write_on_the_primary_is_read_on_the_shared_standby(schemas):
    primary = schemas("replicated")
    standby = standby_url(primary, postgres_dsn("GEOMAP_TEST_POSTGRES_STANDBY_DSN"))
    with open_store(primary) as writer:
        writer.add_many(samples().values())
    with open_store(primary, read_urls=[standby]) as store:
        standby_dsn = postgres_dsn("GEOMAP_TEST_POSTGRES_STANDBY_DSN")
        wait_for(lambda: replayed(standby_dsn, primary) == 6, "the standby to replay")
        with psycopg.connect(standby_dsn) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        assert in_fresh_context(lambda: store.count(IncidentQuery())) == 6
        assert in_fresh_context(lambda: len(store.query(IncidentQuery(text="mosul")))) == 1


def test_reads_go_to_the_standby_and_a_writer_reads_its_own_writes(schemas, private_standby):
    primary = schemas("ryw")
    with open_store(primary) as setup:
        setup.add(samples()["mosul_ied"])
    store = open_store(primary, read_urls=[standby_url(primary, private_standby.dsn)])
    with store:
        wait_for(lambda: replayed(private_standby.dsn, primary) == 1, "the standby to catch up")
        private_standby.sql("SELECT pg_wal_replay_pause()")
        added = store.add(samples()["erbil_missiles"])
        # Another user's read comes from the paused standby, which has not seen the write...
        assert in_fresh_context(lambda: store.find(added["id"])) is None
        # ...while the writer's own read waits a little, then takes it from the primary.
        assert store.find(added["id"]) == added
        with store.reading_after(store.written_position()):  # a later request of that user
            assert in_fresh_context(lambda: store.count(IncidentQuery())) == 1
            assert store.count(IncidentQuery()) == 2
        private_standby.sql("SELECT pg_wal_replay_resume()")
        assert in_fresh_context(lambda: wait_for(
            lambda: store.find(added["id"]), "the resumed standby to replay"))


def test_a_lagging_standby_sends_reads_to_the_primary_with_a_warning(schemas, private_standby,
                                                                      caplog):
    primary = schemas("lag")
    store = open_store(primary, read_urls=[standby_url(primary, private_standby.dsn)],
                       max_lag=0.5)
    with store, caplog.at_level(logging.WARNING, logger="geomap.store"):
        store.add(samples()["mosul_ied"])
        private_standby.sql("SELECT pg_wal_replay_pause()")
        store.add(samples()["erbil_missiles"])
        time.sleep(1.5)  # past the lag bound, and past the time a health reading is kept
        assert in_fresh_context(lambda: store.count(IncidentQuery())) == 2
        assert "replays" in caplog.text and "reading from the primary" in caplog.text
        private_standby.sql("SELECT pg_wal_replay_resume()")


def test_a_stopped_standby_sends_reads_to_the_primary_with_a_warning(schemas, private_standby,
                                                                      caplog):
    primary = schemas("down")
    store = open_store(primary, read_urls=[standby_url(primary, private_standby.dsn)])
    with store, caplog.at_level(logging.WARNING, logger="geomap.store"):
        store.add_many(samples().values())
        wait_for(lambda: replayed(private_standby.dsn, primary) == 6, "the standby to catch up")
        private_standby.stop()
        time.sleep(1.1)  # past the time a health reading is kept
        assert in_fresh_context(lambda: store.count(IncidentQuery())) == 6
        assert len(in_fresh_context(lambda: store.query(IncidentQuery()))) == 6
        assert "reading from the primary" in caplog.text


def test_an_unreachable_server_is_a_clear_error():
    with pytest.raises(SourceError, match="cannot connect to PostgreSQL at postgresql://"
                                          "geomap:\\*\\*\\*@127.0.0.1:9/"):
        open_store("postgresql://geomap:secret@127.0.0.1:9/geomap?connect_timeout=2")


# --- a killed import ------------------------------------------------------------------

def test_a_writer_killed_mid_import_leaves_whole_batches_and_a_rerun_completes(schemas,
                                                                               tmp_path):
    url, count = schemas("killed"), 20_000
    source = tmp_path / "incidents.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection",
                                  "features": list(varied(count, seed=7))}))
    command = [sys.executable, "-m", "geomap", "--db", url, "ingest", str(source)]
    with open_store(url) as store:
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: store.count(IncidentQuery(layer=None)) > 0 or child.poll(),
                     "the first batch")
            child.send_signal(signal.SIGKILL)
            assert child.wait(timeout=WAIT) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
        stored = store.count(IncidentQuery(layer=None))
        assert 0 < stored < count and stored % store.batch_size == 0
        # The import into an empty store had put its indexes off: still listed, reads scan.
        assert index_names(url) == {"incidents_pkey"} and deferred_names(url) == DEFERRED
        assert_summaries_agree(store)
        assert_bbox_reads_agree(store, varied(count, seed=7))
        assert subprocess.run(command, cwd=ROOT, capture_output=True, timeout=300).returncode == 0
        assert store.count(IncidentQuery(layer=None)) == count
        assert index_names(url) == FULL_INDEXES | {"incidents_pkey"} and not deferred_names(url)
        assert_summaries_agree(store)
        assert_bbox_reads_agree(store, varied(count, seed=7))


#: The secondary indexes of incidents that an import into an empty store puts off.
FULL_INDEXES = {"incidents_box", "incidents_cell_date", "incidents_geom", "incidents_layer_cell",
                "incidents_layer_date", "incidents_search"}
#: What such an import lists in deferred_indexes: those, and the per-cell counts.
DEFERRED = FULL_INDEXES | {"incident_cells"}


def index_names(url: str) -> set[str]:
    """The indexes the incidents table has now."""
    with psycopg.connect(url) as conn:
        return {name for (name,) in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'incidents'")}


def deferred_names(url: str) -> set[str]:
    """The indexes an import put off and has not built yet."""
    with psycopg.connect(url) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM deferred_indexes")}


def assert_bbox_reads_agree(store, written: list[dict]) -> None:
    """A bbox page (grid cells), its count and a word search find what the rows say."""
    stored = {f["id"] for f in store.iter_features(IncidentQuery(layer=None, limit=None))}
    lon, lat = written[0]["geometry"]["coordinates"]
    bbox = (lon - 0.4, lat - 0.4, lon + 0.4, lat + 0.4)
    inside = [(f["properties"]["event_date"], f["properties"]["id"]) for f in written
              if f["properties"]["id"] in stored and f["properties"]["layer"] == "incidents"
              and bbox[0] <= f["geometry"]["coordinates"][0] <= bbox[2]
              and bbox[1] <= f["geometry"]["coordinates"][1] <= bbox[3]]
    newest = sorted(sorted(inside, key=lambda row: row[1]), key=lambda row: row[0],
                    reverse=True)  # newest first, then by id
    page = store.page_json(IncidentQuery(bbox=bbox, limit=50))
    assert page.matched == len(inside) > 50
    assert [json.loads(data)["id"] for data in page.features] == [i for _, i in newest[:50]]
    assert store.count(IncidentQuery(layer=None, text="report")) == len(stored)


def assert_summaries_agree(store) -> None:
    """Each layer's summary and the cell counts (unless an import put them off, and
    readers scan) say what the rows say (precision 3 keeps every row)."""
    if "incident_cells" not in deferred_names(store.url):
        assert_cells_agree(store.url)
    for layer in store.layers():
        every = IncidentQuery(layer=layer["id"], limit=None)
        dates = sorted(f["properties"]["event_date"] for f in store.iter_features(every))
        assert layer["count"] == len(dates) == store.count(IncidentQuery(layer=layer["id"],
                                                                         precision=3))
        assert layer["time_extent"] == [dates[0], dates[-1]]


def test_the_servers_grid_cell_is_pythons_for_points_lines_and_areas(schemas):
    """geomap_cell() (migration 007) and sqlite_grid.cell_of agree, or a bbox misses rows."""
    from geomap.store.sqlite_grid import cell_of

    rng = random.Random(11)
    boxes = [(-180.0, -90.0, -180.0, -90.0), (180.0, 90.0, 180.0, 90.0), (44.125, 33.5, 44.125, 33.5),
             (40.0, 35.0, 40.0625, 35.0), (40.0, 35.0, 40.5, 35.25), (-10.0, -5.0, -6.0, -4.0),
             (-179.0, -80.0, 170.0, 80.0)]
    for _ in range(300):
        lon, lat = rng.uniform(-180, 179), rng.uniform(-90, 89)
        extent = rng.choice([0.0, 0.01, 0.0625, 0.3, 0.5, 2.0, 4.0, 9.0])
        boxes.append((lon, lat, min(lon + extent, 180.0), min(lat + extent * rng.random(), 90.0)))
    with open_store(schemas("cells")), psycopg.connect(schemas("cells")) as conn:
        found = [conn.execute("SELECT geomap_cell(%s, %s, %s, %s)", bbox).fetchone()[0]
                 for bbox in boxes]
    assert found == [cell_of(*bbox) for bbox in boxes]


def stored_cells(url: str) -> list[tuple]:
    """(id, stored cell, the cell sqlite_grid.cell_of gives its bbox) of every row."""
    from geomap.store.sqlite_grid import cell_of

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id, cell, minlon, minlat, maxlon, maxlat FROM incidents "
                            "ORDER BY id").fetchall()
    return [(row[0], row[1], cell_of(*row[2:])) for row in rows]


def test_each_row_keeps_the_grid_cell_of_its_bbox_through_writes_and_moves(schemas):
    """The cell column (migration 009) is cell_of of the row's bbox, or a bbox misses it."""
    url = schemas("cell-column")
    features = varied(300, seed=3)
    with open_store(url) as store:
        store.add_many(features[:200])
        store.add_all(features[200:])
        moved = features[5]["properties"]["id"]
        store.update(moved, {"geometry": {"type": "LineString",
                                          "coordinates": [[10.0, 10.0], [11.5, 10.25]]}})
        assert [(i, cell) for i, cell, _ in stored_cells(url)] == [
            (i, expected) for i, _, expected in stored_cells(url)]
        layer = next(f["properties"]["layer"] for f in features if f["properties"]["id"] == moved)
        found = store.query(IncidentQuery(layer=layer, bbox=(11.0, 10.1, 11.2, 10.2)))
        assert [f["id"] for f in found] == [moved]  # the grid of its layer finds it moved


def test_migration_009_gives_the_rows_of_an_older_store_their_cells(schemas):
    url = schemas("cell-migration")
    features = varied(120, seed=4)
    with open_store(url) as store:
        store.add_many(features)
        box = (features[0]["geometry"]["coordinates"][0] - 1, features[0]["geometry"]["coordinates"][1] - 1,
               features[0]["geometry"]["coordinates"][0] + 1, features[0]["geometry"]["coordinates"][1] + 1)
        expected = store.query(IncidentQuery(bbox=box, limit=None))  # the grid of "incidents"
    with psycopg.connect(url, autocommit=True) as conn:  # the store as version 8 left it
        undo_cell_counts(conn)
        conn.execute("ALTER TABLE incidents DROP COLUMN cell")
        conn.execute("CREATE INDEX incidents_layer_cell ON incidents "
                     "(layer, geomap_cell(minlon, minlat, maxlon, maxlat))")
        conn.execute("DELETE FROM geomap_schema WHERE version >= 9")
    with open_store(url) as store:
        assert store.schema_version >= 9
        assert all(cell == wanted for _, cell, wanted in stored_cells(url))
        assert len(stored_cells(url)) == 120
        assert store.query(IncidentQuery(bbox=box, limit=None)) == expected
        assert len(expected) > 1


# --- migrate-store ----------------------------------------------------------------------

def test_migrate_store_moves_every_incident_and_version(schemas, tmp_path):
    path, url = tmp_path / "team.sqlite", schemas("moved")
    with SQLiteStore(path) as old:
        old.add_many([*samples().values(), *varied(300, seed=3)])
        first, second = (f["id"] for f in old.query(IncidentQuery(limit=2)))
        old.update(first, {"fatalities": 4, "summary": "Four dead, said the hospital."},
                   author="analyst-1")
        old.update(first, {"fatalities": 5}, author="editor-1")
        old.delete(second, author="editor-1")
        expected = list(old.iter_history())
    done = CliRunner().invoke(main, ["migrate-store", "--from", str(path), "--to", url])
    assert done.exit_code == 0, done.output
    lines = [line for line in done.output.splitlines() if not line.startswith("  ")]
    assert "305 incidents" in lines[0] and "3 earlier versions" in lines[0]
    assert lines[0].split(": ", 1)[1] == lines[1].split(": ", 1)[1]  # counts and checksums
    with open_store(url) as new:
        assert new.history(first) == SQLiteStore(path).history(first)
        assert [e["action"] for e in new.history(second)] == ["delete"]
        assert new.find(second) is None and list(new.iter_history()) == expected
        assert new.count(IncidentQuery(layer=None)) == 305
    again = CliRunner().invoke(main, ["migrate-store", "--from", str(path), "--to", url])
    assert again.exit_code == 0 and "matches" in again.output  # a re-run adds nothing


def test_migrate_store_moves_accounts_tokens_redirects_and_the_session_key(schemas, tmp_path):
    """After the move, the team logs in as before: passwords, API tokens, ended sessions,
    the cookie-signing key and the links to merged-away incidents all still hold."""
    from geomap.services import accounts

    path, url = tmp_path / "team.sqlite", schemas("accounts")
    with SQLiteStore(path) as old:
        old.add_many(varied(40, seed=5))
        accounts.add_user(old, "amal", "editor", "correct horse battery")
        accounts.add_user(old, "bot-feed", "analyst", None)
        token = accounts.issue_token(old, "bot-feed")
        accounts.set_role(old, "amal", "admin")  # ends her sessions: epoch 2
        survivor, *merged = (f["id"] for f in old.query(IncidentQuery(limit=3)))
        old.merge(survivor, {"summary": "Three reports of one strike."}, merged, author="amal")
        key = accounts.session_key(old, "")
    done = CliRunner().invoke(main, ["migrate-store", "--from", str(path), "--to", url])
    assert done.exit_code == 0, done.output
    assert "  2 users (sha256" in done.output and "  1 API tokens" in done.output
    assert "  2 redirects of merged incidents" in done.output
    summaries = [line for line in done.output.splitlines() if line.startswith("  ")]
    assert summaries[:4] == summaries[4:]  # the target's counts and checksums are the source's
    with open_store(url) as new:
        assert accounts.check_login(new, "amal", "correct horse battery", "127.0.0.1")["role"] \
            == "admin"
        assert new.find_user("amal")["session_epoch"] == 2
        assert accounts.find_token_user(new, token).name == "bot-feed"
        assert [new.find_redirect(i) for i in merged] == [survivor, survivor]
        assert accounts.session_key(new, "") == key
        assert new.find_user("amal")["created_at"] == SQLiteStore(path).find_user("amal")[
            "created_at"]


def test_migrate_store_refuses_a_target_holding_other_incidents(schemas, tmp_path):
    path, url = tmp_path / "team.sqlite", schemas("busy")
    with SQLiteStore(path) as old:
        old.add_many(samples().values())
    with open_store(url) as other:
        other.add_many(varied(5, seed=9))
    done = CliRunner().invoke(main, ["migrate-store", "--from", str(path), "--to", url])
    assert done.exit_code == 2 and "differs from the source" in done.output


# --- read-your-writes through the web app -------------------------------------------------

def test_a_user_reads_their_own_write_through_the_app_while_the_standby_lags(
        schemas, private_standby, make_app):
    from tests.web_support import TOKEN

    primary = schemas("web")
    app = make_app(db=primary, db_read=(standby_url(primary, private_standby.dsn),))
    with open_store(primary) as setup:
        setup.add(samples()["mosul_ied"])
    wait_for(lambda: replayed(private_standby.dsn, primary) == 1, "the standby to catch up")
    private_standby.sql("SELECT pg_wal_replay_pause()")
    analyst, viewer = app.test_client(), app.test_client()
    posted = analyst.post("/api/incidents", json=samples()["erbil_missiles"],
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert posted.status_code == 201, posted.get_data(as_text=True)
    incident_id = posted.get_json()["id"]
    assert "geomap_written=" in posted.headers["Set-Cookie"]
    assert analyst.get(f"/api/incidents/{incident_id}").status_code == 200  # the cookie
    assert viewer.get(f"/api/incidents/{incident_id}").status_code == 404  # the paused standby
    private_standby.sql("SELECT pg_wal_replay_resume()")
    wait_for(lambda: viewer.get(f"/api/incidents/{incident_id}").status_code == 200,
             "the standby to replay the new incident")


# --- settings -------------------------------------------------------------------------

def test_read_replica_settings_keep_each_url_whole():
    from geomap.config import Settings

    settings = Settings.from_env({
        "GEOMAP_DB": "postgresql://geomap@primary/geomap",
        "GEOMAP_DB_READ": "postgresql://geomap@standby-1/geomap?options=-csearch_path%3Da,public,"
                          " postgres://geomap@standby-2/geomap",
        "GEOMAP_DB_READ_MAX_LAG": "2.5"})
    assert settings.db == "postgresql://geomap@primary/geomap"
    assert settings.db_read == ("postgresql://geomap@standby-1/geomap?options=-csearch_path%3Da,"
                                "public", "postgres://geomap@standby-2/geomap")
    assert settings.db_read_max_lag == 2.5


def test_the_pool_size_setting_bounds_each_processs_connections(schemas):
    """GEOMAP_DB_POOL_SIZE=2: eight threads reading at once all get their answers, over
    no more than two connections to the server."""
    from geomap.config import Settings
    from geomap.store import open_configured_store

    name = f"geomap_pool_{os.getpid()}_{random.randrange(10**6)}"
    url = f"{schemas('pool')}&application_name={name}"
    settings = Settings.from_env({"GEOMAP_DB": url, "GEOMAP_DB_POOL_SIZE": "2"})
    assert settings.db_pool_size == 2
    seen, answers, errors = [], [], []
    with open_configured_store(settings) as store, psycopg.connect(postgres_dsn()) as watcher:
        store.add_many(varied(40, seed=5))
        stop = threading.Event()

        def read():
            try:
                for _ in range(20):
                    answers.append(store.count(IncidentQuery(layer="incidents")))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

        def watch():
            while not stop.is_set():
                seen.append(watcher.execute("SELECT count(*) FROM pg_stat_activity "
                                            "WHERE application_name = %s", (name,)).fetchone()[0])
                watcher.rollback()

        watching = threading.Thread(target=watch)
        watching.start()
        readers = [threading.Thread(target=read) for _ in range(8)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(WAIT)
        stop.set()
        watching.join(WAIT)
    assert errors == []
    assert answers == [answers[0]] * 160 and answers[0] == 34  # every 7th is in "archive"
    assert seen and 1 <= max(seen) <= 2


@pytest.mark.parametrize("size", ["0", "65"])
def test_a_pool_size_out_of_bounds_is_refused_by_name(size):
    from geomap.config import Settings
    from geomap.errors import ValidationError
    from geomap.store import open_configured_store

    settings = Settings.from_env({"GEOMAP_DB": "postgresql://geomap@primary/geomap",
                                  "GEOMAP_DB_POOL_SIZE": size})
    with pytest.raises(ValidationError, match=f"GEOMAP_DB_POOL_SIZE must be from 1 to 64 "
                                              f"connections, not {size}"):
        open_configured_store(settings)


def test_read_replicas_of_a_sqlite_store_are_refused(tmp_path):
    from geomap.config import Settings
    from geomap.errors import ValidationError
    from geomap.store import open_configured_store

    settings = Settings.from_env({"GEOMAP_DB": str(tmp_path / "a.sqlite"),
                                  "GEOMAP_DB_READ": "postgresql://geomap@standby/geomap"})
    with pytest.raises(ValidationError, match="GEOMAP_DB_READ needs GEOMAP_DB"):
        open_configured_store(settings)


def test_the_geometry_column_holds_each_features_geometry_for_gis_clients(schemas):
    """QGIS and ogr2ogr read the geom column themselves: each stored point, line and
    polygon (a hole kept, an altitude dropped) is the feature's, in WGS84."""
    url, features = schemas("geometries"), varied(3, seed=9)
    shapes = [{"type": "Point", "coordinates": [44.36612345678901, 33.3152, 41.0]},
              {"type": "LineString", "coordinates": [[40.0, 35.5], [40.25, 35.0], [40.5, 35.125]]},
              {"type": "Polygon", "coordinates": [
                  [[36.0, 33.0], [37.0, 33.0], [37.0, 34.0], [36.0, 34.0], [36.0, 33.0]],
                  [[36.25, 33.25], [36.5, 33.25], [36.5, 33.5], [36.25, 33.25]]]}]
    for feature, shape in zip(features, shapes, strict=True):
        feature["geometry"] = shape
    with open_store(url) as store:
        store.add_many(features[:2])
        store.add(features[2])
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT ST_SRID(geom), ST_AsGeoJSON(geom, 15) FROM incidents "
                            "ORDER BY id").fetchall()
    by_id = sorted(features, key=lambda f: f["properties"]["id"])
    assert [srid for srid, _ in rows] == [4326] * 3
    assert [json.loads(text)["coordinates"] for _, text in rows] == [
        f["geometry"]["coordinates"][:2] if f["geometry"]["type"] == "Point"
        else f["geometry"]["coordinates"] for f in by_id]
