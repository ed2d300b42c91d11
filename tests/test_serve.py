"""``geomap serve``: threads and the connection limit from options or GEOMAP_* settings, and
a real server that keeps answering 150 keep-alive clients at once (waitress's own limit of
100 connections left the others hanging)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import waitress
from click.testing import CliRunner

from geomap.cli import main
from geomap.config import Settings
from geomap.store import SQLiteStore
from tests.incident_samples import samples


@pytest.fixture
def served(monkeypatch):
    """What waitress.serve was asked for, instead of serving."""
    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **options: calls.append(options))
    return calls


def test_threads_and_connection_limit_come_from_the_options(served, tmp_path):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "g.sqlite"), "serve", "--port", "8123",
                                       "--threads", "12", "--connection-limit", "400"])
    assert result.exit_code == 0, result.output
    assert served == [{"host": "127.0.0.1", "port": 8123, "ident": "geomap", "threads": 12,
                       "connection_limit": 400}]
    assert "(12 threads, up to 400 connections)" in result.stderr


def test_then_from_the_environment_then_defaults_that_hold_200_clients(served, tmp_path):
    env = {"GEOMAP_DB": str(tmp_path / "g.sqlite"), "GEOMAP_THREADS": "6"}
    assert CliRunner().invoke(main, ["serve"], env=env).exit_code == 0
    assert (served[0]["threads"], served[0]["connection_limit"]) == (6, 1000)
    assert Settings().connection_limit >= 200 and Settings().threads > 4
    bad = CliRunner().invoke(main, ["serve"], env={**env, "GEOMAP_CONNECTION_LIMIT": "lots"})
    assert bad.exit_code == 2 and "GEOMAP_CONNECTION_LIMIT: must be a whole number" in bad.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_real_server_answers_150_keep_alive_clients_at_once(tmp_path):
    db = tmp_path / "g.sqlite"
    with SQLiteStore(db) as store:
        store.add_many(samples().values())
    port = _free_port()
    env = {**os.environ, "GEOMAP_DB": str(db)}
    server = subprocess.Popen([sys.executable, "-m", "geomap", "serve", "--port", str(port)],
                              env=env, stderr=subprocess.DEVNULL)
    clients = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no server"
                time.sleep(0.2)
        for _ in range(150):  # every connection open at once, none closed
            conn = socket.create_connection(("127.0.0.1", port), timeout=20)
            conn.sendall(b"GET /api/layers/incidents/features?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            clients.append(conn)
        answers = [conn.recv(64) for conn in clients]
        assert all(answer.startswith(b"HTTP/1.1 200") for answer in answers)
    finally:
        for conn in clients:
            conn.close()
        server.terminate()
        server.wait(10)
