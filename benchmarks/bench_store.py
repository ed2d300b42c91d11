"""Store timings on synthetic incidents; run by hand from the repository root:

    python benchmarks/bench_store.py --n 1000000 [--db benchmarks/out/bench.sqlite] [--reuse]

(a script, not ``-m benchmarks...``: pysbd installs a top-level ``benchmarks`` package
that shadows this folder.)

Prints add_many features/s, p50/p99 of query() for typical map requests, and the
features/s of iter_feature_json over the whole layer. Not a test.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time
from datetime import date
from pathlib import Path

from synthetic import PLACES, TYPE_WEIGHTS, synthetic_incidents

from geomap.query import IncidentQuery
from geomap.store import SQLiteStore

CHUNK = 100_000


def load(store: SQLiteStore, n: int, seed: int) -> None:
    """add_many n synthetic features in chunks; only add_many is timed."""
    features, spent, done = synthetic_incidents(n, seed), 0.0, 0
    while chunk := list(itertools.islice(features, CHUNK)):
        started = time.perf_counter()
        result = store.add_many(chunk)
        spent += time.perf_counter() - started
        done += result.added
        print(f"  {done:>9,} stored  {done / spent:>8,.0f} features/s", flush=True)
    print(f"add_many: {done:,} features in {spent:.1f} s = {done / spent:,.0f} features/s")


def box(rng: random.Random, size: float, dense: bool) -> tuple[float, float, float, float]:
    """A size-degree bbox near a town (dense) or anywhere over Iraq and Syria (sparse)."""
    if dense:
        place = rng.choice(PLACES)
        lon, lat = place[3] + rng.uniform(-0.4, 0.4), place[4] + rng.uniform(-0.4, 0.4)
    else:
        lon, lat = rng.uniform(36, 48), rng.uniform(30, 37.5)
    return (round(lon - size / 2, 4), round(lat - size / 2, 4), round(lon + size / 2, 4),
            round(lat + size / 2, 4))


def scenarios(rng: random.Random):
    """(name, function making a random query) for each timed request."""
    def year():
        first = rng.randrange(2018, 2024)
        return {"start": date(first, 1, 1), "end": date(first, 12, 31)}
    return [
        ("1x1 bbox, limit 1000", lambda: IncidentQuery(bbox=box(rng, 1, True), limit=1000)),
        ("1x1 bbox + one year", lambda: IncidentQuery(bbox=box(rng, 1, True), limit=1000,
                                                       **year())),
        ("1x1 bbox + type", lambda: IncidentQuery(
            bbox=box(rng, 1, True), limit=1000, event_types=[rng.choice(list(TYPE_WEIGHTS))])),
        ("0.1x0.1 sparse bbox", lambda: IncidentQuery(bbox=box(rng, 0.1, False), limit=1000)),
        ("no bbox, limit 100", lambda: IncidentQuery()),
        ("text + country", lambda: IncidentQuery(text=rng.choice(["Mosul", "clashed", "Raqqa"]),
                                                 countries=["IQ", "SY"])),
    ]


def time_queries(store: SQLiteStore, repeat: int, seed: int) -> None:
    """p50 and p99 of query() for each scenario."""
    rng = random.Random(seed)
    for name, make in scenarios(rng):
        timings, sizes = [], []
        for _ in range(repeat):
            query = make()
            started = time.perf_counter()
            sizes.append(len(store.query(query)))
            timings.append((time.perf_counter() - started) * 1000)
        p50, p99 = statistics.median(timings), statistics.quantiles(timings, n=100)[98]
        print(f"query {name:<24} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  "
              f"(median {statistics.median(sizes):.0f} features)")


def time_stream(store: SQLiteStore) -> None:
    """iter_feature_json over the whole default layer."""
    started, count, size = time.perf_counter(), 0, 0
    for data in store.iter_feature_json(IncidentQuery().unpaged()):
        count += 1
        size += len(data)
    spent = time.perf_counter() - started
    print(f"iter_feature_json: {count:,} features, {size / 1e6:,.0f} MB in {spent:.1f} s "
          f"= {count / spent:,.0f} features/s")
    started = time.perf_counter()
    layers = store.layers()
    print(f"layers(): {(time.perf_counter() - started) * 1000:.0f} ms -> {layers}")


def main(argv: list[str] | None = None) -> None:
    """Load, query and stream; print the figures."""
    parser = argparse.ArgumentParser(description="geomap store benchmark")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("benchmarks/out/bench.sqlite"))
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    args = parser.parse_args(argv)
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    with SQLiteStore(args.db) as store:
        if not args.reuse:
            load(store, args.n, args.seed)
        time_queries(store, args.repeat, args.seed)
        time_stream(store)
    print(f"database: {args.db.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
