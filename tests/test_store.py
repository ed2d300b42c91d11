"""What only the SQLite backend does: its batches and bulk path, summaries, grid, query
plans and migrations, checked on real files. What every backend does is in
test_store_contract.py; SQLite's own tables are read through ``SQLiteStore.inspect()``."""

import contextlib
import copy
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from geomap.errors import SourceError
from geomap.incident import geometry_bbox, parse_feature
from geomap.query import IncidentQuery
from geomap.store import IncidentStore, SQLiteStore, sqlite_query, sqlite_schema, sqlite_summaries
from geomap.store.sqlite_grid import cell_of
from geomap.store.sqlite_prefix import PrefixSums
from geomap.store.sqlite_query import estimate_hits, source_and_where
from geomap.store.sqlite_write import prepare
from tests.incident_samples import sample, samples
from tests.test_store_contract import CLASH, dense_town, incident, meets

ID = {name: parse_feature(raw)["id"] for name, raw in samples().items()}
NEWEST_FIRST = sorted(ID, key=lambda name: (samples()[name]["properties"]["event_date"],
                                            "".join(chr(255 - ord(c)) for c in ID[name])),
                      reverse=True)


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        yield store


@pytest.fixture
def loaded(store):
    result = store.add_many(samples().values())
    assert (result.added, result.skipped, result.refused) == (6, 0, [])
    return store


def names(features):
    by_id = {incident_id: name for name, incident_id in ID.items()}
    return [by_id.get(feature["id"], feature["id"]) for feature in features]


def found(store, **filters):
    return sorted(names(store.query(IncidentQuery(**filters))))


def inspected(store, sql, params=()):
    """The rows of a query on SQLite's own tables, through a read-only connection."""
    with contextlib.closing(store.inspect()) as conn:
        return conn.execute(sql, params).fetchall()


def table_count(store, table):
    return inspected(store, f"SELECT count(*) FROM {table}")[0][0]


def assert_summaries_agree(store, *, points: bool = True):
    """The summaries say what counting the incidents again says (without ``points``, all
    but those of points by sub-cell and degree cell, which wait for the grid index)."""
    cells = ("SELECT layer, cell, count(*), min(minlon), min(minlat), max(maxlon), max(maxlat), "
             "min(event_date), max(event_date) FROM incidents GROUP BY layer, cell")
    layers = ("SELECT layer, count(*), min(minlon), min(minlat), max(maxlon), max(maxlat), "
              "min(event_date), max(event_date) FROM incidents GROUP BY layer")
    assert sorted(inspected(store, cells)) == sorted(inspected(store, "SELECT * FROM incident_cells"))
    assert sorted(inspected(store, layers)) == sorted(inspected(store, "SELECT * FROM incident_layers"))
    typed = ("SELECT layer, cell, event_type, status, count(*), coalesce(sum(fatalities), 0), "
             "round(sum(lon), 6), round(sum(lat), 6) FROM incidents GROUP BY 1, 2, 3, 4")
    kept = ("SELECT layer, cell, event_type, status, count, fatalities, round(sumlon, 6), "
            "round(sumlat, 6) FROM incident_cell_types")
    assert sorted(inspected(store, typed)) == sorted(inspected(store, kept))
    if points:
        assert_point_summaries_agree(store)
    _assert_dated_summaries_agree(store)


def assert_point_summaries_agree(store):
    """The summaries of points by sub-cell and degree cell say what counting them says."""
    point_subcells = ("SELECT layer, cell, (CAST((minlat + 90) * 64.0 AS INTEGER) % 8) * 8 + "
                      "CAST((minlon + 180) * 64.0 AS INTEGER) % 8, event_type, status, count(*), "
                      "round(sum(lon), 6), round(sum(lat), 6) FROM incidents "
                      "WHERE minlon = maxlon AND minlat = maxlat GROUP BY 1, 2, 3, 4, 5")
    kept = ("SELECT layer, cell, sub, event_type, status, count, round(sumlon, 6), "
            "round(sumlat, 6) FROM incident_subcells")
    assert sorted(inspected(store, point_subcells)) == sorted(inspected(store, kept))
    totals = ("SELECT layer, cell, (CAST((minlat + 90) * 64.0 AS INTEGER) % 8) * 8 + "
              "CAST((minlon + 180) * 64.0 AS INTEGER) % 8, count(*) FROM incidents "
              "WHERE minlon = maxlon AND minlat = maxlat GROUP BY 1, 2, 3")
    kept = "SELECT layer, cell, sub, count FROM incident_subcell_totals"
    assert sorted(inspected(store, totals)) == sorted(inspected(store, kept))
    degrees = ("SELECT layer, CAST((minlat + 90) AS INTEGER) * 4096 + CAST((minlon + 180) AS INTEGER), "
               "event_type, status, count(*), round(sum(lon), 6), round(sum(lat), 6) FROM incidents "
               "WHERE minlon = maxlon AND minlat = maxlat GROUP BY 1, 2, 3, 4")
    kept = ("SELECT layer, cell, event_type, status, count, round(sumlon, 6), round(sumlat, 6) "
            "FROM incident_degree_types")
    assert sorted(inspected(store, degrees)) == sorted(inspected(store, kept))


def _assert_dated_summaries_agree(store):
    months = ("SELECT layer, substr(event_date, 1, 8) || '01', event_type, status, count(*), "
              "coalesce(sum(fatalities), 0) FROM incidents GROUP BY 1, 2, 3, 4")
    assert sorted(inspected(store, months)) == sorted(inspected(store, "SELECT * FROM incident_months"))
    days = ("SELECT layer, event_date, event_type, status, count(*), coalesce(sum(fatalities), 0) "
            "FROM incidents GROUP BY 1, 2, 3, 4")
    assert sorted(inspected(store, days)) == sorted(inspected(store, "SELECT * FROM incident_days"))
    actors = ("SELECT layer, actor, count(*) FROM (SELECT layer, actor1 AS actor FROM incidents "
              "WHERE actor1 IS NOT NULL UNION ALL SELECT layer, actor2 FROM incidents WHERE "
              "actor2 IS NOT NULL AND actor2 IS NOT actor1) GROUP BY 1, 2")
    assert sorted(inspected(store, actors)) == sorted(inspected(store, "SELECT * FROM incident_actors"))
    divisions = ("SELECT layer, coalesce(country, ''), coalesce(json_extract(feature, "
                 "'$.properties.admin1'), ''), event_type, status, count(*), round(sum(lon), 6), "
                 "round(sum(lat), 6) FROM incidents GROUP BY 1, 2, 3, 4, 5")
    kept = ("SELECT layer, country, admin1, event_type, status, count, round(sumlon, 6), "
            "round(sumlat, 6) FROM incident_admin1")
    assert sorted(inspected(store, divisions)) == sorted(inspected(store, kept))


# --- writing --------------------------------------------------------------------------

def test_a_bad_feature_is_refused_and_the_others_stored(store):
    features = list(samples().values())
    features[2]["properties"]["fatalities"] = "three"
    features[4]["geometry"]["coordinates"] = [43.1, 95]
    result = store.add_many(features, batch_size=2)
    assert result.added == 4
    assert [(position, field) for position, field, _ in result.refused] == [
        (2, "properties.fatalities"), (4, "geometry.coordinates")]
    assert store.count(IncidentQuery()) == 4
    assert_summaries_agree(store)


def test_a_failing_batch_leaves_nothing_half_written(store, monkeypatch):
    monkeypatch.setattr("geomap.store.sqlite_write._TEXT", "INSERT INTO missing VALUES (?, ?)")
    with pytest.raises(sqlite3.OperationalError):
        store.add_many(samples().values())
    for table in ("incidents", "incident_cells", "incident_layers"):
        assert table_count(store, table) == 0
    monkeypatch.undo()
    assert store.add_many(samples().values()).added == 6
    assert_summaries_agree(store)


# --- reading --------------------------------------------------------------------------

def test_both_bbox_plans_agree(loaded, monkeypatch):
    query = IncidentQuery(bbox=(36, 33, 45, 37), statuses=["draft", "published"], limit=4)
    sparse = loaded.query(query)
    for cost in (0, 1e9):  # the date walk always looks cheaper, then never does
        monkeypatch.setattr(sqlite_query, "DATE_WALK_COST", cost)
        assert loaded.query(query) == sparse
        assert loaded.query(query.unpaged()) == loaded.query(IncidentQuery(
            bbox=query.bbox, statuses=query.statuses, limit=10))
    assert names(sparse) == [name for name in NEWEST_FIRST if name != "mosul_ied"][:4]


# --- schema and opening ---------------------------------------------------------------

def test_migrations_apply_once(tmp_path, monkeypatch):
    path = tmp_path / "geomap.sqlite"
    shipped = sqlite_schema.migrations()
    latest = shipped[-1][0]
    with SQLiteStore(path) as store:
        assert store.schema_version == latest
        store.add_many(samples().values())
    monkeypatch.setattr(sqlite_schema, "migrations",
                        lambda: [*shipped, (latest + 1, "CREATE TABLE extra (x);\n")])
    for _ in range(2):  # a second run would fail: the table exists
        with SQLiteStore(path) as store:
            assert store.schema_version == latest + 1
            assert store.count(IncidentQuery()) == 6
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest + 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


#: The columns of the summaries that sqlite_tally writes, by its statement's name.
TALLY_COLUMNS = {"_ACTORS": 3, "_DIVISIONS": 8, "_SUBCELLS": 8, "_MONTHS": 6, "_DEGREES": 7,
                 "_TOTALS": 4}


def unkept(monkeypatch, *names):
    """The tally writes nothing to these summaries (as a store before their migration)."""
    for name in names:
        marks = ", ".join("?" * TALLY_COLUMNS[name])
        monkeypatch.setattr(f"geomap.store.sqlite_tally.{name}",
                            f"DELETE FROM incidents WHERE 0 AND coalesce({marks})")


def test_migration_5_keeps_the_history_of_a_version_4_store(tmp_path, monkeypatch):
    path = tmp_path / "geomap.sqlite"
    shipped = sqlite_schema.migrations()
    monkeypatch.setattr(sqlite_schema, "migrations", lambda: shipped[:4])
    # A version-4 store kept no actor, division, sub-cell, month, degree or sub-cell total
    # summary (migrations 7, 8, 10, 11, 12 and 14): this write leaves them out.
    unkept(monkeypatch, "_ACTORS", "_DIVISIONS", "_SUBCELLS", "_MONTHS", "_DEGREES", "_TOTALS")
    with SQLiteStore(path) as store:
        store.add_many([samples()["green_village"]])
        [feature] = store.query(IncidentQuery())
    monkeypatch.undo()
    incident_id, old = feature["id"], json.dumps(feature)
    earlier = json.dumps({**feature, "properties": {**feature["properties"], "fatalities": 9}})
    with sqlite3.connect(path) as conn:  # rows as a version-4 store wrote them
        conn.executemany("INSERT INTO incident_history (id, action, author, recorded_at, feature) "
                         "VALUES (?, ?, ?, '2022-04-09T10:00:00Z', ?)",
                         [(incident_id, "update", "old-analyst", earlier),
                          (incident_id, "delete", "old-editor", old)])
    monkeypatch.setattr(sqlite_schema, "migrations", lambda: shipped)
    with SQLiteStore(path) as store:
        assert store.schema_version == shipped[-1][0]
        rows = store.history(incident_id)
        assert [(r["action"], r["author"], r["reason"]) for r in rows] == [
            ("update", "old-analyst", None), ("delete", "old-editor", None)]
        assert rows[0]["feature"]["properties"]["fatalities"] == 9


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "geomap.sqlite"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(SourceError, match="99"):
        SQLiteStore(path)


# --- bulk loads, summaries, the grid --------------------------------------------------

def many(count, seed=0):
    """``count`` valid raw features with distinct ids, points, lines and polygons."""
    rng = random.Random(seed)
    shapes = list(samples().values())
    for number in range(count):
        feature = copy.deepcopy(shapes[number % len(shapes)])
        day = f"20{rng.randrange(18, 24)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}"
        feature["properties"].update(id=f"f{seed}-{number}", layer=rng.choice(["a", "b"]),
                                     event_date=day)
        feature["geometry"] = random_geometry(rng)
        yield feature


def random_geometry(rng):
    lon, lat = rng.uniform(-180, 180), rng.uniform(-90, 90)
    if rng.random() < 0.5:
        return {"type": "Point", "coordinates": [lon, lat]}
    size = rng.choice((0.01, 0.1, 0.7, 5, 100))
    end = [min(lon + rng.uniform(0, size), 180), min(lat + rng.uniform(0, size), 90)]
    if rng.random() < 0.5:
        return {"type": "LineString", "coordinates": [[lon, lat], end]}
    return {"type": "Polygon", "coordinates": [[[lon, lat], [end[0], lat], end, [lon, lat]]]}


def index_names(store):
    return sorted(name for (name,) in inspected(
        store, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'incidents'"))


def untimed(features: list[dict]) -> list[dict]:
    """Features without created_at and updated_at."""
    return [{**f, "properties": {k: v for k, v in f["properties"].items()
                                 if k not in ("created_at", "updated_at")}} for f in features]


def test_bulk_stores_what_batches_store(tmp_path):
    features = [*samples().values(), sample("mosul_ied"), *many(40)]
    features[3] = {**features[3], "geometry": None}
    results, stores = [], []
    for bulk in (False, True):
        store = SQLiteStore(tmp_path / f"bulk-{bulk}.sqlite")
        stores.append(store)
        results.append(store.add_many(features, batch_size=7, bulk=bulk))
    assert results[0] == results[1]
    assert (results[1].added, results[1].skipped, len(results[1].refused)) == (45, 1, 1)
    everything = IncidentQuery(layer=None, limit=None)
    # Timestamps are to the second; the two loads may straddle one.
    assert untimed(stores[0].query(everything)) == untimed(stores[1].query(everything))
    assert stores[0].layers() == stores[1].layers()
    assert index_names(stores[0]) == index_names(stores[1])
    for store in stores:
        assert_summaries_agree(store)
        assert inspected(store, "PRAGMA integrity_check") == [("ok",)]
        store.close()


def test_bulk_is_one_transaction_and_batches_are_several(store, monkeypatch):
    def features_then_failure():
        yield from samples().values()
        raise RuntimeError("the file turned unreadable")
    indexes = index_names(store)
    with pytest.raises(RuntimeError):
        store.add_many(features_then_failure(), batch_size=2, bulk=True)
    assert table_count(store, "incidents") == 0
    assert index_names(store) == indexes
    with pytest.raises(RuntimeError):
        store.add_many(features_then_failure(), batch_size=2)
    assert table_count(store, "incidents") == 6
    assert_summaries_agree(store)


def test_a_long_sized_input_is_loaded_in_bulk(store, monkeypatch):
    monkeypatch.setattr("geomap.store.sqlite.BULK_MIN", 5)
    calls = []
    monkeypatch.setattr("geomap.store.sqlite.rebuilt_indexes",
                        lambda conn, most: calls.append(most) or contextlib.nullcontext())
    store.add_many(list(samples().values())[:5])
    assert calls == []
    store.add_many(list(many(6)))
    assert calls == [5]


def test_summaries_follow_every_write(store):
    rng = random.Random(5)
    store.add_many(many(60, seed=1))
    ids = [f"f1-{number}" for number in range(60)]
    for step in range(40):
        incident_id = rng.choice(ids)
        if store.find(incident_id) is None:
            continue
        if step % 3 == 0:
            store.delete(incident_id)
        else:
            store.update(incident_id, {"geometry": random_geometry(rng), "properties": {
                "layer": rng.choice(["a", "b", "c"]), "event_date": f"2019-0{rng.randrange(1, 10)}-01"}})
        assert_summaries_agree(store)
    expected = {}
    for feature in store.iter_features(IncidentQuery(layer=None, limit=None)):
        expected[feature["properties"]["layer"]] = expected.get(feature["properties"]["layer"], 0) + 1
    assert {layer["id"]: layer["count"] for layer in store.layers()} == expected


def test_the_grid_cell_is_the_same_in_python_and_sqlite(store):
    edges = [{"type": "Point", "coordinates": list(point)}
             for point in ((180, 90), (-180, -90), (0, 0), (-0.0001, 89.9999), (179.99, -45.125))]
    features = list(many(200, seed=2))
    for feature, geometry in zip(features, edges, strict=False):
        feature["geometry"] = geometry
    store.add_many(features)
    rows = inspected(store, "SELECT minlon, minlat, maxlon, maxlat, cell FROM incidents")
    for *bbox, cell in rows:
        assert cell == cell_of(*bbox), bbox


@pytest.mark.parametrize("seed", range(3))
def test_the_grid_finds_every_feature_that_meets_a_bbox(store, seed):
    features = [parse_feature(feature) for feature in many(300, seed=seed)]
    store.add_many(features)
    rng = random.Random(seed)
    for _ in range(30):
        lon, lat, size = rng.uniform(-180, 180), rng.uniform(-90, 90), rng.choice((0.2, 3, 40))
        bbox = (lon, lat, min(lon + size, 180), min(lat + size, 90))
        expected = sorted(f["id"] for f in features if f["properties"]["layer"] == "a"
                          and meets(geometry_bbox(f["geometry"]), bbox))
        query = IncidentQuery(layer="a", bbox=bbox, limit=None)
        assert sorted(f["id"] for f in store.query(query)) == expected
        assert store.count(query) == len(expected)
        with contextlib.closing(store.inspect()) as conn:
            assert estimate_hits(conn, "a", bbox) >= len(expected)
            assert estimate_hits(conn, None, bbox) >= len(expected)


def test_migration_002_converts_a_store_of_migration_001(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite"
    shipped = sqlite_schema.migrations()
    monkeypatch.setattr(sqlite_schema, "migrations", lambda: shipped[:1])
    SQLiteStore(path).close()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for seq, raw in enumerate(samples().values(), 1):  # as the store of 001 wrote them
            row, text, _, _ = prepare(parse_feature(raw))
            conn.execute(f"INSERT INTO incidents VALUES ({', '.join('?' * 19)})", (seq, *row))
            conn.execute("INSERT INTO incidents_rtree VALUES (?, ?, ?, ?, ?)",
                         (seq, row[13], row[15], row[14], row[16]))
            conn.execute("INSERT INTO incidents_fts (rowid, body) VALUES (?, ?)", (seq, text))
    monkeypatch.undo()
    with SQLiteStore(path) as store:
        assert store.schema_version == shipped[-1][0]
        assert store.count(IncidentQuery()) == table_count(store, "incidents_fts") == 6
        assert found(store, bbox=(38, 34, 42, 37)) == ["green_village", "mayadin_launch_site"]
        assert found(store, text="tahrir") == ["baghdad_protest"]
        assert store.layers()[0]["count"] == 6
        assert_summaries_agree(store)


def test_a_new_store_has_large_pages(store):
    assert inspected(store, "PRAGMA page_size") == [(16384,)]


KILLED_BULK = """
import sys
from geomap.store import SQLiteStore
from tests.test_store import many

def features():
    for number, feature in enumerate(many(100_000)):
        if number == 3000:
            print("loading", flush=True)
        yield feature

with SQLiteStore(sys.argv[1]) as store:
    store.add_many(features(), batch_size=500, bulk=True)
"""


def test_a_killed_bulk_load_leaves_nothing_and_a_rerun_completes(tmp_path):
    path = tmp_path / "killed.sqlite"
    child = subprocess.Popen([sys.executable, "-c", KILLED_BULK, str(path)],
                             stdout=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    try:
        assert child.stdout.readline() == b"loading\n"
        time.sleep(0.2)  # a few batches into the transaction
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM incidents").fetchone() == (0,)
    with SQLiteStore(path) as store:
        assert store.add_many(many(3000), batch_size=500, bulk=True).added == 3000
        assert_summaries_agree(store)


def test_migration_8_counts_the_divisions_of_a_version_7_store(tmp_path, monkeypatch):
    path = tmp_path / "geomap.sqlite"
    shipped = sqlite_schema.migrations()
    monkeypatch.setattr(sqlite_schema, "migrations", lambda: shipped[:7])
    unkept(monkeypatch, "_DIVISIONS", "_SUBCELLS", "_MONTHS", "_DEGREES", "_TOTALS")
    with SQLiteStore(path) as store:
        assert store.add_many(samples().values()).added == 6
    monkeypatch.undo()
    with SQLiteStore(path) as store:
        assert store.schema_version == shipped[-1][0]
        query = IncidentQuery(countries=("IQ",))
        assert store.admin1_counts(query) == IncidentStore.admin1_counts(store, query)
        assert store.count(query) == 3


def test_migration_10_counts_the_sub_cells_of_a_version_9_store(tmp_path, monkeypatch):
    path = tmp_path / "geomap.sqlite"
    shipped = sqlite_schema.migrations()
    monkeypatch.setattr(sqlite_schema, "migrations", lambda: shipped[:9])
    unkept(monkeypatch, "_SUBCELLS", "_MONTHS", "_DEGREES", "_TOTALS")
    town = [parse_feature(raw) for raw in dense_town(300, 5)]
    with SQLiteStore(path) as store:
        assert store.add_many(town).added == 300
    monkeypatch.undo()
    with SQLiteStore(path) as store:
        assert store.schema_version == shipped[-1][0]
        assert_summaries_agree(store)
        bbox = (44.33, 33.29, 44.41, 33.35)
        expected = sum(meets(geometry_bbox(f["geometry"]), bbox) for f in town)
        assert store.count(IncidentQuery(bbox=bbox)) == expected > 100


def test_migrations_11_and_12_sum_the_months_and_degrees_of_a_version_10_store(tmp_path, monkeypatch):
    path = tmp_path / "geomap.sqlite"
    shipped = sqlite_schema.migrations()
    monkeypatch.setattr(sqlite_schema, "migrations", lambda: shipped[:10])
    unkept(monkeypatch, "_MONTHS", "_DEGREES", "_TOTALS")
    town = [parse_feature(raw) for raw in dense_town(300, 6)]
    with SQLiteStore(path) as store:
        assert store.add_many(town).added == 300
    monkeypatch.undo()
    with SQLiteStore(path) as store:
        assert store.schema_version == shipped[-1][0]
        assert_summaries_agree(store)
        query = IncidentQuery(limit=None)
        assert store.histogram(query, "month") == IncidentStore.histogram(store, query, "month")
        wide = IncidentQuery(bbox=(41.0, 30.0, 47.9, 36.6), limit=None)
        assert store.count(wide) == 300 == store.aggregate(wide, 4)["numberMatched"]


def test_migration_14_totals_the_sub_cells_of_a_version_13_store(tmp_path, monkeypatch):
    path = tmp_path / "geomap.sqlite"
    shipped = sqlite_schema.migrations()
    monkeypatch.setattr(sqlite_schema, "migrations", lambda: shipped[:13])
    unkept(monkeypatch, "_TOTALS")
    town = [parse_feature(raw) for raw in dense_town(400, 7)]
    with SQLiteStore(path) as store:
        assert store.add_many(town).added == 400
    monkeypatch.undo()
    with SQLiteStore(path) as store:
        assert store.schema_version == shipped[-1][0]
        assert_summaries_agree(store)
        for bbox in ((44.33, 33.29, 44.41, 33.35), (44.3, 33.2, 44.45, 33.4)):
            expected = sum(meets(geometry_bbox(f["geometry"]), bbox) for f in town)
            assert store.count(IncidentQuery(bbox=bbox)) == expected > 100
        store.delete(town[0]["id"])
        assert_summaries_agree(store)


def two_towns(first_year: int, second_year: int):
    """500 incidents around Baghdad in ``first_year`` and 700 around Aleppo in ``second_year``,
    a few on each day, some on the same day and some roads among them."""
    rng = random.Random(first_year)
    for number in range(1200):
        town, year = ((44.37, 33.31), first_year) if number < 500 else ((37.16, 36.2), second_year)
        lon, lat = rng.gauss(town[0], 0.05), rng.gauss(town[1], 0.04)
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        if number % 40 == 7:
            geometry = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.02, lat]]}
        day = f"{year}-{1 + number % 12:02d}-{1 + number % 28:02d}"
        yield incident(f"town-{number:04d}", day, geometry, *CLASH,
                       status=rng.choice(("draft", "published")))


@pytest.mark.parametrize("years", [(2021, 2021), (2020, 2021)])
def test_a_dense_page_merges_its_degree_cells_dates_and_gives_the_newest(store, years):
    """A page newest first of a dense bbox merges the date indexes of the few degree cells
    it meets (migration 015), with the roads among them read from the grid's cells of
    shapes: the page is the one of sorting every match, also when the bbox's incidents
    are older than the layer's newest (the second case) and within a date range."""
    features = [parse_feature(raw) for raw in two_towns(*years)]
    store.add_many(features)
    bbox = (44.1, 33.05, 44.65, 33.6)
    newest = sorted((f for f in features if meets(geometry_bbox(f["geometry"]), bbox)),
                    key=lambda f: (f["properties"]["event_date"],
                                   "".join(chr(255 - ord(c)) for c in f["id"])), reverse=True)
    conn = store.inspect()
    for limit, offset in ((50, 0), (40, 60), (100, 150), (100, 300)):
        query = IncidentQuery(bbox=bbox, limit=limit, offset=offset)
        grid, degrees, _ = sqlite_query.plan_page(conn, query)
        assert (not grid and degrees is not None) == (offset < 300)  # deep: from the grid
        assert degrees is None or -1 in degrees  # the roads' arm
        expected = [f["id"] for f in newest[offset:offset + limit]]
        assert [f["id"] for f in store.query(query)] == expected
        assert [f["id"] for f in store.query(replace(query, statuses=("draft",)))] == [
            f["id"] for f in newest if f["properties"]["status"] == "draft"][offset:offset + limit]
        until = replace(query, end=date(years[0], 6, 30))
        assert [f["id"] for f in store.query(until)] == [
            f["id"] for f in newest
            if f["properties"]["event_date"] <= until.end.isoformat()][offset:offset + limit]
    conn.close()


def test_a_page_expected_to_be_full_is_counted_first_and_exactly(store):
    """A dense page that its plan expects to fill is counted before its rows are read: the
    count is the number of matches, with filters, deep in the pages, and when the cells the
    bbox meets are full but the bbox itself (a thin strip across the town) holds a few."""
    features = [parse_feature(raw) for raw in two_towns(2021, 2021)]
    store.add_many(features)
    conn = store.inspect()
    strip = (44.1, 33.31, 44.65, 33.3104)
    for bbox in ((44.1, 33.05, 44.65, 33.6), strip):
        inside = [f for f in features if meets(geometry_bbox(f["geometry"]), bbox)]
        for query, matches in (
                (IncidentQuery(bbox=bbox, limit=50), inside),
                (IncidentQuery(bbox=bbox, limit=40, offset=60), inside),
                (IncidentQuery(bbox=bbox, limit=50, statuses=("draft",)),
                 [f for f in inside if f["properties"]["status"] == "draft"])):
            assert sqlite_query.plan_page(conn, query).full
            page = store.page_json(query)
            assert page.matched == len(matches) == store.count(query)
            assert len(page.features) == max(0, min(query.limit, len(matches) - query.offset))
    assert len([f for f in features if meets(geometry_bbox(f["geometry"]), strip)]) < 40
    conn.close()

def test_bbox_counts_read_the_grid_index_alone(tmp_path):
    """The grid index is on the cell's expression (migration 9): SQLite reads it as covering,
    so a count or an aggregate never reads a hit's row and its JSON from the table."""
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        store.add_many(samples().values())
        query = IncidentQuery(bbox=(40.0, 33.0, 45.0, 37.0), event_types=("Battles",))
        source, where, params = source_and_where(query, grid=True)
        with contextlib.closing(store.inspect()) as conn:
            plan = conn.execute(f"EXPLAIN QUERY PLAN SELECT count(*) FROM {source} WHERE {where}",
                                params).fetchall()
        assert any("COVERING INDEX incidents_layer_cell" in row[-1] for row in plan), plan


#: Another process adding the features of a GeoJSON file to a store: argv store, file.
ADD_FROM_FILE = """
import json, sys
from geomap.store import SQLiteStore
with SQLiteStore(sys.argv[1]) as store, open(sys.argv[2]) as given:
    store.add_many(json.load(given)["features"])
"""


def test_dense_counts_from_summed_area_tables_see_every_writer(tmp_path):
    """A count without type or status filters reads the sub-cells inside its bbox from
    summed-area tables its connection keeps (sqlite_prefix): another process's import,
    another handle's deletes and moves each show in the next count (its own writes do
    too: the contract's dense counts, on one connection), and a type filter is still
    counted from the summaries. A count builds one missing table at most."""
    path, more = tmp_path / "geomap.sqlite", tmp_path / "more.geojson"
    town = [parse_feature(raw) for raw in dense_town(900, 5)]
    bbox, kept = (44.3, 33.25, 44.45, 33.37), PrefixSums()

    def counted(conn, features, **given):
        query = IncidentQuery(bbox=bbox, **given)
        expected = sum(meets(geometry_bbox(f["geometry"]), bbox) and f["properties"][
            "event_type"] in given.get("event_types", (f["properties"]["event_type"],))
            for f in features)
        assert sqlite_summaries.count(conn, query, kept) == expected > 50
        return expected

    with SQLiteStore(path) as store, contextlib.closing(store.inspect()) as conn:
        corners = [parse_feature(incident(f"corner-{n}", "2021-05-05", point, *CLASH))
                   for n, point in enumerate(((43.95, 32.95), (45.05, 34.05)))]
        store.add_many(town[:600] + corners)
        counted(conn, town[:600])
        assert len(kept) == 1  # one degree cell's table built
        wide = IncidentQuery(bbox=(43.9, 32.9, 45.1, 34.1))  # nine degree cells
        for tables in range(2, 10):  # one more built a count, the others counted as before
            assert sqlite_summaries.count(conn, wide, kept) == 602
            assert len(kept) == tables
        more.write_text(json.dumps({"type": "FeatureCollection", "features": town[600:]}))
        subprocess.run([sys.executable, "-c", ADD_FROM_FILE, str(path), str(more)], check=True,
                       cwd=Path(__file__).parent.parent)
        counted(conn, town)
        for feature in town[::4]:
            store.delete(feature["id"])
        for feature in town[1::4]:
            feature["geometry"] = {"type": "Point", "coordinates": [44.31, 33.2]}  # outside
            store.update(feature["id"], {"geometry": feature["geometry"]})
        left = [f for n, f in enumerate(town) if n % 4 != 0]
        counted(conn, left)
        counted(conn, left, event_types=("Battles",))
        inside = [f for f in left if meets(geometry_bbox(f["geometry"]), bbox)]
        with ThreadPoolExecutor(4) as pool:  # the store's connections share their tables
            def counts():
                return set(pool.map(lambda _: store.count(IncidentQuery(bbox=bbox)), range(12)))
            assert counts() == {len(inside)}
            store.delete(inside[0]["id"])
            assert counts() == {len(inside) - 1}
