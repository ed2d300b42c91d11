"""A large import into an empty PostGIS store: its secondary indexes are put off and built
once at the end, readers stay right meanwhile, and an import killed before building them
leaves them to the next store that opens the schema (store/postgis_indexes.py). The
killed writer itself is in test_postgis.py (kill -9 of ``geomap ingest``)."""

from collections.abc import Iterator

import psycopg
import pytest

from geomap.query import IncidentQuery
from geomap.store import open_store
from geomap.store.postgis_indexes import IMPORT_LOCK
from tests.conftest import postgis_schemas, postgres_dsn
from tests.incident_samples import samples
from tests.test_postgis import (
    DEFERRED,
    FULL_INDEXES,
    assert_summaries_agree,
    deferred_names,
    index_names,
)
from tests.test_store import many
from tests.test_store_import import answers

EVERY_INDEX = FULL_INDEXES | {"incidents_pkey"}


@pytest.fixture
def schemas() -> Iterator:
    """Fresh schemas on the primary: ``schemas(name)`` is the URL of one."""
    with postgis_schemas(postgres_dsn()) as location:
        yield location


def test_an_import_into_an_empty_store_builds_its_indexes_once(schemas):
    features = list(many(600))
    with open_store(schemas("plain")) as plain:
        for start in range(0, 600, 200):
            plain.add_many(features[start:start + 200], batch_size=50)
        expected = answers(plain)
    url = schemas("imported")
    with open_store(url) as store:
        with store.importing():
            assert index_names(url) == {"incidents_pkey"} and deferred_names(url) == DEFERRED
            for start in range(0, 600, 200):  # the ingest's chunks, each several batches
                assert store.add_many(features[start:start + 200], batch_size=50).added == 200
            assert answers(store) == expected  # readers scan instead of reading the indexes
        assert index_names(url) == EVERY_INDEX and deferred_names(url) == set()
        assert answers(store) == expected
        assert_summaries_agree(store)


def test_an_import_into_a_store_with_incidents_keeps_its_indexes(schemas):
    url = schemas("kept")
    with open_store(url) as store:
        store.add_many(samples().values())
        with store.importing():
            assert index_names(url) == EVERY_INDEX
            assert store.add_many(many(100)).added == 100
        assert deferred_names(url) == set()


def test_an_import_that_fails_still_builds_its_indexes(schemas):
    url = schemas("failed")
    with open_store(url) as store:
        with pytest.raises(RuntimeError), store.importing():
            store.add_many(many(120), batch_size=40)
            raise RuntimeError("the file turned unreadable")
        assert index_names(url) == EVERY_INDEX and deferred_names(url) == set()
        assert store.count(IncidentQuery(layer="a")) + store.count(IncidentQuery(layer="b")) == 120


def test_a_store_opened_during_an_import_leaves_the_indexes_to_it(schemas):
    url = schemas("shared")
    with open_store(url) as importer:
        with importer.importing():
            importer.add_many(many(100))
            with open_store(url) as reader:  # a web worker starting meanwhile
                assert deferred_names(url) == DEFERRED
                assert reader.count(IncidentQuery(layer="a", bbox=(-180, -90, 180, 90))) == \
                    importer.count(IncidentQuery(layer="a"))
        assert index_names(url) == EVERY_INDEX and deferred_names(url) == set()


def test_indexes_left_by_a_dead_importer_are_built_by_the_next_store(schemas):
    url = schemas("left")
    with open_store(url) as store, psycopg.connect(url, autocommit=True) as importer:
        # An importer's session that dropped the indexes and then died (its lock freed).
        assert importer.execute("SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))",
                                (IMPORT_LOCK,)).fetchone()[0]
        store.add_many(many(50))
        importer.execute("INSERT INTO deferred_indexes SELECT indexname, indexdef "
                         "FROM pg_indexes WHERE schemaname = current_schema() "
                         "AND tablename = 'incidents' AND indexname <> 'incidents_pkey'")
        for name in FULL_INDEXES:
            importer.execute(f'DROP INDEX "{name}"')
        with open_store(url):  # the lock is held: this store leaves them to the importer
            assert deferred_names(url) == FULL_INDEXES
        importer.close()
        with open_store(url) as next_store:
            assert index_names(url) == EVERY_INDEX and deferred_names(url) == set()
            assert next_store.count(IncidentQuery(layer=None)) == 50
