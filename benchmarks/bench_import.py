"""Import and export timings on a large synthetic GeoJSON file; run by hand from the root:

    PYTHONPATH=. python benchmarks/bench_import.py [--n 1000000] [--out benchmarks/out]
        [--reuse] [--profile] [--skip-export] [--bulk-cache-mb 16]

(a script, not ``-m benchmarks...``: pysbd installs a top-level ``benchmarks`` package;
``PYTHONPATH=.`` so that the checkout's geomap is timed, not an installed copy.)

Writes ``import.geojson`` with benchmarks/synthetic.py (in a child process, so that its
memory is not counted), ingests it into a fresh store through ``ingest_paths``, and prints
features/s, peak RSS (getrusage) and RSS sampled every half second from /proc/self/statm,
to show that memory stays flat. Then times the export of the whole layer to GeoJSON and
CSV. ``--profile`` runs the import under cProfile and prints where the time goes;
``--bulk-cache-mb 16`` shrinks SQLite's page cache (512 MB while add_many runs), which is
most of the RSS growth on a large import. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from geomap.query import IncidentQuery
from geomap.services.export import export_to
from geomap.services.ingest import ingest_paths
from geomap.store import SQLiteStore
from geomap.store import sqlite as sqlite_store

PAGE = os.sysconf("SC_PAGE_SIZE")


class RssSampler(threading.Thread):
    """Resident memory (MiB) every ``interval`` seconds, from /proc/self/statm."""

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval, self.samples, self._done = interval, [], threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        while not self._done.wait(self.interval):
            with open("/proc/self/statm") as statm:
                rss = int(statm.read().split()[1]) * PAGE / 2**20
            self.samples.append((time.perf_counter() - started, rss))

    def stop(self) -> list[tuple[float, float]]:
        """Stop sampling; the (seconds, MB) samples."""
        self._done.set()
        self.join()
        return self.samples


def generate(n: int, path: Path) -> None:
    """The synthetic FeatureCollection, written by a child process."""
    started = time.perf_counter()
    script = Path(__file__).with_name("synthetic.py")
    subprocess.run([sys.executable, str(script), str(n), str(path)], check=True)
    print(f"generated {n:,} features, {path.stat().st_size / 1e6:,.0f} MB in "
          f"{time.perf_counter() - started:.0f} s")


def fresh_store(path: Path) -> SQLiteStore:
    """An empty store at ``path``."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return SQLiteStore(path)


def time_import(store: SQLiteStore, source: Path, profile: bool) -> None:
    """Ingest ``source``; print features/s and memory."""
    sampler, profiler = RssSampler(), cProfile.Profile() if profile else None
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    summary = ingest_paths(store, [source])
    if profiler:
        profiler.disable()
    spent, cpu = time.perf_counter() - started, time.process_time() - cpu
    samples = sampler.stop()
    print(f"import: {summary.added:,} added, {len(summary.refused):,} refused in {spent:.1f} s "
          f"= {summary.added / spent:,.0f} features/s ({cpu:.0f} s of CPU; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print_memory(samples)
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def print_memory(samples: list[tuple[float, float]]) -> None:
    """Peak RSS, and the sampled RSS at ten points of the run."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (getrusage): {peak:,.0f} MiB")
    if samples:
        step = max(1, len(samples) // 10)
        shown = "  ".join(f"{t:.0f}s:{rss:.0f}" for t, rss in samples[::step])
        print(f"RSS samples (s:MiB): {shown}")
        tail = [rss for _, rss in samples[len(samples) // 10:]]
        print(f"RSS after the first tenth: min {min(tail):,.0f} MiB, max {max(tail):,.0f} MiB")


def time_exports(store: SQLiteStore, out: Path) -> None:
    """Export the whole layer to GeoJSON and CSV; print features/s."""
    query = IncidentQuery(limit=None)
    for fmt in ("geojson", "csv"):
        path = out / f"export.{fmt}"
        started = time.perf_counter()
        count = export_to(store, query, fmt, path)
        spent = time.perf_counter() - started
        print(f"export {fmt}: {count:,} features, {path.stat().st_size / 1e6:,.0f} MB in "
              f"{spent:.1f} s = {count / spent:,.0f} features/s")


def main(argv: list[str] | None = None) -> None:
    """Generate, import, export; print the figures."""
    parser = argparse.ArgumentParser(description="geomap import benchmark")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing import.geojson")
    parser.add_argument("--profile", action="store_true", help="run the import under cProfile")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--bulk-cache-mb", type=int, default=None,
                        help="SQLite page cache during add_many (the store's default: 512)")
    args = parser.parse_args(argv)
    if args.bulk_cache_mb is not None:
        sqlite_store.BULK_CACHE_KIB = args.bulk_cache_mb * 1024
    args.out.mkdir(parents=True, exist_ok=True)
    source = args.out / "import.geojson"
    if not (args.reuse and source.exists()):
        generate(args.n, source)
    with fresh_store(args.out / "import.sqlite") as store:
        time_import(store, source, args.profile)
        if not args.skip_export:
            time_exports(store, args.out)


if __name__ == "__main__":
    main()
