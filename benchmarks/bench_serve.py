"""Many keep-alive clients at once against ``geomap serve``: p50/p99 and timeouts.

    python benchmarks/bench_serve.py [--incidents 20000] [--requests 20] [--timeout 10]

(a script, not ``-m benchmarks...``: pysbd installs a top-level ``benchmarks`` package.)
Starts ``geomap serve`` twice on a store of synthetic incidents, side by side in one run:
with waitress's own defaults (4 threads, 100 connections) and with geomap's (``--threads``
and ``--connection-limit`` unset: GEOMAP_THREADS, GEOMAP_CONNECTION_LIMIT or their
defaults). At 50 and then 200 clients, each client opens one connection, sends its
requests one after the other over it (a page of features in a bbox near a town), then
keeps the connection open until every client is done, as browsers keep theirs. A request
unanswered after ``--timeout`` seconds counts as timed out. Not a test; the clients run on
the same two cores as the server, so the figures include their cost.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from synthetic import PLACES, synthetic_incidents

from geomap.store import SQLiteStore

CONFIGS = {"waitress defaults (4 threads, 100 connections)": ["--threads", "4",
                                                              "--connection-limit", "100"],
           "geomap defaults": []}
CLIENTS = (50, 200)


def build_store(path: Path, count: int) -> None:
    """A store of ``count`` synthetic incidents (kept between runs)."""
    if path.exists():
        return
    with SQLiteStore(path) as store:
        store.add_many(synthetic_incidents(count))


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db: Path, port: int, options: list[str]) -> subprocess.Popen:
    """``geomap serve`` over ``db`` on ``port``, once it accepts connections."""
    env = {**os.environ, "GEOMAP_DB": str(db)}
    command = [sys.executable, "-m", "geomap", "serve", "--port", str(port), *options]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def paths(seed: int, count: int) -> list[str]:
    """Pages of features in a 1°×1° bbox around a town: what a map view asks for."""
    rng = random.Random(seed)
    chosen = []
    for _ in range(count):
        _, _, _, lon, lat, _ = rng.choice(PLACES)
        chosen.append(f"/api/layers/incidents/features?limit=50&bbox={lon - 0.5:.2f},"
                      f"{lat - 0.5:.2f},{lon + 0.5:.2f},{lat + 0.5:.2f}")
    return chosen


def client(port: int, number: int, requests: int, timeout: float, done: threading.Barrier,
           latencies: list[float], failures: list[str]) -> None:
    """One keep-alive connection: its requests in turn, then held open until all are done."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        for sent, path in enumerate(paths(number, requests)):
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                failures.extend([type(exc).__name__] * (requests - sent))  # the user gives up
                break
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                failures.append(f"HTTP {response.status}")
        done.wait(timeout=3 * timeout)
    except threading.BrokenBarrierError:
        pass
    finally:
        conn.close()


def run(port: int, clients: int, requests: int, timeout: float) -> dict:
    """Every client at once; latencies in ms and failures counted."""
    latencies, failures = [], []
    done = threading.Barrier(clients)
    threads = [threading.Thread(target=client, daemon=True,
                                args=(port, n, requests, timeout, done, latencies, failures))
               for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ms = sorted(1000 * value for value in latencies) or [float("nan")]
    return {"answered": len(latencies), "failed": len(failures), "seconds": elapsed,
            "p50": statistics.median(ms), "p99": ms[min(len(ms) - 1, int(0.99 * len(ms)))]}


def main(argv: list[str] | None = None) -> None:
    """Print p50/p99 and failures for each server configuration at 50 and 200 clients."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--db", type=Path,
                        default=Path(tempfile.gettempdir()) / "geomap-bench-serve.sqlite")
    args = parser.parse_args(argv)
    build_store(args.db, args.incidents)
    print(f"{args.incidents:,} incidents; each client sends {args.requests} requests over one "
          f"keep-alive connection; timeout {args.timeout:g} s")
    print(f"{'server':<48} {'clients':>7} {'answered':>9} {'failed':>7} {'p50 ms':>8} "
          f"{'p99 ms':>9} {'req/s':>7}")
    for name, options in CONFIGS.items():
        port = free_port()
        server = start_server(args.db, port, options)
        try:
            for clients in CLIENTS:
                r = run(port, clients, args.requests, args.timeout)
                print(f"{name:<48} {clients:>7} {r['answered']:>9,} {r['failed']:>7,} "
                      f"{r['p50']:>8.1f} {r['p99']:>9.1f} {r['answered'] / r['seconds']:>7.0f}",
                      flush=True)
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
