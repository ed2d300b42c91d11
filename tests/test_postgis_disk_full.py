"""A full disk on the PostgreSQL server, for real: the store's tables live in a tablespace on
a 2 MB tmpfs, so the server fails a write with its own "could not extend file ... No space
left on device" (SQLSTATE 53100), while its WAL and catalogue stay on the ordinary disk.
Ingest stops with the same message as on SQLite and keeps whole batches; the API answers
the same 507. Needs root (to mount the tmpfs and run a private server as ``postgres``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import orjson
import psycopg
import pytest

from geomap.query import IncidentQuery
from geomap.services.ingest import ingest_paths
from geomap.store import open_store
from tests.web_support import TOKEN, assert_error, numbered

EVERYTHING = IncidentQuery(layer=None, limit=None)
TINY = "2M"


class TinyDiskServer:
    """A private PostgreSQL server whose tablespace ``tiny`` sits on a small tmpfs."""

    def __init__(self):
        self.bin = Path(os.environ.get("GEOMAP_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
        self.folder = Path(tempfile.mkdtemp(prefix="geomap-full-", dir="/tmp"))
        self.data, self.tiny, self.port = self.folder / "data", self.folder / "tiny", _free_port()
        self.tiny.mkdir()
        shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t",
                  "60", "-o", f"-p {self.port} -c unix_socket_directories={self.folder} "
                  "-c fsync=off -c listen_addresses=127.0.0.1", "start")
        self.mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TINY}", "tmpfs",
                                       str(self.tiny)], capture_output=True).returncode == 0
        if self.mounted:
            shutil.chown(self.tiny, "postgres")
            self._prepare()

    def _prepare(self) -> None:
        server = f"postgresql://postgres@127.0.0.1:{self.port}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE geomap_full")
            conn.execute(f"CREATE TABLESPACE tiny LOCATION '{self.tiny}'")
        with psycopg.connect(f"{server}/geomap_full", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")  # its 7 MB of CRS rows on the big disk
        self.url = f"{server}/geomap_full?options=-cdefault_tablespace%3Dtiny"

    def remove(self) -> None:
        """Stop the server, unmount the tmpfs and delete the folder."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        if self.mounted:
            subprocess.run(["umount", str(self.tiny)], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(self.bin / program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def full_disk_url():
    """The URL of a store whose tables fill a 2 MB disk after a few hundred incidents."""
    if os.geteuid() != 0 or not (Path(os.environ.get(
            "GEOMAP_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin")) / "initdb").exists():
        pytest.skip("needs root and PostgreSQL's programs to mount a tmpfs and run a server")
    server = TinyDiskServer()
    try:
        if not server.mounted:
            pytest.skip("this machine does not let the tests mount a tmpfs")
        yield server.url
    finally:
        server.remove()


def test_ingest_stops_with_sqlites_message_and_keeps_whole_batches(full_disk_url, tmp_path):
    big, later = tmp_path / "big.geojson", tmp_path / "later.geojson"
    big.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": numbered(3000)}))
    later.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": numbered(5)}))
    with open_store(full_disk_url, batch_size=100) as store:
        summary = ingest_paths(store, [big, later])
        stored = store.count(EVERYTHING)
        history = sum(1 for _ in store.iter_history())
    first = summary.files[0]
    assert first.full and len(summary.files) == 1  # the later file was not tried
    assert 0 < first.added == stored < 3000 and first.added % 100 == 0  # whole batches only
    assert first.error.startswith("the disk of the PostgreSQL server at postgresql://")
    assert "is full; that write was rolled back" in first.error and history == 0


def test_the_api_answers_507_and_stores_nothing_of_the_request(full_disk_url, make_app):
    client = make_app(db=full_disk_url).test_client()
    body = {"type": "FeatureCollection", "features": numbered(1500)}
    response = client.post("/api/incidents", data=orjson.dumps(body),
                           headers={"Authorization": f"Bearer {TOKEN}",
                                    "Content-Type": "application/json"})
    error = assert_error(response, 507)
    assert error["error"] == "insufficient_storage" and "disk is full" in error["message"]
    assert client.get("/api/layers/incidents/features").get_json()["numberMatched"] == 0
