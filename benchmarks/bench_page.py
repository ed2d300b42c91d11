"""The map page's first paint, first full drawing and redraws, in headless Chromium; by hand:

    GEOMAP_TEST_GAZETTEER_DB=/tmp/gz2.sqlite python benchmarks/bench_page.py --n 1000000 [--reuse]

(a script, not ``-m benchmarks...``: pysbd installs a top-level ``benchmarks`` package
that shadows this folder.)

Fills a store with ``n`` synthetic incidents, serves the real app on a live local server
(waitress, as ``geomap serve`` does; tiles pointed at a dead local port, so only the app
itself is timed), and loads the page
``--runs`` times, each in a fresh browser context (cold HTTP cache). Prints, in ms from
navigation start: first paint, first contentful paint, and ``geomap:drawn``, the mark the
page sets once every layer is drawn (cells or markers) with its counts. Then, in each run,
pans and zooms the map by keyboard and times ``geomap:moved`` (Leaflet's moveend) to the next
``geomap:drawn``. Last, times ``/aggregate`` over HTTP at the views a user visits (p50).
Not a test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench_api_store import ensure_store

from geomap.store import open_store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Keys pressed on the focused map: pans of 80 px and zooms in and out by one level.
MOVES = ("ArrowRight", "ArrowDown", "Equal", "ArrowLeft", "Minus", "ArrowUp", "Equal", "Minus")
DRAWN = "() => performance.getEntriesByName('geomap:drawn').length"
REDRAW = """before => new Promise(resolve => {
  const wait = () => {
    const drawn = performance.getEntriesByName('geomap:drawn');
    const moved = performance.getEntriesByName('geomap:moved');
    if (drawn.length > before && moved.length && drawn.at(-1).startTime > moved.at(-1).startTime) {
      resolve(drawn[before].startTime - moved.at(-1).startTime);
    } else setTimeout(wait, 5);
  };
  wait();
})"""
TIMINGS = """() => {
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
  const drawn = performance.getEntriesByName('geomap:drawn')[0];
  return {fp: paint['first-paint'], fcp: paint['first-contentful-paint'], drawn: drawn && drawn.startTime,
          total: document.getElementById('total').textContent,
          layer: document.querySelector('#layer-list li').textContent};
}"""


def fill_store(db: Path, n: int) -> Path:
    """n synthetic incidents in the benchmarks' cached store (bench_api_store.py: built
    once, rebuilt when it holds another number)."""
    started = time.perf_counter()
    ensure_store(db, n)
    with open_store(db) as store:
        count = sum(layer["count"] for layer in store.layers())
    print(f"store of {count:,} incidents ready in {time.perf_counter() - started:.1f} s")
    return db


def serve(db: Path, gazetteer_db: Path, server_name: str):
    """The app on a live local server, waitress as ``geomap serve`` runs it or werkzeug's:
    (base URL, a function that stops it)."""
    from geomap.web import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    app = create_app(db=db, gazetteer_db=gazetteer_db, drafts_public=True,
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
    """One cold load of the page and a few keyboard moves: its timings in ms."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#geomap[data-state=ready]", timeout=60_000)
    timings = page.evaluate(TIMINGS)
    page.locator("#map").focus()
    timings["redraws"] = []
    for key in MOVES:
        before = page.evaluate(DRAWN)
        page.keyboard.press(key)
        timings["redraws"].append(page.evaluate(REDRAW, before))
    context.close()
    return timings


def time_aggregates(url: str, runs: int = 200, seed: int = 0) -> list[float]:
    """ms per GET /aggregate at views from zoom 5 to 10 over Iraq and Syria, some filtered."""
    rng, parts = random.Random(seed), urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    times = []
    for _ in range(runs):
        zoom = rng.randint(5, 10)
        lon, lat = rng.uniform(36, 46), rng.uniform(31, 37)
        half = 0.7 * 2.0 ** (7 - zoom)
        params = {"zoom": zoom, "bbox": f"{lon - 1.6 * half:.4f},{lat - half:.4f},"
                                         f"{lon + 1.6 * half:.4f},{lat + half:.4f}"}
        params.update(rng.choice(({}, {}, {"type": "Battles,Protests"}, {"status": "published"},
                                  {"start": "2022-01-01", "end": "2022-12-31"})))
        started = time.perf_counter()
        conn.request("GET", f"/api/layers/incidents/aggregate?{urlencode(params)}")
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return times


def main() -> None:
    """Parse arguments, fill the store, time the page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("benchmarks/out/api.sqlite"))
    parser.add_argument("--gazetteer-db", type=Path,
                        default=os.environ.get("GEOMAP_TEST_GAZETTEER_DB")
                        or Path.home() / ".cache/geomap/test-gazetteer.sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", choices=("waitress", "werkzeug"), default="waitress")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    fill_store(args.db, args.n)
    url, stop = serve(args.db, args.gazetteer_db, args.server)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = [measure(browser, url) for _ in range(args.runs + 1)]
        browser.close()
    aggregates = time_aggregates(url)
    stop()
    print(f"/aggregate over HTTP at zoom 5-10 views: p50 {statistics.median(aggregates):.1f} ms, "
          f"p90 {statistics.quantiles(aggregates, n=10)[-1]:.1f} ms ({len(aggregates)} requests)")
    print(f"first run (server warming up): {_line(runs[0])}")
    for run in runs[1:]:
        print(f"run: {_line(run)}")
    for key in ("fp", "fcp", "drawn"):
        values = [run[key] for run in runs[1:] if run[key] is not None]
        if values:
            print(f"median {key}: {statistics.median(values):,.0f} ms")
    redraws = [ms for run in runs[1:] for ms in run["redraws"]]
    print(f"redraw after a pan or zoom (moveend to drawn): median {statistics.median(redraws):,.0f} ms, "
          f"p90 {statistics.quantiles(redraws, n=10)[-1]:,.0f} ms over {len(redraws)} moves")
    print(f"page says: {runs[-1]['total']!r}; layer row: {runs[-1]['layer']!r}")


def _line(run: dict) -> str:
    return "  ".join(f"{key} {run[key]:,.0f} ms" for key in ("fp", "fcp", "drawn") if run[key] is not None)


if __name__ == "__main__":
    main()
