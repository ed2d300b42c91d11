"""A full disk: ingest stops with a clear message and the summary of what it stored, whole;
the API answers 507; nothing half-written. SQLite's own limit on the file's pages stands in
for the disk: when it is reached, SQLite fails the write exactly as on a full disk (SQLITE_FULL)."""

import sqlite3

import orjson
import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.query import IncidentQuery
from geomap.services.ingest import ingest_paths
from geomap.store import SQLiteStore
from geomap.store import sqlite as sqlite_module
from tests.web_support import TOKEN, assert_error, numbered

EVERYTHING = IncidentQuery(layer=None, limit=None)
SPARE_PAGES = 60  # 240 KB over the empty store: a few hundred incidents
SECONDARY = ["incidents_layer_cell", "incidents_layer_column", "incidents_layer_date",
             "incidents_layer_degree"]


@pytest.fixture
def small_disk(monkeypatch):
    """Every store connection may grow its file by SPARE_PAGES pages, no more."""
    real_connect = sqlite_module.connect

    def connect(path):
        conn = real_connect(path)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + SPARE_PAGES}")
        return conn
    monkeypatch.setattr(sqlite_module, "connect", connect)


def write_collection(path, count):
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": numbered(count)}))
    return path


def test_ingest_stops_with_a_summary_and_keeps_whole_batches(small_disk, tmp_path, monkeypatch):
    big, later = write_collection(tmp_path / "big.geojson", 3000), tmp_path / "later.geojson"
    write_collection(later, 10)
    with SQLiteStore(tmp_path / "geomap.sqlite", batch_size=100, bulk=False) as store:
        summary = ingest_paths(store, [big, later])
        stored = store.count(EVERYTHING)
    first = summary.files[0]
    assert first.full and len(summary.files) == 1  # the later file was not tried
    assert 0 < first.added == stored < 3000 and first.added % 100 == 0  # whole batches only
    assert first.error.startswith(f"the disk of {tmp_path / 'geomap.sqlite'} is full")
    assert summary.lines()[0].startswith(f"{big}: stopped: the disk of")
    with sqlite3.connect(tmp_path / "geomap.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # The import into an empty store put its indexes off; there was no room to build them.
        assert conn.execute("SELECT count(*) FROM deferred_indexes").fetchone() == (len(SECONDARY),)
    monkeypatch.undo()  # room again: the next store to open the file builds them
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        assert store.count(EVERYTHING) == stored
    with sqlite3.connect(tmp_path / "geomap.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM deferred_indexes").fetchone() == (0,)
        built = conn.execute("SELECT name FROM sqlite_schema WHERE type = 'index' AND "
                             "tbl_name = 'incidents' AND sql IS NOT NULL ORDER BY name").fetchall()
        assert [name for (name,) in built] == SECONDARY


def test_the_cli_prints_the_message_and_the_totals_without_a_traceback(small_disk, tmp_path):
    path = write_collection(tmp_path / "big.geojson", 3000)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "geomap.sqlite"), "ingest", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stdout.splitlines()
    assert "is full; that write was rolled back. The ingest stopped" in lines[0]
    assert lines[-1].startswith("total: ") and "could not be read" in lines[-1]


def test_the_api_answers_507_and_stores_nothing_of_the_request(small_disk, make_app):
    client = make_app().test_client()
    body = {"type": "FeatureCollection", "features": numbered(1500)}
    response = client.post("/api/incidents", data=orjson.dumps(body),
                           headers={"Authorization": f"Bearer {TOKEN}",
                                    "Content-Type": "application/json"})
    error = assert_error(response, 507)
    assert error["error"] == "insufficient_storage" and "disk is full" in error["message"]
    assert client.get("/api/layers/incidents/features").get_json()["numberMatched"] == 0
