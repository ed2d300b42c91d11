"""The SQLite store on real files: writes, history, every filter, layers, migrations."""

import contextlib
import copy
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest

from geomap.errors import ConflictError, NotFoundError, SourceError, ValidationError
from geomap.incident import geometry_bbox, parse_feature
from geomap.query import IncidentQuery
from geomap.store import SQLiteStore, open_store, sqlite_query, sqlite_schema
from geomap.store.sqlite_grid import cell_of
from geomap.store.sqlite_query import estimate_hits
from geomap.store.sqlite_write import prepare
from tests.incident_samples import sample, samples

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


def table_count(store, table):
    return store._conn().execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def assert_summaries_agree(store):
    """incident_cells and incident_layers say what counting the incidents again says."""
    conn = store._conn()
    cells = ("SELECT layer, cell, count(*), min(minlon), min(minlat), max(maxlon), max(maxlat), "
             "min(event_date), max(event_date) FROM incidents GROUP BY layer, cell")
    layers = ("SELECT layer, count(*), min(minlon), min(minlat), max(maxlon), max(maxlat), "
              "min(event_date), max(event_date) FROM incidents GROUP BY layer")
    assert sorted(conn.execute(cells)) == sorted(conn.execute("SELECT * FROM incident_cells"))
    assert sorted(conn.execute(layers)) == sorted(conn.execute("SELECT * FROM incident_layers"))


# --- writing --------------------------------------------------------------------------

def test_add_then_get_round_trips(store):
    added = store.add(sample("green_village"))
    assert store.get(added["id"]) == added == parse_feature(sample("green_village"),
                                                           now=_created(added))
    assert store.find("nope") is None
    with pytest.raises(NotFoundError):
        store.get("nope")


def _created(feature):
    return datetime.fromisoformat(feature["properties"]["created_at"])


def test_add_twice_returns_the_stored_copy_and_refuses_a_different_one(store):
    raw = sample("erbil_missiles")
    raw["properties"]["created_at"] = "2022-03-14T00:00:00Z"
    first = store.add(raw)
    assert store.add(sample("erbil_missiles")) == first
    changed = sample("erbil_missiles")
    changed["properties"]["fatalities"] = 2
    with pytest.raises(ConflictError):
        store.add(changed)


def test_add_refuses_invalid_features(store):
    raw = sample("mosul_ied")
    raw["properties"]["event_date"] = "yesterday"
    with pytest.raises(ValidationError) as caught:
        store.add(raw)
    assert caught.value.field == "properties.event_date"
    assert table_count(store, "incidents") == 0


def test_re_ingesting_adds_nothing(loaded):
    result = loaded.add_many(samples().values())
    assert (result.added, result.skipped, result.refused) == (0, 6, [])
    assert loaded.count(IncidentQuery()) == 6


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


def test_duplicates_within_one_input(store):
    changed = sample("idlib_airstrike")
    changed["properties"]["fatalities"] = 7
    result = store.add_many([sample("idlib_airstrike"), sample("idlib_airstrike"), changed])
    assert (result.added, result.skipped) == (1, 1)
    assert [(position, field) for position, field, _ in result.refused] == [(2, "id")]
    assert store.get(ID["idlib_airstrike"])["properties"]["fatalities"] == 5


def test_a_failing_batch_leaves_nothing_half_written(store, monkeypatch):
    monkeypatch.setattr("geomap.store.sqlite_write._COPY_TEXT", "INSERT INTO missing VALUES (1)")
    with pytest.raises(sqlite3.OperationalError):
        store.add_many(samples().values())
    for table in ("incidents", "incident_cells", "incident_layers"):
        assert table_count(store, table) == 0
    monkeypatch.undo()
    assert store.add_many(samples().values()).added == 6
    assert_summaries_agree(store)


def test_update_merges_validates_and_keeps_history(store):
    raw = sample("green_village")
    raw["properties"]["created_at"] = "2022-04-08T00:00:00Z"
    before = store.add(raw)
    after = store.update(before["id"], {"injuries": 5, "status": "published"}, author="analyst")
    props = after["properties"]
    assert (props["injuries"], props["status"]) == (5, "published")
    assert props["created_at"] == "2022-04-08T00:00:00Z" < props["updated_at"]
    assert store.get(before["id"]) == after
    [entry] = store.history(before["id"])
    assert (entry["action"], entry["author"], entry["feature"]) == ("update", "analyst", before)
    assert found(store, statuses=["published"]) == ["green_village"]
    assert found(store, statuses=["draft"]) == []


def test_update_moves_geometry_and_reindexes_text(loaded):
    incident_id = ID["mayadin_launch_site"]
    loaded.update(incident_id, {
        "geometry": {"type": "Point", "coordinates": [40.9173, 34.4534]},
        "properties": {"location": "Al-Bukamal", "quote": "Artillery fire near Albu Kamal."}})
    assert "mayadin_launch_site" in found(loaded, bbox=(40.8, 34.4, 41.0, 34.5))
    assert "mayadin_launch_site" not in found(loaded, bbox=(40.4, 35.0, 40.5, 35.1))
    assert "mayadin_launch_site" in found(loaded, text="albu kamal")
    assert "mayadin_launch_site" not in found(loaded, text="launch point")
    assert_summaries_agree(loaded)


def test_update_refuses_bad_values_and_changes_nothing(loaded):
    incident_id = ID["mosul_ied"]
    before = loaded.get(incident_id)
    for patch, field in (({"fatalities": -3}, "properties.fatalities"),
                         ({"id": "other"}, "properties.id"),
                         ({"geometry": {"type": "Point", "coordinates": [43, 99]}},
                          "geometry.coordinates")):
        with pytest.raises(ValidationError) as caught:
            loaded.update(incident_id, patch)
        assert caught.value.field == field
    assert loaded.get(incident_id) == before
    assert loaded.history(incident_id) == []


def test_update_without_change_keeps_no_history_and_null_removes_extras(loaded):
    incident_id = ID["idlib_airstrike"]
    assert loaded.update(incident_id, {"fatalities": 5}) == loaded.get(incident_id)
    assert loaded.history(incident_id) == []
    loaded.update(incident_id, {"verified": True})
    assert loaded.get(incident_id)["properties"]["verified"] is True
    loaded.update(incident_id, {"verified": None})
    assert "verified" not in loaded.get(incident_id)["properties"]
    assert len(loaded.history(incident_id)) == 2
    with pytest.raises(NotFoundError):
        loaded.update("nope", {"fatalities": 1})


def test_delete_keeps_the_last_version(loaded):
    incident_id = ID["baghdad_protest"]
    last = loaded.get(incident_id)
    loaded.delete(incident_id, author="editor")
    assert loaded.find(incident_id) is None
    assert [(e["action"], e["author"], e["feature"]) for e in loaded.history(incident_id)] == [
        ("delete", "editor", last)]
    assert loaded.count(IncidentQuery()) == 5
    assert found(loaded, text="tahrir") == []
    assert found(loaded, bbox=(44.3, 33.3, 44.4, 33.4)) == []
    assert_summaries_agree(loaded)
    with pytest.raises(NotFoundError):
        loaded.delete(incident_id)
    with pytest.raises(NotFoundError):
        loaded.history("never-stored")


# --- reading --------------------------------------------------------------------------

def test_default_order_is_newest_first_then_id(loaded):
    assert names(loaded.query(IncidentQuery())) == NEWEST_FIRST
    assert names(loaded.query(IncidentQuery(sort="event_date_asc"))) == NEWEST_FIRST[::-1]
    assert names(loaded.query(IncidentQuery(sort="fatalities")))[:2] == [
        "idlib_airstrike", "mosul_ied"]
    assert names(loaded.query(IncidentQuery(sort="fatalities")))[-1] == "mayadin_launch_site"
    assert names(loaded.query(IncidentQuery(sort="id"))) == sorted(ID, key=ID.get)


@pytest.mark.parametrize("filters, expected", [
    ({"bbox": (38, 34, 42, 37)}, ["green_village", "mayadin_launch_site"]),
    ({"bbox": (43, 35.5, 45, 37)}, ["erbil_missiles", "mosul_ied"]),
    ({"bbox": (40.576, 35.152, 40.576, 35.152)}, ["green_village"]),
    ({"bbox": (0, 0, 1, 1)}, []),
    ({"start": date(2022, 3, 13), "end": date(2022, 4, 1)},
     ["baghdad_protest", "erbil_missiles"]),
    ({"start": date(2022, 4, 7)}, ["green_village", "mayadin_launch_site"]),
    ({"end": date(2022, 1, 2)}, ["idlib_airstrike"]),
    ({"event_types": ["Protests"]}, ["baghdad_protest"]),
    ({"event_types": ["Battles", "Protests"]}, ["baghdad_protest", "mayadin_launch_site"]),
    ({"sub_event_types": ["Shelling/artillery/missile attack"]},
     ["erbil_missiles", "green_village"]),
    ({"event_types": ["Battles"], "sub_event_types": ["Air/drone strike"]}, []),
    ({"countries": ["IQ"]}, ["baghdad_protest", "erbil_missiles", "mosul_ied"]),
    ({"countries": ["SY", "IQ"]}, sorted(ID)),
    ({"actor": "islamic state"}, ["mosul_ied"]),
    ({"actor": "CIVILIANS"}, ["erbil_missiles", "idlib_airstrike"]),
    ({"actor": "united states (2021-)"}, ["green_village", "mayadin_launch_site"]),
    ({"actor": "100%_"}, []),
    ({"text": "water station"}, ["idlib_airstrike"]),
    ({"text": "rocket"}, ["green_village", "mayadin_launch_site"]),
    ({"text": "rockets struck"}, ["green_village"]),
    ({"text": "launch"}, ["mayadin_launch_site"]),
    ({"text": "Tahrír"}, ["baghdad_protest"]),
    ({"text": "Idleb"}, ["idlib_airstrike"]),
    ({"text": "al-Omar"}, ["green_village"]),
    ({"text": "\"rocket OR launch*"}, []),
    ({"min_fatalities": 3}, ["idlib_airstrike", "mosul_ied"]),
    ({"min_fatalities": 0}, sorted(set(ID) - {"mayadin_launch_site"})),
    ({"precision": 1}, ["erbil_missiles", "green_village", "idlib_airstrike"]),
    ({"statuses": ["published"]}, ["baghdad_protest", "erbil_missiles", "mosul_ied"]),
    ({"statuses": ["draft"], "countries": ["SY"], "bbox": (36, 35, 41, 36)},
     ["green_village", "idlib_airstrike", "mayadin_launch_site"]),
    ({"layer": "archive"}, []),
])
def test_each_filter(loaded, filters, expected):
    assert found(loaded, **filters) == expected
    assert loaded.count(IncidentQuery(**filters)) == len(expected)


def test_both_bbox_plans_agree(loaded, monkeypatch):
    query = IncidentQuery(bbox=(36, 33, 45, 37), statuses=["draft", "published"], limit=4)
    sparse = loaded.query(query)
    for cost in (0, 1e9):  # the date walk always looks cheaper, then never does
        monkeypatch.setattr(sqlite_query, "DATE_WALK_COST", cost)
        assert loaded.query(query) == sparse
        assert loaded.query(query.unpaged()) == loaded.query(IncidentQuery(
            bbox=query.bbox, statuses=query.statuses, limit=10))
    assert names(sparse) == [name for name in NEWEST_FIRST if name != "mosul_ied"][:4]


def test_lines_and_polygons_match_by_their_bbox(store):
    route = sample("mayadin_launch_site")
    route["geometry"] = {"type": "LineString", "coordinates": [[40.0, 35.0], [41.0, 36.0]]}
    stored = store.add(route)
    assert found(store, bbox=(40.9, 35.9, 42, 37)) == ["mayadin_launch_site"]
    assert found(store, bbox=(41.1, 35.0, 42, 37)) == []
    assert store.get(stored["id"])["geometry"] == route["geometry"]


def test_layers_are_separate(loaded):
    other = sample("mosul_ied")
    other["properties"]["layer"] = "archive"
    loaded.add(other)
    assert found(loaded, layer="archive") == [parse_feature(other)["id"]]
    assert len(loaded.query(IncidentQuery(layer=None))) == 7
    assert loaded.layers() == [
        {"id": "archive", "count": 1, "bbox": [43.1189, 36.345, 43.1189, 36.345],
         "time_extent": ["2022-02-20", "2022-02-20"]},
        {"id": "incidents", "count": 6,
         "bbox": [36.6339, 33.343, 44.385, 36.345], "time_extent": ["2022-01-02", "2022-04-07"]}]


def test_paging_visits_every_match_once(loaded):
    pages = [loaded.query(IncidentQuery(limit=4, offset=offset)) for offset in (0, 4, 8)]
    assert [len(page) for page in pages] == [4, 2, 0]
    assert names(pages[0] + pages[1]) == NEWEST_FIRST


def test_streams_match_the_query(loaded):
    query = IncidentQuery(countries=["SY", "IQ"], limit=3)
    chunks = list(loaded.iter_feature_json(query.unpaged()))
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    assert [orjson.loads(chunk) for chunk in chunks] == loaded.query(IncidentQuery(limit=10))
    assert list(loaded.iter_features(query)) == loaded.query(query)
    bbox = IncidentQuery(bbox=(38, 34, 42, 37)).unpaged()
    assert names(loaded.iter_features(bbox)) == ["green_village", "mayadin_launch_site"]


def test_another_thread_gets_its_own_connection(loaded):
    seen = []
    worker = threading.Thread(target=lambda: seen.append(loaded.count(IncidentQuery())))
    worker.start()
    worker.join()
    assert seen == [6]


# --- schema and opening ---------------------------------------------------------------

def test_migrations_apply_once(tmp_path, monkeypatch):
    path = tmp_path / "geomap.sqlite"
    with SQLiteStore(path) as store:
        assert store.schema_version == 2
        store.add_many(samples().values())
    shipped = sqlite_schema.migrations()
    monkeypatch.setattr(sqlite_schema, "migrations",
                        lambda: [*shipped, (3, "CREATE TABLE extra (x);\n")])
    for _ in range(2):  # a second run would fail: the table exists
        with SQLiteStore(path) as store:
            assert store.schema_version == 3
            assert store.count(IncidentQuery()) == 6
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "geomap.sqlite"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(SourceError, match="99"):
        SQLiteStore(path)


def test_open_store_takes_paths_and_sqlite_urls(tmp_path, monkeypatch):
    with open_store(tmp_path / "a.sqlite") as store:
        assert isinstance(store, SQLiteStore)
    with open_store(f"sqlite:///{tmp_path}/b.sqlite") as store:
        assert store.path == tmp_path / "b.sqlite"
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///data/c.sqlite") as store:
        assert store.path.resolve() == tmp_path / "data" / "c.sqlite"
    for url in ("postgresql://localhost/geomap", "sqlite://"):
        with pytest.raises(ValidationError) as caught:
            open_store(url)
        assert caught.value.field == "db"
    with pytest.raises(ValidationError, match="'postgresql'"):
        open_store("postgresql://localhost/geomap")


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
    return sorted(name for (name,) in store._conn().execute(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'incidents'"))


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
        assert store._conn().execute("PRAGMA integrity_check").fetchone() == ("ok",)
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


def test_query_json_gives_the_stored_bytes(loaded):
    for query in (IncidentQuery(), IncidentQuery(bbox=(38, 34, 42, 37), sort="fatalities")):
        data = loaded.query_json(query)
        assert all(isinstance(item, bytes) for item in data)
        assert [orjson.loads(item) for item in data] == loaded.query(query)
        assert data == [orjson.dumps(feature) for feature in loaded.query(query)]


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
    rows = store._conn().execute("SELECT minlon, minlat, maxlon, maxlat, cell FROM incidents")
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
        assert estimate_hits(store._conn(), "a", bbox) >= len(expected)
        assert estimate_hits(store._conn(), None, bbox) >= len(expected)


def meets(box, bbox):
    return box[0] <= bbox[2] and box[2] >= bbox[0] and box[1] <= bbox[3] and box[3] >= bbox[1]


def test_migration_002_converts_a_store_of_migration_001(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite"
    shipped = sqlite_schema.migrations()
    monkeypatch.setattr(sqlite_schema, "migrations", lambda: shipped[:1])
    with SQLiteStore(path) as old:
        conn = old._conn()
        for seq, raw in enumerate(samples().values(), 1):  # as the store of 001 wrote them
            feature, row, text = prepare(parse_feature(raw))
            conn.execute(f"INSERT INTO incidents VALUES ({', '.join('?' * 19)})", (seq, *row))
            conn.execute("INSERT INTO incidents_rtree VALUES (?, ?, ?, ?, ?)",
                         (seq, row[13], row[15], row[14], row[16]))
            conn.execute("INSERT INTO incidents_fts (rowid, body) VALUES (?, ?)", (seq, text))
    monkeypatch.undo()
    with SQLiteStore(path) as store:
        assert store.schema_version == 2
        assert store.count(IncidentQuery()) == table_count(store, "incidents_fts") == 6
        assert found(store, bbox=(38, 34, 42, 37)) == ["green_village", "mayadin_launch_site"]
        assert found(store, text="tahrir") == ["baghdad_protest"]
        assert store.layers()[0]["count"] == 6
        assert_summaries_agree(store)


def test_a_new_store_has_large_pages(store):
    assert store._conn().execute("PRAGMA page_size").fetchone() == (16384,)


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


def test_add_many_can_leave_deleted_incidents_deleted(tmp_path):
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        features = list(samples().values())
        store.add_many(features)
        gone = parse_feature(features[0])["id"]
        store.delete(gone)
        kept_away = store.add_many(features, skip_deleted=True)
        assert (kept_away.added, kept_away.skipped) == (0, len(features))
        assert store.find(gone) is None
        restored = store.add_many(features)  # an explicit add brings it back
        assert restored.added == 1 and store.find(gone) is not None
