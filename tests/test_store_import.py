"""A large import into an empty SQLite store: its secondary indexes are put off and built
once at the end, readers stay right meanwhile, and a killed import leaves them to the next
store that opens the file (store/sqlite_indexes.py)."""

import signal
import subprocess
import sys
from pathlib import Path

from geomap.query import IncidentQuery
from geomap.store import SQLiteStore
from tests.incident_samples import samples
from tests.test_store import assert_summaries_agree, index_names, inspected, many, untimed

EVERYTHING = IncidentQuery(layer=None, limit=None)
SECONDARY = ["incidents_layer_cell", "incidents_layer_column", "incidents_layer_date",
             "incidents_layer_degree"]
#: What a map asks of a layer: a page in a bbox, a bbox count, cells, divisions, a histogram.
QUESTIONS = (IncidentQuery(layer="a", bbox=(-60, -30, 60, 40), limit=50),
             IncidentQuery(layer="b", bbox=(0, 0, 180, 90), event_types=("Battles",)),
             IncidentQuery(layer="a", text="village"))


def answers(store):
    """What a reader sees of the store, to compare one store with another."""
    seen = [untimed(store.query(EVERYTHING)), store.layers()]
    for query in QUESTIONS:
        seen += [untimed(store.query(query)), store.count(query), store.aggregate(query, 3),
                 store.admin1_counts(query), store.histogram(query, "month")]
    return seen


def deferred(store):
    return inspected(store, "SELECT name FROM deferred_indexes ORDER BY name")


def test_an_import_into_an_empty_store_builds_its_indexes_once(tmp_path):
    features = list(many(600))
    with SQLiteStore(tmp_path / "plain.sqlite") as plain:
        for start in range(0, 600, 200):
            plain.add_many(features[start:start + 200], batch_size=50)
        expected = answers(plain)
        indexes = index_names(plain)
    with SQLiteStore(tmp_path / "imported.sqlite") as store:
        with store.importing():
            assert index_names(store) == ["sqlite_autoindex_incidents_1"]
            assert deferred(store) == [(name,) for name in SECONDARY]
            for start in range(0, 600, 200):  # the ingest's chunks, each several batches
                assert store.add_many(features[start:start + 200], batch_size=50).added == 200
                assert_summaries_agree(store, points=False)  # those wait for the grid index
            assert answers(store) == expected  # readers scan instead of reading the grid
        assert index_names(store) == indexes
        assert_summaries_agree(store)
        assert deferred(store) == []
        assert answers(store) == expected
        assert inspected(store, "PRAGMA integrity_check") == [("ok",)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["imported.sqlite",
                                                                "plain.sqlite"]


def test_edits_and_removals_while_an_import_runs_leave_every_summary_right(tmp_path):
    features = list(many(300))
    points = [f for f in features if f["geometry"]["type"] == "Point"][:3]
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        with store.importing():
            store.add_many(features[:200], batch_size=50)
            for feature in points:  # an analyst at work meanwhile, on imported points
                store.update(feature["properties"]["id"], {"geometry": {
                    "type": "Point", "coordinates": [44.3661, 33.3152]}})
            store.delete(features[1]["properties"]["id"])
            store.add({**features[1], "properties": {**features[1]["properties"], "id": "new"}})
            store.add_many(features[200:], batch_size=50)
            assert_summaries_agree(store, points=False)
        assert_summaries_agree(store)
        moved = IncidentQuery(layer=points[0]["properties"]["layer"],
                              bbox=(44.3, 33.3, 44.4, 33.4))
        assert store.count(moved) == sum(f["properties"]["layer"] == moved.layer for f in points)
        world = IncidentQuery(layer=moved.layer, bbox=(-180, -90, 180, 90))
        assert store.aggregate(world, 3)["numberMatched"] == store.count(world) == \
            store.count(IncidentQuery(layer=moved.layer))


def test_an_import_commits_ever_larger_transactions_and_a_kill_leaves_whole_ones(tmp_path):
    path = tmp_path / "growing.sqlite"
    child = subprocess.run([sys.executable, "-c", GROWING_IMPORT, str(path)],
                           cwd=Path(__file__).parent.parent, timeout=120, capture_output=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    # 100 rows, then 200, 400, 800: the kill came while the fourth transaction was open
    assert [int(line) for line in child.stdout.split()] == [100, 300, 700]
    with SQLiteStore(path) as store:
        assert store.count(IncidentQuery(layer="a")) + store.count(
            IncidentQuery(layer="b")) == 700
        assert_summaries_agree(store)
        assert deferred(store) == []
    assert not Path(f"{path}-import.lock").exists()


def test_an_import_into_a_store_with_incidents_keeps_its_indexes(tmp_path):
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        store.add_many(samples().values())
        indexes = index_names(store)
        with store.importing():
            assert index_names(store) == indexes
            assert store.add_many(many(100)).added == 100
        assert deferred(store) == []


def test_an_import_that_fails_still_builds_its_indexes(tmp_path):
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        indexes = index_names(store)
        try:
            with store.importing():
                store.add_many(many(120), batch_size=40)
                raise RuntimeError("the file turned unreadable")
        except RuntimeError:
            pass
        assert index_names(store) == indexes
        assert store.count(IncidentQuery(layer="a")) + store.count(IncidentQuery(layer="b")) == 120


def test_a_store_opened_during_an_import_leaves_the_indexes_to_it(tmp_path):
    path = tmp_path / "geomap.sqlite"
    with SQLiteStore(path) as importer:
        with importer.importing():
            importer.add_many(many(100))
            with SQLiteStore(path) as reader:  # a web worker starting meanwhile
                assert deferred(reader) == [(name,) for name in SECONDARY]
                assert reader.count(IncidentQuery(layer="a", bbox=(-180, -90, 180, 90))) == \
                    importer.count(IncidentQuery(layer="a"))
        assert deferred(importer) == []
        assert index_names(importer) == [*SECONDARY, "sqlite_autoindex_incidents_1"]


KILLED_IMPORT = """
import os, signal, sys
from geomap.store import SQLiteStore
from tests.test_store import many
store = SQLiteStore(sys.argv[1])
with store.importing():
    store.add_many(many(500), batch_size=100)
    os.kill(os.getpid(), signal.SIGKILL)
"""


GROWING_IMPORT = """
import os, signal, sys
import geomap.store.sqlite as sqlite, geomap.store.sqlite_write as write
from geomap.store import SQLiteStore
from tests.test_store import many
sqlite.IMPORT_BATCH_SIZE = 800
original = write.write_transaction

def committing(conn, pieces, batch_size, result, **options):
    more, added = original(conn, pieces, batch_size, result, **options)
    if batch_size == 800:  # the fourth transaction is written, not committed: a kill now
        os.kill(os.getpid(), signal.SIGKILL)
    print(conn.execute("SELECT count(*) FROM incidents").fetchone()[0], flush=True)
    return more, added

sqlite.write_transaction = committing
store = SQLiteStore(sys.argv[1], batch_size=100)
with store.importing():
    store.add_many(many(2000))
"""


def test_a_killed_import_leaves_whole_batches_and_its_indexes_to_the_next_store(tmp_path):
    path = tmp_path / "killed.sqlite"
    child = subprocess.run([sys.executable, "-c", KILLED_IMPORT, str(path)],
                           cwd=Path(__file__).parent.parent, timeout=120)
    assert child.returncode == -signal.SIGKILL
    assert Path(f"{path}-import.lock").exists()  # left by the killed import
    with SQLiteStore(path) as store:  # the import lock is free: the indexes are built
        assert deferred(store) == []
        assert index_names(store) == [*SECONDARY, "sqlite_autoindex_incidents_1"]
        assert inspected(store, "PRAGMA integrity_check") == [("ok",)]
        assert_summaries_agree(store)
        assert store.add_many(many(600), batch_size=100).added == 100  # the re-run completes
    assert not Path(f"{path}-import.lock").exists()
