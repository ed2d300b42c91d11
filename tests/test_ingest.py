"""Ingest on real SQLite files: reports, GeoJSON, GeoJSONSeq, ACLED CSV and GeoPackage,
refusals with their reasons, unreadable files, a killed ingest, and the CLI."""

import contextlib
import copy
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.datafiles import data_folder
from geomap.incident import incident_id, parse_feature
from geomap.query import IncidentQuery
from geomap.services import ingest as ingest_module
from geomap.services import ingest_worker
from geomap.services.columns import read_country, read_date
from geomap.services.ingest import ingest_paths
from geomap.store import SQLiteStore
from geomap.store.sqlite import BATCH_SIZE
from tests.incident_samples import load_synthetic, sample, samples

ROOT = Path(__file__).resolve().parent.parent
SEED = data_folder("seeds") / "000_3ce66746abaef62e.txt"
ACLED = Path(__file__).parent / "fixtures" / "import" / "acled_iraq_syria.csv"
EVERYTHING = IncidentQuery(layer=None, limit=None)


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        yield store


@pytest.fixture(params=["here", "worker"])
def reading(request, monkeypatch):
    """Each file read in this process, or (however small) by a worker process."""
    if request.param == "worker":
        monkeypatch.setattr(ingest_worker, "WORKER_MIN_BYTES", 0)
    return request.param


def no_gazetteer():
    raise AssertionError("the gazetteer was opened though no report was ingested")


def ingest(store, *paths, **options):
    return ingest_paths(store, paths, gazetteer_factory=options.pop("gazetteer", no_gazetteer),
                        **options)


def write_collection(path, features):
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": features}))
    return path


def stored(store):
    return {f["id"]: f for f in store.iter_features(EVERYTHING)}


def assert_whole(conn: sqlite3.Connection) -> int:
    """The file is sound and every index of the incidents holds each stored row once."""
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    for table in sorted({"incidents_fts"} & tables):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count, table
    return count


def stored_count(store) -> int:
    """Rows in the store's file, checked whole, and the same as the store says."""
    with contextlib.closing(store.inspect()) as conn:
        count = assert_whole(conn)
    assert count == store.count(EVERYTHING) == sum(layer["count"] for layer in store.layers())
    return count


# --- reports ------------------------------------------------------------------------------

def test_seed_report_gives_three_incidents_once(store, gazetteer):
    opened = []

    def factory():
        opened.append(1)
        return gazetteer

    first = ingest(store, SEED, gazetteer=factory, status="published")
    assert (first.added, first.skipped, first.refused, first.failed) == (3, 0, [], [])
    again = ingest(store, SEED, SEED.parent, gazetteer=factory, status="published")
    assert (again.added, again.skipped, again.refused) == (0, 3, [])
    assert len(opened) == 2  # once per ingest_paths call, only because reports came
    features = list(stored(store).values())
    assert {f["properties"]["status"] for f in features} == {"published"}
    assert {f["properties"]["source"]["document"] for f in features} == {SEED.name}
    assert {f["properties"]["country"] for f in features} == {"IQ", "SY"}


def test_an_incident_an_analyst_deleted_stays_deleted_on_reingest(store, gazetteer):
    first = ingest(store, SEED, gazetteer=lambda: gazetteer, status="draft")
    assert first.added == 3
    wrong = next(f for f in stored(store).values()
                 if f["properties"]["sub_event_type"] == "Air/drone strike")
    store.delete(wrong["id"], author="analyst")
    again = ingest(store, SEED, gazetteer=lambda: gazetteer, status="draft")
    assert (again.added, again.skipped, again.refused) == (0, 3, [])
    assert store.find(wrong["id"]) is None and len(stored(store)) == 2


def test_report_that_is_not_utf8_is_reported_by_name(store, tmp_path, gazetteer):
    report = tmp_path / "latin1.txt"
    report.write_bytes("---\ntitle: Raqqa\n---\nCaf\xe9 bombing in Raqqa.".encode("latin-1"))
    summary = ingest(store, report, gazetteer=lambda: gazetteer)
    assert summary.failed[0].path == str(report)
    assert "latin1.txt is not UTF-8 text" in summary.failed[0].error


# --- GeoJSON ------------------------------------------------------------------------------

def test_geojson_collection_is_stored_and_a_second_ingest_adds_nothing(store, tmp_path, reading):
    path = write_collection(tmp_path / "incidents.geojson", list(samples().values()))
    first = ingest(store, path)
    assert (first.added, first.skipped, first.refused, first.failed) == (6, 0, [], [])
    again = ingest(store, path)
    assert (again.added, again.skipped) == (0, 6)
    assert stored(store)[parse_feature(sample("erbil_missiles"))["id"]]["properties"][
        "location_mention"] == "Arbil"


def test_features_without_id_get_a_stable_one_from_incident_id(store, tmp_path):
    raw = sample("mosul_ied")
    path = write_collection(tmp_path / "mosul.json", [raw])
    ingest(store, path)
    p = raw["properties"]
    expected = incident_id("incidents", p["source"]["document"], p["event_date"], p["location"],
                           p["sub_event_type"], p["quote"])
    assert list(stored(store)) == [expected]
    assert ingest(store, path).skipped == 1


def test_a_refused_feature_is_named_and_leaves_nothing_half_written(store, tmp_path, reading):
    bad = sample("idlib_airstrike")
    bad["geometry"]["coordinates"] = [35.93, 36.63 + 90]  # latitude out of range
    wrong_type = sample("baghdad_protest")
    wrong_type["properties"]["sub_event_type"] = "Armed clash"
    features = [sample("green_village"), sample("mosul_ied"), bad, wrong_type]
    summary = ingest(store, write_collection(tmp_path / "mixed.geojson", features))
    assert summary.added == 2
    assert [(r.where, r.field) for r in summary.refused] == [
        ("features[2]", "geometry.coordinates"), ("features[3]", "properties.sub_event_type")]
    assert "outside -90..90" in summary.refused[0].message
    assert "not a sub-event type of 'Protests'" in summary.refused[1].message
    assert stored_count(store) == 2
    assert "features[2]: geometry.coordinates: latitude" in "\n".join(summary.lines())


def test_a_changed_feature_under_a_stored_id_is_refused_not_overwritten(store, tmp_path, reading):
    first = dict(sample("erbil_missiles"), id="erbil-2022-03-13")
    ingest(store, write_collection(tmp_path / "a.geojson", [first]))
    changed = dict(sample("erbil_missiles"), id="erbil-2022-03-13")
    changed["properties"]["fatalities"] = 1
    summary = ingest(store, write_collection(tmp_path / "b.geojson", [changed]))
    assert [(r.where, r.field) for r in summary.refused] == [("features[0]", "id")]
    assert "stored with different content" in summary.refused[0].message
    assert store.get("erbil-2022-03-13")["properties"]["fatalities"] == 0


def test_one_feature_file_and_a_bare_list_are_read(store, tmp_path, reading):
    one = tmp_path / "one.geojson"
    one.write_bytes(orjson.dumps(sample("green_village")))
    bare = tmp_path / "list.json"
    bare.write_bytes(b"\xef\xbb\xbf" + orjson.dumps([sample("mosul_ied"), sample("idlib_airstrike")]))
    summary = ingest(store, one, bare)
    assert summary.added == 3 and not summary.failed


def test_truncated_geojson_keeps_what_came_before_and_names_the_problem(store, tmp_path, reading):
    path = write_collection(tmp_path / "cut.geojson", list(samples().values()))
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b'"Feature"', len(data) // 2)])
    summary = ingest(store, path)
    assert 0 < summary.added < 6 and summary.added == stored_count(store)
    assert summary.failed[0].error.startswith("not valid JSON (before byte")
    assert f"{path}: cannot be read: not valid JSON" in "\n".join(summary.lines())


def test_geojson_text_sequence_refuses_bad_lines_by_number(store, tmp_path, reading):
    lines = [orjson.dumps(sample("green_village")), b"", b"\x1e" + orjson.dumps(sample("mosul_ied")),
             b'{"type": "Feature", "geometry": ', orjson.dumps({"type": "Feature"})]
    path = tmp_path / "incidents.geojsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = ingest(store, path)
    assert summary.added == 2
    assert [(r.where, r.field) for r in summary.refused] == [("line 4", "line"),
                                                             ("line 5", "geometry")]
    assert summary.refused[0].message.startswith("not valid JSON")


# --- CSV ----------------------------------------------------------------------------------

def test_acled_export_is_mapped_and_its_bad_row_refused(store):
    summary = ingest(store, ACLED)
    assert (summary.added, summary.skipped) == (9, 0)
    [refusal] = summary.refused
    assert (refusal.where, refusal.field) == ("line 9", "event_date")
    assert "'31 April 2022' is not a date" in refusal.message
    features = stored(store)
    assert "SYR120011" not in features
    p = features["SYR120431"]["properties"]
    assert features["SYR120431"]["geometry"] == {"type": "Point", "coordinates": [40.576, 35.152]}
    assert (p["event_date"], p["country"], p["admin1"], p["location"]) == (
        "2022-04-07", "SY", "Deir ez-Zor", "Green Village")
    assert (p["time_precision"], p["geo_precision"], p["fatalities"]) == (1, 1, 0)
    assert p["summary"].startswith("On 7 April 2022, an unidentified armed group fired rockets")
    assert p["source"]["publisher"] == "Newsweek; Reuters"
    assert (p["admin2"], p["inter1"], p["source_scale"]) == ("Al Mayadin", "3", "International")
    # every ACLED column is kept, so that `export --format acled` gives the file back
    assert (p["year"], p["timestamp"], p["iso"], p["country_name"]) == (
        "2022", "1650290416", "760", "Syria")
    assert features["IRQ54210"]["properties"]["country"] == "IQ"
    assert '"among them children"' in features["SYR119870"]["properties"]["summary"]
    assert ingest(store, ACLED).skipped == 9


@pytest.mark.parametrize(("text", "day"), [
    ("07 April 2022", "2022-04-07"), ("7 April 2022", "2022-04-07"), ("2022-04-07", "2022-04-07"),
    ("07-April-2022", "2022-04-07"), ("07 Apr 2022", "2022-04-07"),
    ("2022-04-07T21:40:00", "2022-04-07")])
def test_acled_date_formats(text, day):
    assert read_date(text) == day


@pytest.mark.parametrize(("value", "code"), [
    ("IQ", "IQ"), ("sy", "SY"), ("Iraq", "IQ"), ("Syria", "SY"), ("368", "IQ"), ("760", "SY"),
    (368.0, "IQ"), ("IRQ", "IQ"), ("Lebanon", "LB"), ("792", "TR")])
def test_country_names_and_codes(value, code):
    assert read_country(value) == code


def test_turkey_by_name_falls_back_to_acled_iso_column(store, tmp_path):
    path = tmp_path / "turkey.csv"
    path.write_text("event_date;event_type;sub_event_type;country;iso;latitude;longitude\n"
                    "2022-06-01;Battles;Armed clash;Türkiye-ish;792;37.06;37.38\n",
                    encoding="utf-8")
    summary = ingest(store, path)
    assert summary.added == 1, summary.lines()
    assert next(iter(stored(store).values()))["properties"]["country"] == "TR"


def test_csv_rows_refused_with_their_column(store, tmp_path, reading):
    path = tmp_path / "rows.csv"
    path.write_text("Latitude,Longitude,Event Date,Event Type,Sub Event Type,Fatalities\n"
                    "35.33,40.14,2022-04-01,Battles,Armed clash,2\n"
                    "35.33,forty,2022-04-01,Battles,Armed clash,2\n"
                    "35.33,40.14,2022-04-02,Battles,Armed clash,two\n"
                    ",40.14,2022-04-03,Battles,Armed clash,1\n"
                    "35.33,40.14,2022-04-04,Battles\n"
                    "\n"
                    "35.34,40.15,2022-04-05,Riots,Mob violence,\n", encoding="utf-8")
    summary = ingest(store, path)
    assert summary.added == 2
    assert [(r.where, r.field) for r in summary.refused] == [
        ("line 3", "longitude"), ("line 4", "fatalities"), ("line 5", "latitude"), ("line 6", "row")]
    assert summary.refused[0].message == "'forty' is not a number"


# --- unreadable files ---------------------------------------------------------------------

def test_unreadable_files_are_named_with_the_reason_and_the_others_proceed(store, tmp_path, reading):
    (tmp_path / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [{,]}')
    (tmp_path / "nocoords.csv").write_text("event_date,event_type,place\n2022-04-01,Battles,x\n")
    (tmp_path / "latin1.csv").write_bytes("latitude,longitude,location\n35.3,40.1,Caf\xe9\n"
                                          .encode("latin-1"))
    (tmp_path / "topology.json").write_text('{"type": "Topology", "objects": {}}')
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "fake.gpkg").write_text("not a geopackage")
    (tmp_path / "table.xlsx").write_text("")
    good = write_collection(tmp_path / "good.geojson", [sample("green_village")])
    names = ["broken.geojson", "nocoords.csv", "latin1.csv", "topology.json", "empty.csv",
             "fake.gpkg", "table.xlsx", "missing.csv"]
    summary = ingest(store, *(tmp_path / name for name in names), good)
    assert summary.added == 1
    errors = {Path(result.path).name: result.error for result in summary.failed}
    assert errors["broken.geojson"].startswith("not valid JSON (before byte 47): parse error")
    assert errors["nocoords.csv"].startswith("no latitude and longitude columns (its columns: "
                                             "event_date, event_type, place)")
    assert errors["latin1.csv"].startswith("not UTF-8 text")
    assert errors["topology.json"] == "not a GeoJSON FeatureCollection or Feature (type 'Topology')"
    assert errors["empty.csv"] == "the file is empty; a CSV needs a header row"
    assert errors["fake.gpkg"].startswith("not a readable GeoPackage")
    assert errors["table.xlsx"].startswith("unsupported file type '.xlsx'")
    assert errors["missing.csv"] == "no such file or folder"


def test_folders_are_walked_for_supported_files(store, tmp_path, gazetteer):
    folder = tmp_path / "inbox"
    (folder / "reports").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    shutil.copy(SEED, folder / "reports" / SEED.name)
    write_collection(folder / "a.geojson", [sample("mosul_ied")])
    write_collection(folder / ".hidden" / "b.geojson", [sample("idlib_airstrike")])
    (folder / "notes.xlsx").write_text("ignored")
    summary = ingest(store, folder, gazetteer=lambda: gazetteer)
    assert [Path(result.path).name for result in summary.files] == ["a.geojson", SEED.name]
    assert summary.added == 4 and not summary.failed
    (tmp_path / "empty").mkdir()
    [empty] = ingest(store, tmp_path / "empty").files
    assert empty.error.startswith("a folder without files geomap reads (.txt, .md, .geojson")


# --- GeoPackage ---------------------------------------------------------------------------

def test_geopackage_in_another_crs_with_other_column_names(store, tmp_path, reading):
    import geopandas
    import pandas
    import shapely

    frame = geopandas.GeoDataFrame(
        {"Event_Date": pandas.to_datetime(["2022-04-07", "2022-02-20", "2022-01-02"]),
         "Event_Type": ["Battles", "Explosions/Remote violence", "Explosions/Remote violence"],
         "Sub Event Type": ["Armed clash", "Remote explosive/landmine/IED", "Air/drone strike"],
         "Country": ["Syria", "Iraq", "Syria"], "Fatalities": [0, 3, 5],
         "Location": ["Mayadin", "Mosul", "Idlib"]},
        geometry=[shapely.Point(40.4512, 35.0201), shapely.Point(43.1189, 36.3450),
                  shapely.MultiPoint([(36.6, 35.9), (36.7, 35.95)])], crs="EPSG:4326")
    path = tmp_path / "field.gpkg"
    frame.to_crs(3857).to_file(path, layer="field_reports", driver="GPKG")
    summary = ingest(store, path)
    assert summary.added == 2
    [refusal] = summary.refused
    assert (refusal.where, refusal.field) == ("field_reports fid 3", "geometry.type")
    by_place = {f["properties"]["location"]: f for f in stored(store).values()}
    lon, lat = by_place["Mosul"]["geometry"]["coordinates"]
    assert (round(lon, 6), round(lat, 6)) == (43.1189, 36.345)
    p = by_place["Mosul"]["properties"]
    assert (p["event_date"], p["country"], p["fatalities"]) == ("2022-02-20", "IQ", 3)


# --- progress and large files -------------------------------------------------------------

class Bar:
    def __init__(self, label, total):
        self.label, self.total, self.done, self.closed = label, total, 0, False

    def update(self, n):
        self.done += n

    def close(self):
        self.closed = True


def test_progress_counts_the_bytes_of_the_file(store, tmp_path, monkeypatch, reading):
    monkeypatch.setattr(ingest_module, "CHUNK", 4)  # several add_many calls per file
    features = [dict(sample("green_village"), id=f"gv-{n}") for n in range(10)]
    for feature in features:
        feature["properties"] = dict(feature["properties"], id=feature["id"])
    path = write_collection(tmp_path / "ten.geojson", features)
    bars = []
    summary = ingest(store, path, progress=lambda label, total: bars.append(Bar(label, total))
                     or bars[-1])
    assert summary.added == 10
    [bar] = bars
    assert (bar.label, bar.total, bar.done, bar.closed) == ("ten.geojson", path.stat().st_size,
                                                            path.stat().st_size, True)


def mixed_sequence(path: Path) -> Path:
    """30 lines of incidents: bad JSON on line 8, an impossible date on line 13, line 21
    changes line 4's incident under its id, and a blank line before line 26."""
    names = ("green_village", "mosul_ied", "idlib_airstrike")
    features = []
    for n in range(30):
        feature = sample(names[n % 3])
        feature["properties"] = dict(feature["properties"], id=f"seq-{n}")
        features.append(feature)
    features[12]["properties"]["event_date"] = "2022-02-30"
    features[20]["properties"] = dict(features[3]["properties"], fatalities=9)
    lines = [orjson.dumps(feature) for feature in features]
    lines[7] = b'{"type": "Feature", "geometry": '
    lines.insert(25, b"")
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_a_worker_reads_a_file_as_this_process_does(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_module, "CHUNK", 7)  # several add_many calls, batches of 3
    path = mixed_sequence(tmp_path / "mixed.geojsonl")
    summaries, features = {}, {}
    for where, least in (("here", 10**12), ("worker", 0)):
        monkeypatch.setattr(ingest_worker, "WORKER_MIN_BYTES", least)
        with SQLiteStore(tmp_path / f"{where}.sqlite", batch_size=3) as store:
            summaries[where] = ingest(store, path, drafts_only=True).to_dict()
            features[where] = [without_times(f) for f in store.iter_features(EVERYTHING)]
    assert summaries["worker"] == summaries["here"]
    refused = [(r["where"], r["field"]) for r in summaries["here"]["files"][0]["refused"]]
    assert refused == [("line 8", "line"), ("line 13", "properties.event_date"),
                       ("line 21", "id")]
    assert summaries["here"]["added"] == 27 and len(features["here"]) == 27
    assert features["worker"] == features["here"]
    assert {f["properties"]["status"] for f in features["worker"]} == {"draft"}


def exported_collection(path: Path) -> Path:
    """A FeatureCollection one feature a line, as geomap and GDAL write it: features in
    stored form, the same in an analyst's raw form, and a few that parse_feature changes
    or refuses."""
    stored = [parse_feature(dict(f, id=f"exp-{n}")) for n, f in enumerate(samples().values())]
    raw = list(samples().values())
    odd = [dict(copy.deepcopy(stored[0]), id="exp-odd")]
    odd[0]["properties"] = dict(odd[0]["properties"], id="exp-odd", country="sy",
                                event_date="2022-02-30")
    odd.append(dict(copy.deepcopy(stored[1]), id="exp-1"))
    odd[1]["properties"]["fatalities"] = 40  # its id is stored with other content
    lines = [orjson.dumps(feature) for feature in stored + raw + odd]
    path.write_bytes(b'{"type": "FeatureCollection", "features": [\n' + b",\n".join(lines)
                     + b"\n]}\n")
    return path


def test_a_worker_reads_exported_features_typed_to_the_same_incidents(tmp_path, monkeypatch):
    path = exported_collection(tmp_path / "exported.geojson")
    summaries, features = {}, {}
    for where, least in (("here", 10**12), ("worker", 0)):
        monkeypatch.setattr(ingest_worker, "WORKER_MIN_BYTES", least)
        with SQLiteStore(tmp_path / f"{where}.sqlite") as store:
            summaries[where] = ingest(store, path).to_dict()
            features[where] = {i: without_times(f) for i, f in stored(store).items()}
            again = ingest(store, path)  # the same file again: every incident is known
    assert summaries["worker"] == summaries["here"]
    assert [(r["where"], r["field"]) for r in summaries["here"]["files"][0]["refused"]] == [
        ("features[12]", "properties.event_date"), ("features[13]", "id")]
    assert features["worker"] == features["here"] and len(features["here"]) == 12
    assert (again.added, again.skipped, len(again.refused)) == (0, 12, 2)


class IteratingStore(SQLiteStore):
    """A store that reads every input itself, as a backend without prepared batches does."""

    def add_many(self, features, **options):
        return super().add_many((feature for feature in features), **options)


def test_a_store_that_iterates_reads_a_large_file_here(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_module, "CHUNK", 7)
    monkeypatch.setattr(ingest_worker, "WORKER_MIN_BYTES", 0)
    path = mixed_sequence(tmp_path / "mixed.geojsonl")
    with IteratingStore(tmp_path / "iterating.sqlite", batch_size=3) as store:
        summary = ingest(store, path)
        assert summary.added == stored_count(store) == 27
    assert [r.where for r in summary.refused] == ["line 8", "line 13", "line 21"]


def without_times(feature: dict) -> dict:
    properties = {k: v for k, v in feature["properties"].items()
                  if k not in ("created_at", "updated_at")}
    return {**feature, "properties": properties}


CRASH_FEATURES = 60_000


@pytest.fixture(scope="module")
def big_geojson(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.geojson"
    load_synthetic().main([str(CRASH_FEATURES), str(path)])
    return path


def count_rows(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM incidents").fetchone()[0]


def wait_for_rows(db: Path, process, timeout=300) -> int:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if db.exists() and (rows := count_rows(db)):
                return rows
        except sqlite3.OperationalError:
            pass  # not migrated yet
        time.sleep(0.02)
    raise AssertionError("the ingest stored nothing before it ended")


def assert_group_ends(group: int, timeout: float = 60) -> None:
    """Every process of the group has ended (a worker left behind would read on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.killpg(group, signal.SIGKILL)
    raise AssertionError("a process of the killed ingest was still running")


def test_killed_ingest_leaves_whole_batches_and_a_rerun_completes(tmp_path, big_geojson):
    db = tmp_path / "crash.sqlite"
    gazetteer_db = tmp_path / "untouched-gazetteer.sqlite"
    env = {**os.environ, "GEOMAP_GAZETTEER_DB": str(gazetteer_db)}
    command = [sys.executable, "-m", "geomap", "--db", str(db), "ingest", str(big_geojson)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_rows(db, process)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        assert_group_ends(process.pid)  # its reading worker ends with it
    finally:
        if process.poll() is None:
            process.kill()
    with SQLiteStore(db) as store:  # opening it recovers the WAL and builds the indexes
        count = stored_count(store)  # that the import into an empty store put off
        with contextlib.closing(store.inspect()) as conn:
            assert conn.execute("SELECT count(*) FROM deferred_indexes").fetchone() == (0,)
            assert {name for (name,) in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'index'")} >= {
                "incidents_layer_cell", "incidents_layer_date"}
    # whole transactions only: the first holds BATCH_SIZE features and the second, twice
    # as large, the rest of the file, so the kill can only have come between them
    assert count == BATCH_SIZE < CRASH_FEATURES <= 3 * BATCH_SIZE
    rerun = subprocess.run(command, env=env, capture_output=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    with SQLiteStore(db) as store:
        assert stored_count(store) == CRASH_FEATURES
    assert not Path(f"{db}-import.lock").exists()
    assert f"{CRASH_FEATURES - count:,} added, {count:,} skipped, 0 refused" in rerun.stdout.decode()
    assert not gazetteer_db.exists()


# --- command line -------------------------------------------------------------------------

def test_cli_ingest_prints_the_summary_and_exits_1_on_refusals(tmp_path):
    db = tmp_path / "cli.sqlite"
    path = write_collection(tmp_path / "samples.geojson", list(samples().values()))
    runner = CliRunner()
    done = runner.invoke(main, ["--db", str(db), "ingest", str(path)])
    assert done.exit_code == 0, done.output
    assert f"{path}: 6 added, 0 skipped, 0 refused" in done.output
    done = runner.invoke(main, ["--db", str(db), "ingest", str(ACLED), str(path)])
    assert done.exit_code == 1
    assert "line 9: event_date: '31 April 2022' is not a date" in done.output
    assert "total: 9 added, 6 skipped (already stored), 1 refused, in 2 files" in done.output
    with SQLiteStore(db) as store:
        assert store.count(EVERYTHING) == 15
