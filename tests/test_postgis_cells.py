"""PostGIS's per-cell counts (migration 010) on a real server: after every kind of write,
with two writers at once, and filled by the migration on an older store, they say what
the rows say, and a bbox's count read from them is what counting the features says."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import orjson
import psycopg
import pytest

from geomap.incident import geometry_bbox
from geomap.query import IncidentQuery
from geomap.store import open_store
from tests.conftest import postgis_schemas, postgres_dsn, undo_cell_counts
from tests.incident_samples import sample, samples

_GROUPED = ("SELECT layer, cell, event_type, status, count(*) FROM incidents "
            "WHERE cell < 16777216 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4")
_SUMMARY = "SELECT layer, cell, event_type, status, count FROM incident_cells ORDER BY 1, 2, 3, 4"
TYPES = ("Battles", "Protests", "Riots")
PROPERTY = {"statuses": "status", "event_types": "event_type"}
SUB_TYPES = {"Battles": "Armed clash", "Protests": "Peaceful protest", "Riots": "Mob violence"}


@pytest.fixture
def schemas() -> Iterator:
    """Fresh schemas on the primary: ``schemas(name)`` is the URL of one."""
    with postgis_schemas(postgres_dsn()) as location:
        yield location


def town(count: int, seed: int, prefix: str = "town") -> list[dict]:
    """Incidents around one town (a few on exact cell lines, a few roads), of three types,
    drafts and published, in two layers."""
    rng, names, features = random.Random(seed), sorted(samples()), []
    for number in range(count):
        feature = sample(names[number % len(names)])
        lon, lat = rng.gauss(44.37, 0.3), rng.gauss(33.31, 0.25)
        if number % 9 == 0:  # on a cell's corner
            lon, lat = round(lon * 8) / 8, round(lat * 8) / 8
        feature["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
        if number % 40 == 7:
            feature["geometry"] = {"type": "LineString",
                                   "coordinates": [[lon, lat], [lon + 0.2, lat + 0.05]]}
        kind = rng.choice(TYPES)
        feature["properties"].update(
            id=f"{prefix}-{seed}-{number}", layer=("incidents", "archive")[number % 6 == 0],
            event_type=kind, sub_event_type=SUB_TYPES[kind],
            status=rng.choice(("draft", "published")))
        features.append(feature)
    return features


def assert_cells_agree(url: str) -> None:
    """incident_cells holds exactly the counts of the rows, no row of count 0."""
    with psycopg.connect(url) as conn:
        assert conn.execute(_SUMMARY).fetchall() == conn.execute(_GROUPED).fetchall()


def assert_counts_exact(store, features: list[dict]) -> None:
    """Bbox counts (and full pages' numberMatched) are what counting the features says."""
    rng = random.Random(5)
    boxes = [(43.5, 32.5, 45.5, 34.0), (44.125, 33.125, 44.625, 33.5), (44.0, 33.0, 44.0, 34.0)]
    boxes += [(lon, lat, lon + rng.uniform(0.2, 1.2), lat + rng.uniform(0.2, 1.0))
              for lon, lat in ((rng.gauss(44.2, 0.3), rng.gauss(33.1, 0.3)) for _ in range(12))]
    for bbox in boxes:
        for given in ({}, {"statuses": ("published",)}, {"event_types": ("Battles", "Riots")}):
            expected = sum(
                f["properties"]["layer"] == "incidents" and _meets(f, bbox)
                and f["properties"]["status"] in given.get("statuses", ("draft", "published"))
                and f["properties"]["event_type"] in given.get("event_types", TYPES)
                for f in features)
            assert store.count(IncidentQuery(bbox=bbox, limit=None, **given)) == expected
            page = store.page_json(IncidentQuery(bbox=bbox, limit=10, **given))
            assert page.matched == expected, (bbox, given)


def _meets(feature: dict, bbox: tuple) -> bool:
    box = geometry_bbox(feature["geometry"])
    return box[0] <= bbox[2] and box[2] >= bbox[0] and box[1] <= bbox[3] and box[3] >= bbox[1]


def test_cell_counts_follow_adds_updates_deletes_and_merges(schemas):
    url = schemas("cell-counts")
    features = town(600, seed=1)
    with open_store(url) as store:
        store.add_many(features[:500])
        store.add_all(features[500:550])
        store.add(features[550])
        assert_cells_agree(url)
        moves = [("geometry", {"type": "Point", "coordinates": [44.4021, 33.2817]}),
                 ("properties", {"event_type": "Riots", "sub_event_type": "Mob violence"}),
                 ("properties", {"status": "published"}), ("properties", {"layer": "incidents"}),
                 ("geometry", {"type": "LineString", "coordinates": [[44.1, 33.1], [44.3, 33.2]]})]
        for number, feature in enumerate(features[:100]):
            member, change = moves[number % len(moves)]
            store.update(feature["properties"]["id"], {member: change})
        for feature in features[100:160]:
            store.delete(feature["properties"]["id"])
        store.merge(features[160]["properties"]["id"], {"properties": {"status": "published"}},
                    [f["properties"]["id"] for f in features[161:170]])
        store.add(features[120])  # a deleted id added again
        assert_cells_agree(url)
        kept = {f["id"]: f for f in store.iter_features(IncidentQuery(layer=None, limit=None))}
        assert_counts_exact(store, list(kept.values()))


def test_two_writers_at_once_keep_the_cell_counts(schemas):
    url = schemas("cell-writers")
    first, second = town(900, seed=2, prefix="east"), town(900, seed=3, prefix="west")
    with open_store(url) as east, open_store(url) as west:
        east.add_many(first[:300])
        errors = []

        def run(call) -> None:
            try:
                call()
            except Exception as error:  # reported below
                errors.append(error)

        def edit() -> None:
            for number, feature in enumerate(first[:300]):
                if number % 3:
                    west.update(feature["properties"]["id"], {"properties": {
                        "event_type": "Protests", "sub_event_type": "Peaceful protest"}})
                else:
                    west.delete(feature["properties"]["id"])
        threads = [threading.Thread(target=run, args=(call,)) for call in (
            lambda: east.add_many(first[300:], batch_size=100), edit,
            lambda: west.add_many(second, batch_size=150))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert errors == []
        assert_cells_agree(url)
        kept = list(east.iter_features(IncidentQuery(layer=None, limit=None)))
        assert len(kept) == 1800 - 100
        assert_counts_exact(west, kept)


def test_migrations_010_and_011_count_the_cells_of_an_older_store(schemas):
    url = schemas("cell-migration")
    features = town(400, seed=4)
    with open_store(url) as store:
        store.add_many(features)
    with psycopg.connect(url, autocommit=True) as conn:  # the store as version 9 left it
        undo_cell_counts(conn)
        conn.execute("CREATE INDEX incidents_layer_cell ON incidents (layer, cell) "
                     "INCLUDE (event_date, id, event_type, status, minlon, minlat, maxlon, maxlat)")
        conn.execute("DELETE FROM geomap_schema WHERE version >= 10")
    with open_store(url) as store:
        assert store.schema_version >= 10
        assert_cells_agree(url)
        assert_counts_exact(store, features)


def newest_first(features: list[dict]) -> list[str]:
    """Ids newest first, then by id: the default order."""
    by_id = sorted(features, key=lambda f: f["properties"]["id"])
    return [f["properties"]["id"] for f in sorted(
        by_id, key=lambda f: f["properties"]["event_date"], reverse=True)]


def test_a_dense_page_newest_first_is_the_newest_matches_however_the_dates_fall(schemas):
    """A page that the summaries count reads only its newest days (migration 011) and
    reads again when they hold too few: most of these incidents are of one old year, a
    few spread over the years after it, so the day it first reads from is too late."""
    rng, features = random.Random(6), town(700, seed=6)
    for number, feature in enumerate(features):
        year = 2019 if number % 10 else rng.randrange(2020, 2024)
        feature["properties"]["event_date"] = f"{year}-{rng.randrange(1, 13):02d}-1{number % 10}"
    with open_store(schemas("dated-pages")) as store:
        store.add_many(features)
        bbox = (43.9, 32.9, 44.9, 33.7)
        for given in ({}, {"statuses": ("published",)}, {"event_types": ("Protests",)}):
            inside = [f for f in features if f["properties"]["layer"] == "incidents"
                      and _meets(f, bbox) and all(f["properties"][PROPERTY[name]] in values
                                                  for name, values in given.items())]
            expected = newest_first(inside)
            assert len(expected) > 150
            for limit, offset in ((10, 0), (100, 0), (100, 40), (7, 120), (50, len(expected) - 20),
                                  (10, len(expected) + 5)):
                page = store.page_json(IncidentQuery(bbox=bbox, limit=limit, offset=offset, **given))
                assert page.matched == len(expected), (given, limit, offset)
                assert [orjson.loads(data)["id"] for data in page.features] == \
                    expected[offset:offset + limit], (given, limit, offset)


def test_an_import_counts_the_cells_once_at_its_end_beside_a_writer(schemas):
    """An import into an empty store puts the counts off (readers count by scanning) and
    counts them once at its end, while another writer adds, edits and deletes: each of
    that writer's changes is counted once, whenever it lands."""
    url = schemas("cell-import")
    imported, written = town(900, seed=7), town(400, seed=8, prefix="beside")
    with open_store(url) as importer, open_store(url) as writer:
        done, errors = threading.Event(), []

        def write() -> None:
            try:
                for number, feature in enumerate(written):
                    writer.add(feature)
                    if number % 4 == 3:
                        writer.update(written[number - 1]["properties"]["id"],
                                      {"properties": {"status": "published"}})
                    if number % 8 == 5:
                        writer.delete(written[number - 2]["properties"]["id"])
                    if done.is_set() and number > 300:
                        return
            except Exception as error:  # reported below
                errors.append(error)
        with importer.importing():
            assert "incident_cells" in deferred_names(url)
            importer.add_many(imported[:300], batch_size=100)
            assert_counts_exact(writer, imported[:300])  # counted by scanning meanwhile
            with psycopg.connect(url) as conn:  # and nothing counted into the summary yet
                assert conn.execute("SELECT count(*) FROM incident_cells").fetchone()[0] == 0
            beside = threading.Thread(target=write)
            beside.start()
            importer.add_many(imported[300:], batch_size=100)
        done.set()
        beside.join(timeout=120)
        assert errors == [] and deferred_names(url) == set()
        assert_cells_agree(url)
        assert_counts_exact(importer, list(importer.iter_features(
            IncidentQuery(layer=None, limit=None))))


def deferred_names(url: str) -> set[str]:
    """What an import put off and has not built yet."""
    with psycopg.connect(url) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM deferred_indexes")}
