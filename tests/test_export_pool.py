"""Heavy downloads on a real waitress server: at most GEOMAP_EXPORT_SLOTS at once, the rest
503 with Retry-After, and gazetteer searches answered while the exports run (before, four
GeoPackage exports held every worker thread and a search timed out).

The exports are kept running by clients that do not read them, as slow clients do: once the
server's buffers are full, each export holds its worker thread until its client reads on.
"""

from __future__ import annotations

import http.client
import socket
import threading

import pytest
import waitress

from tests.web_support import numbered

DOWNLOAD = b"GET /api/layers/incidents/features?format=csv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture
def server(make_app):
    """The app on waitress with 4 threads and 2 export slots, over 6,000 incidents."""
    app = make_app(export_slots=2)
    state = app.extensions["geomap"]
    state.store.add_many(numbered(6000))
    served = waitress.create_server(app, host="127.0.0.1", port=0, threads=4,
                                    outbuf_high_watermark=64 * 1024)
    closing = threading.Event()

    def run():
        try:
            served.run()
        except (OSError, ValueError):  # its sockets closed under the loop, at shutdown
            if not closing.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield int(served.effective_port), state
    closing.set()
    served.task_dispatcher.shutdown()
    served.close()
    thread.join(10)


def slow_client(port: int) -> tuple[socket.socket, bytes]:
    """A connection that asks for the whole layer as CSV and reads only the status line."""
    conn = socket.socket()
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    conn.settimeout(60)
    conn.connect(("127.0.0.1", port))
    conn.sendall(DOWNLOAD)
    return conn, conn.recv(12)


def get(port: int, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def read_to_end(conn: socket.socket) -> bytes:
    data = b""
    while chunk := conn.recv(1 << 16):
        data += chunk
        if data.endswith(b"0\r\n\r\n"):  # the end of a chunked body
            break
    return data


def test_searches_are_answered_while_exports_run_and_extra_exports_wait(server):
    port, state = server
    clients, statuses = zip(*(slow_client(port) for _ in range(2)), strict=True)
    try:
        assert statuses == (b"HTTP/1.1 200",) * 2
        for _ in range(2):  # more exports now: refused at once, not queued behind the others
            status, headers, body = get(port, "/api/layers/incidents/features?format=gpkg")
            assert (status, headers["Retry-After"]) == (503, "30"), body
        for query in ("Mosul", "Deir+ez-Zor", "Kirkuk"):  # the light routes keep answering
            assert get(port, f"/api/gazetteer/search?q={query}")[0] == 200
        assert get(port, "/api/layers/incidents/features?limit=10")[0] == 200
        rows = [read_to_end(conn).count(b"Incident number") for conn in clients]
        assert rows == [6000, 6000]  # the slow exports were whole
    finally:
        for conn in clients:
            conn.close()
    status, _, body = get(port, "/api/layers/incidents/features?format=gpkg")
    assert status == 200 and body.startswith(b"SQLite format 3")  # the slots came back
