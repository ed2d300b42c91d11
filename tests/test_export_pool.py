"""Heavy downloads on a real waitress server: at most GEOMAP_EXPORT_SLOTS at once, the rest
503 with Retry-After, and gazetteer searches answered while the exports run (before, four
GeoPackage exports held every worker thread and a search timed out)."""

from __future__ import annotations

import http.client
import threading
import time

import pytest
import waitress

from tests.web_support import numbered


@pytest.fixture
def server(make_app):
    """The app on waitress with 4 threads and 2 export slots, over 6,000 incidents."""
    app = make_app(export_slots=2)
    state = app.extensions["geomap"]
    features = numbered(6000)
    for number, feature in enumerate(features):
        feature["properties"]["event_date"] = f"20{10 + number % 14}-0{1 + number % 9}-1{number % 9}"
    state.store.add_many(features)
    state.gazetteer.resolve("Mosul")  # opened before the race, as on a server that has served
    served = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    closing = threading.Event()

    def run():
        try:
            served.run()
        except (OSError, ValueError):  # its sockets closed under the loop, at shutdown
            if not closing.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield served.effective_port, state
    closing.set()
    served.task_dispatcher.shutdown()
    served.close()
    thread.join(10)


def get(port: int, path: str) -> tuple[int, dict, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read(), time.monotonic()
    finally:
        conn.close()


def test_searches_are_answered_while_exports_run_and_extra_exports_wait(server):
    port, state = server
    results: dict[str, list] = {"exports": [], "searches": []}

    def export():
        results["exports"].append(get(port, "/api/layers/incidents/features?format=gpkg"))

    exports = [threading.Thread(target=export) for _ in range(4)]
    for thread in exports:
        thread.start()
    deadline = time.monotonic() + 60
    while state.export_slots._value > 0:  # both slots taken: two exports are running
        assert time.monotonic() < deadline, "the exports never started"
        time.sleep(0.01)
    for query in ("Mosul", "Deir ez-Zor", "Ain al-Asad", "Kirkuk"):
        results["searches"].append(get(port, f"/api/gazetteer/search?q={query.replace(' ', '+')}"))
    for thread in exports:
        thread.join(120)
    done = [r for r in results["exports"] if r[0] == 200]
    refused = [r for r in results["exports"] if r[0] == 503]
    assert len(done) >= 2 and len(done) + len(refused) == 4 and refused
    assert all(r[1]["Retry-After"] == "30" for r in refused)
    assert all(r[2].startswith(b"SQLite format 3") for r in done)
    assert all(status == 200 for status, *_ in results["searches"])
    first_export_done = min(r[3] for r in done)
    assert max(r[3] for r in results["searches"]) < first_export_done  # answered meanwhile
    deadline = time.monotonic() + 30  # the server closes a response just after its last byte
    while state.export_slots._value < 2:
        assert time.monotonic() < deadline, "an export slot was never given back"
        time.sleep(0.01)
