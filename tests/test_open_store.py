"""Where the store is: a path or sqlite URL is SQLite, postgresql:// is PostGIS, nothing else."""

import sys
import types

import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.config import Settings
from geomap.errors import ValidationError
from geomap.store import SQLiteStore, open_store


def test_paths_and_sqlite_urls_open_sqlite(tmp_path, monkeypatch):
    with open_store(tmp_path / "a.sqlite") as store:
        assert isinstance(store, SQLiteStore) and store.path == tmp_path / "a.sqlite"
    with open_store(f"sqlite:///{tmp_path}/b.sqlite") as store:
        assert store.path == tmp_path / "b.sqlite"
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///data/c.sqlite") as store:
        assert store.path.resolve() == tmp_path / "data" / "c.sqlite"
    with open_store("SQLite:///d.sqlite", batch_size=3) as store:
        assert store.batch_size == 3


@pytest.mark.parametrize("location, words", [
    ("mysql://db.example/geomap", "unknown scheme 'mysql'"),
    ("https://example.org/geomap.sqlite", "unknown scheme 'https'"),
    ("sqlite://", "needs a file path"),
    ("postgresql:/db.example/geomap", "is not a URL"),
])
def test_other_locations_are_refused_naming_the_setting(tmp_path, monkeypatch, location, words):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError, match=words) as caught:
        open_store(location)
    assert caught.value.field == "db"
    assert list(tmp_path.iterdir()) == []


def test_postgresql_goes_to_the_postgis_backend(monkeypatch):
    opened = []
    backend = types.ModuleType("geomap.store.postgis")
    backend.PostGISStore = lambda url, **options: opened.append((url, options)) or "postgis"
    monkeypatch.setitem(sys.modules, "geomap.store.postgis", backend)
    assert open_store("postgresql://analyst@db.example/geomap", pool_size=2) == "postgis"
    assert open_store("postgres://db.example/geomap") == "postgis"
    assert opened == [("postgresql://analyst@db.example/geomap", {"pool_size": 2}),
                      ("postgres://db.example/geomap", {})]


def test_without_the_postgis_backend_postgresql_is_refused_and_no_file_appears(tmp_path,
                                                                               monkeypatch):
    monkeypatch.setitem(sys.modules, "geomap.store.postgis", None)  # as if not installed
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError, match="PostGIS backend is not available") as caught:
        open_store("postgresql://geomap:s3cret@db.example/geomap")
    assert "s3cret" not in str(caught.value) and "geomap:***@" in str(caught.value)
    report = tmp_path / "report.md"
    report.write_text("Nothing happened.\n", encoding="utf-8")
    monkeypatch.setenv("GEOMAP_DB", "postgresql://db.example/geomap")
    done = CliRunner().invoke(main, ["ingest", str(report)])
    assert done.exit_code == 2 and "GEOMAP_DB" in done.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.md"]


def test_settings_keep_a_url_as_written_and_expand_a_path(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    url = Settings.from_env({"GEOMAP_DB": "postgresql://analyst@db.example:5433/geomap"}).db
    assert url == "postgresql://analyst@db.example:5433/geomap"
    assert Settings.from_env({"GEOMAP_DB": "~/geomap.sqlite"}).db == tmp_path / "geomap.sqlite"


def test_two_migrations_with_one_number_are_refused(tmp_path):
    from geomap.store.migrations_files import read_migrations

    (tmp_path / "001_initial.sql").write_text("CREATE TABLE a (x);")
    (tmp_path / "002_more.sql").write_text("CREATE TABLE b (x);")
    assert [n for n, _ in read_migrations(tmp_path)] == [1, 2]
    (tmp_path / "002_other_branch.sql").write_text("CREATE TABLE c (x);")
    with pytest.raises(RuntimeError, match="two migrations numbered 002"):
        read_migrations(tmp_path)
