"""HTTP timings of the API served by waitress over 1,000,000 synthetic incidents.

    python benchmarks/bench_api.py [--repeat 200] [--db benchmarks/out/api.sqlite]

(a script, not ``-m benchmarks...``: pysbd installs a top-level ``benchmarks`` package.)
Builds the store once (bench_api_store.py), starts ``waitress-serve --call
geomap.web:create_app`` on a free port, then prints p50/p99 of sequential keep-alive
requests and the whole-layer download's features/s with the server's peak RSS. Not a test.
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
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench_api_store import DEFAULT_DB, ensure_store
from synthetic import PLACES, TYPE_WEIGHTS

FEATURES = "/api/layers/incidents/features"
FEATURE_START = b'{"type":"Feature"'
AIMS_MS = {"1x1 bbox": 10, "1x1 bbox + year": 20, "1x1 bbox + year + type": 20,
           "0.1x0.1 sparse bbox": 5}
DOWNLOAD_AIM, RSS_AIM_MB = 200_000, 200


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db: Path, port: int, threads: int) -> subprocess.Popen:
    """waitress serving create_app() over ``db``, as the README says to run it."""
    env = {**os.environ, "GEOMAP_DB": str(db), "GEOMAP_API_TOKEN": "", "GEOMAP_DRAFTS_PUBLIC": "1"}
    command = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}",
               f"--threads={threads}", "--call", "geomap.web:create_app"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def box(rng: random.Random, size: float, dense: bool) -> str:
    """A size-degree bbox near a town (dense) or anywhere over Iraq and Syria (sparse)."""
    if dense:
        place = rng.choice(PLACES)
        lon, lat = place[3] + rng.uniform(-0.4, 0.4), place[4] + rng.uniform(-0.4, 0.4)
    else:
        lon, lat = rng.uniform(36, 48), rng.uniform(30, 37.5)
    half = size / 2
    return f"{lon - half:.4f},{lat - half:.4f},{lon + half:.4f},{lat + half:.4f}"


def scenarios(rng: random.Random):
    """(name, function making the parameters of one random request)."""
    def year() -> dict:
        first = rng.randrange(2018, 2024)
        return {"start": f"{first}-01-01", "end": f"{first}-12-31"}
    return [
        ("1x1 bbox", lambda: {"bbox": box(rng, 1, True), "limit": 1000}),
        ("1x1 bbox + year", lambda: {"bbox": box(rng, 1, True), "limit": 1000, **year()}),
        ("1x1 bbox + year + type", lambda: {"bbox": box(rng, 1, True), "limit": 1000, **year(),
                                             "type": rng.choice(list(TYPE_WEIGHTS))}),
        ("0.1x0.1 sparse bbox", lambda: {"bbox": box(rng, 0.1, False), "limit": 1000}),
    ]


def get(conn: http.client.HTTPConnection, url: str) -> bytes:
    """One keep-alive GET; the whole body."""
    conn.request("GET", url)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{url}: {response.status} {body[:300]!r}")
    return body


def time_pages(port: int, repeat: int, seed: int) -> None:
    """p50/p99 of each scenario, sequential requests on one connection."""
    conn, rng = http.client.HTTPConnection("127.0.0.1", port), random.Random(seed)
    get(conn, f"{FEATURES}?limit=1")
    for name, make in scenarios(rng):
        timings, sizes = [], []
        for _ in range(repeat):
            url = f"{FEATURES}?{urlencode(make())}"
            started = time.perf_counter()
            sizes.append(get(conn, url).count(FEATURE_START))
            timings.append((time.perf_counter() - started) * 1000)
        p50, p99 = statistics.median(timings), statistics.quantiles(timings, n=100)[98]
        verdict = "ok" if p50 <= AIMS_MS[name] else f"MISSES {AIMS_MS[name]} ms"
        print(f"{name:<24} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  (median "
              f"{statistics.median(sizes):.0f} features)  aim p50 <= {AIMS_MS[name]} ms: {verdict}",
              flush=True)
    conn.close()


class RssSampler(threading.Thread):
    """Samples a process's memory every 20 ms and keeps the peak of each figure (MB).

    VmRSS counts the store's mmap-ed file pages (RssFile: shared page cache the kernel
    can drop) besides the process's own memory (RssAnon: heap, SQLite page caches).
    """

    FIELDS = ("VmRSS", "RssAnon", "RssFile")

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.path, self.stop = f"/proc/{pid}/status", threading.Event()
        self.peak = dict.fromkeys(self.FIELDS, 0.0)

    def sample(self) -> dict[str, float]:
        """The process's memory figures now, in MB."""
        with open(self.path) as status:
            pairs = (line.split()[:2] for line in status if line.split(":")[0] in self.FIELDS)
            return {name.rstrip(":"): int(kib) / 1024 for name, kib in pairs}

    def run(self) -> None:
        """Sample until stopped."""
        while not self.stop.wait(0.02):
            for name, value in self.sample().items():
                self.peak[name] = max(self.peak[name], value)


def describe(memory: dict[str, float]) -> str:
    """``VmRSS 123 MB (RssAnon 45, RssFile 78)``."""
    return (f"VmRSS {memory['VmRSS']:.0f} MB (RssAnon {memory['RssAnon']:.0f}, "
            f"RssFile {memory['RssFile']:.0f})")


def time_download(port: int, pid: int) -> None:
    """The whole layer as GeoJSON: features/s, MB/s and the server's peak memory."""
    sampler = RssSampler(pid)
    print(f"server memory before the download: {describe(sampler.sample())}", flush=True)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    started = time.perf_counter()
    conn.request("GET", f"{FEATURES}?download=1")
    response = conn.getresponse()
    count, size, tail = 0, 0, b""
    while chunk := response.read(1 << 20):
        count += (tail + chunk).count(FEATURE_START)
        tail, size = chunk[-len(FEATURE_START) + 1:], size + len(chunk)
    spent = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    rate, peak = count / spent, sampler.peak
    print(f"download: {count:,} features, {size / 1e6:,.0f} MB in {spent:.1f} s = {rate:,.0f} "
          f"features/s ({size / 1e6 / spent:,.0f} MB/s)  aim >= {DOWNLOAD_AIM:,}/s: "
          f"{'ok' if rate >= DOWNLOAD_AIM else 'MISSES'}")
    print(f"server peak during the download: {describe(peak)}  aim RSS < {RSS_AIM_MB} MB: "
          f"{'ok' if peak['VmRSS'] < RSS_AIM_MB else 'MISSES'} (RssAnon "
          f"{'ok' if peak['RssAnon'] < RSS_AIM_MB else 'MISSES'})")


def print_memory(label: str, pid: int) -> None:
    """Print the server's memory at a point of the run."""
    print(f"server memory {label}: {describe(RssSampler(pid).sample())}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Build or reuse the store, serve it, time it."""
    parser = argparse.ArgumentParser(description="geomap HTTP API benchmark")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    parser.add_argument("--no-download", action="store_true")
    args = parser.parse_args(argv)
    db = ensure_store(args.db, args.n)
    port = free_port()
    server = start_server(db, port, args.threads)
    try:
        print(f"serving {db} ({db.stat().st_size / 1e6:,.0f} MB) on port {port}; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
        print_memory("at start", server.pid)
        time_pages(port, args.repeat, args.seed)
        print_memory("after the page requests", server.pid)
        if not args.no_download:
            time_download(port, server.pid)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
