"""The OGC API's items request next to the same request through the map API.

    python benchmarks/bench_ogc.py [--n 100000] [--repeat 300] [--db benchmarks/out/ogc.sqlite]

(a script, like bench_api.py.) Builds a store of ``n`` synthetic incidents once, serves it
with waitress, then asks both APIs for the same random 1°×1° bboxes near towns, 1,000
features a page, taking turns to go first, on one keep-alive connection each, and prints
p50/p99 of each. Not a test.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode

from bench_api import FEATURE_START, box, free_port, get, start_server
from bench_api_store import ensure_store

DEFAULT_DB = Path(__file__).parent / "out" / "ogc.sqlite"
ROUTES = {"OGC /ogc/collections/incidents/items": "/ogc/collections/incidents/items",
          "map API /api/layers/incidents/features": "/api/layers/incidents/features"}
LIMIT = 1000


def time_both(port: int, repeat: int, seed: int) -> dict[str, tuple[list[float], list[int]]]:
    """(milliseconds, features returned) of each route, for the same bboxes."""
    rng = random.Random(seed)
    conns = {name: http.client.HTTPConnection("127.0.0.1", port) for name in ROUTES}
    results = {name: ([], []) for name in ROUTES}
    for name, path in ROUTES.items():
        get(conns[name], f"{path}?limit=1")  # warm: connection, caches
    for number in range(repeat):
        query = urlencode({"bbox": box(rng, 1, True), "limit": LIMIT})
        order = list(ROUTES.items())
        for name, path in order[::-1] if number % 2 else order:  # neither always goes first
            started = time.perf_counter()
            body = get(conns[name], f"{path}?{query}")
            results[name][0].append((time.perf_counter() - started) * 1000)
            results[name][1].append(body.count(FEATURE_START))
    for conn in conns.values():
        conn.close()
    return results


def report(results: dict[str, tuple[list[float], list[int]]]) -> None:
    """Print p50 and p99 of each route."""
    for name, (timings, sizes) in results.items():
        p50, p99 = statistics.median(timings), statistics.quantiles(timings, n=100)[98]
        print(f"{name:<40} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  (median "
              f"{statistics.median(sizes):.0f} features)", flush=True)
    (ogc, _), (api, _) = results.values()
    print(f"OGC p50 / map API p50 = {statistics.median(ogc) / statistics.median(api):.2f}")


def main(argv: list[str] | None = None) -> None:
    """Build or reuse the store, serve it, time both APIs."""
    parser = argparse.ArgumentParser(description="OGC API items vs the map API")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    args = parser.parse_args(argv)
    db = ensure_store(args.db, args.n)
    port = free_port()
    server = start_server(db, port, args.threads)
    try:
        print(f"serving {args.n:,} incidents from {db} on port {port}; 1x1 bbox, limit {LIMIT}, "
              f"{args.repeat} requests each", flush=True)
        report(time_both(port, args.repeat, args.seed))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
