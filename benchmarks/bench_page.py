"""The map page's first paint and first drawn markers, in headless Chromium; run by hand:

    GEOMAP_TEST_GAZETTEER_DB=/tmp/gz2.sqlite python benchmarks/bench_page.py --n 100000 [--reuse]

(a script, not ``-m benchmarks...``: pysbd installs a top-level ``benchmarks`` package
that shadows this folder.)

Fills a store with ``n`` synthetic incidents, serves the real app on a live local server
(waitress, as ``geomap serve`` does; tiles pointed at a dead local port, so only the app
itself is timed), and loads the page
``--runs`` times, each in a fresh browser context (cold HTTP cache). Prints, in ms from
navigation start: first paint, first contentful paint, and ``geomap:drawn``, the mark the
page sets once the layers' markers are clustered and on the map. Not a test.
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import statistics
import threading
import time
from pathlib import Path

from synthetic import synthetic_incidents

from geomap.store import open_store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CHUNK = 50_000
TIMINGS = """() => {
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
  const drawn = performance.getEntriesByName('geomap:drawn')[0];
  return {fp: paint['first-paint'], fcp: paint['first-contentful-paint'], drawn: drawn && drawn.startTime,
          total: document.getElementById('total').textContent,
          layer: document.querySelector('#layer-list li').textContent};
}"""


def fill_store(db: Path, n: int, reuse: bool) -> None:
    """n synthetic incidents in a fresh store (or the one at db when --reuse and full)."""
    if reuse and db.exists():
        with open_store(db) as store:
            if sum(layer["count"] for layer in store.layers()) == n:
                return
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    with open_store(db) as store:
        features = synthetic_incidents(n, 0)
        while chunk := list(itertools.islice(features, CHUNK)):
            store.add_many(chunk)
    print(f"stored {n:,} incidents in {time.perf_counter() - started:.1f} s")


def serve(db: Path, gazetteer_db: Path, server_name: str):
    """The app on a live local server, waitress as ``geomap serve`` runs it or werkzeug's:
    (base URL, a function that stops it)."""
    from geomap.web import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    app = create_app(db=db, gazetteer_db=gazetteer_db,
                     tile_url=f"http://127.0.0.1:{dead_port}/{{z}}/{{x}}/{{y}}.png")
    if server_name == "waitress":
        import waitress

        server = waitress.create_server(app, host="127.0.0.1", port=0, ident="geomap")
        threading.Thread(target=server.run, daemon=True).start()
        return f"http://127.0.0.1:{server.effective_port}/", server.close
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server.shutdown


def measure(browser, url: str) -> dict:
    """One cold load of the page: its timings in ms."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#geomap[data-state=ready]", timeout=60_000)
    timings = page.evaluate(TIMINGS)
    context.close()
    return timings


def main() -> None:
    """Parse arguments, fill the store, time the page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("benchmarks/out/page.sqlite"))
    parser.add_argument("--gazetteer-db", type=Path,
                        default=os.environ.get("GEOMAP_TEST_GAZETTEER_DB")
                        or Path.home() / ".cache/geomap/test-gazetteer.sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", choices=("waitress", "werkzeug"), default="waitress")
    parser.add_argument("--reuse", action="store_true", help="keep the store when it holds n incidents")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    fill_store(args.db, args.n, args.reuse)
    url, stop = serve(args.db, args.gazetteer_db, args.server)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = [measure(browser, url) for _ in range(args.runs + 1)]
        browser.close()
    stop()
    print(f"first run (server warming up): {_line(runs[0])}")
    for run in runs[1:]:
        print(f"run: {_line(run)}")
    for key in ("fp", "fcp", "drawn"):
        values = [run[key] for run in runs[1:] if run[key] is not None]
        if values:
            print(f"median {key}: {statistics.median(values):,.0f} ms")
    print(f"page says: {runs[-1]['total']!r}; layer row: {runs[-1]['layer']!r}")


def _line(run: dict) -> str:
    return "  ".join(f"{key} {run[key]:,.0f} ms" for key in ("fp", "fcp", "drawn") if run[key] is not None)


if __name__ == "__main__":
    main()
