"""Store timings on synthetic incidents; run by hand from the repository root:

    PYTHONPATH=. python benchmarks/bench_store.py --n 1000000 [--db benchmarks/out/bench.sqlite]

(a script, not ``-m benchmarks...``: pysbd installs a top-level ``benchmarks`` package
that shadows this folder; PYTHONPATH=. so that an installed copy of geomap does not
shadow the working tree: the first line printed says which one ran.)

Writes the features once as GeoJSONSeq (``<db>.features.jsonl``, not timed), then prints:
the parts of a feature's write (parse_feature, preparing the row, the cost of cyclic GC);
a bulk import of the whole file in one ``add_many(bulk=True)`` call, with and without
reading the file, and its peak RSS; one ordinary 5,000-feature batch into the full store;
p50/p99 of query(), query_json() and count() for typical map requests; the features/s of
iter_feature_json over the whole layer; and layers(). Each time is wall and CPU (process
time, all threads): other jobs on the machine stretch the first, not the second. Not a test.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
from synthetic import PLACES, TYPE_WEIGHTS, synthetic_incidents

import geomap
from geomap.incident import parse_feature
from geomap.query import IncidentQuery
from geomap.store import SQLiteStore
from geomap.store.sqlite_write import prepare

SAMPLE = 20_000
COUNTS = 40  # count() of a text search takes a second: time fewer of them


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def per(self, count: int, unit: str = "feature") -> str:
        """``wall x us, CPU y us per unit``."""
        return (f"wall {self.wall / count * 1e6:6.2f} us, CPU {self.cpu / count * 1e6:6.2f} us "
                f"per {unit}")


def write_features(path: Path, n: int, seed: int) -> None:
    """The synthetic features as GeoJSONSeq, made once and reused."""
    if path.exists() and sum(1 for _ in path.open("rb")) == n:
        return
    print(f"writing {n:,} synthetic features to {path} (not timed)", flush=True)
    with path.open("wb") as out:
        for feature in synthetic_incidents(n, seed):
            out.write(orjson.dumps(feature) + b"\n")


def read_features(path: Path) -> Iterator[dict]:
    """Each line of the GeoJSONSeq file, decoded."""
    with path.open("rb") as lines:
        for line in lines:
            yield orjson.loads(line)


def time_parts(path: Path) -> None:
    """parse_feature, the row, and GC, on SAMPLE features (best of 5)."""
    sample = list(itertools.islice(read_features(path), SAMPLE))
    raw = [_unparsed(feature) for feature in sample]
    now = datetime.now(UTC)
    for name, items, work in (
            ("parse_feature (exported feature)", sample, lambda f: parse_feature(f, now=now)),
            ("parse_feature (no id, no times)", raw, lambda f: parse_feature(f, now=now)),
            ("prepare (row, JSON, search text)", [parse_feature(f) for f in sample], prepare)):
        best = min((_timed(items, work) for _ in range(5)), key=lambda clock: clock.cpu)
        print(f"{name:<36} {best.per(len(items))}")
    gc.enable()
    with_gc = min(_timed(sample, lambda f: parse_feature(f, now=now), keep=True).cpu
                  for _ in range(3))
    gc.disable()
    without = min(_timed(sample, lambda f: parse_feature(f, now=now), keep=True).cpu
                  for _ in range(3))
    gc.enable()
    print(f"cyclic GC while parsing a batch: {1 - without / with_gc:.0%} of the time "
          "(add_many pauses it)")


def _unparsed(feature: dict) -> dict:
    """The feature as a report would give it: no id, no timestamps."""
    properties = {k: v for k, v in feature["properties"].items()
                  if k not in ("id", "created_at", "updated_at") and v is not None}
    return {"type": "Feature", "geometry": feature["geometry"], "properties": properties}


def _timed(items: list, work: Callable, keep: bool = False) -> Clock:
    kept = []
    with Clock() as clock:
        for item in items:
            result = work(item)
            if keep:  # a batch stays alive until it is written, as in add_many
                kept.append(result)
    return clock


def load(store: SQLiteStore, path: Path, n: int) -> None:
    """Read the file alone, then import it with one bulk add_many."""
    with Clock() as reading:
        count = sum(1 for _ in read_features(path))
    print(f"read + decode the file: {count:,} features, {reading.per(count)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Clock() as clock:
        result = store.add_many(read_features(path), bulk=True)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    print(f"import (read + add_many bulk): {result.added:,} added in {clock.wall:.1f} s = "
          f"{result.added / clock.wall:,.0f} features/s wall; {clock.per(result.added)}; "
          f"peak RSS grew {grown:,.0f} MiB")
    print(f"  add_many alone: about {result.added / (clock.wall - reading.wall):,.0f} "
          f"features/s wall, CPU {(clock.cpu - reading.cpu) / result.added * 1e6:.1f} us "
          "per feature")


def time_batch(store: SQLiteStore, n: int, seed: int) -> None:
    """One ordinary add_many batch (5,000 new features, one transaction) into the store."""
    features = [_renamed(f) for f in itertools.islice(synthetic_incidents(5000, seed + 1), 5000)]
    with Clock() as clock:
        result = store.add_many(features, bulk=False)
    print(f"add_many of 5,000 into {n:,}: {result.added / clock.wall:,.0f} features/s wall; "
          f"{clock.per(result.added)}")


def _renamed(feature: dict) -> dict:
    feature["id"] = feature["properties"]["id"] = "batch-" + feature["id"]
    return feature


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

    def kind():
        return {"event_types": [rng.choice(list(TYPE_WEIGHTS))]}
    return [
        ("1x1 bbox, limit 1000", lambda: IncidentQuery(bbox=box(rng, 1, True), limit=1000)),
        ("1x1 bbox + one year", lambda: IncidentQuery(bbox=box(rng, 1, True), limit=1000,
                                                       **year())),
        ("1x1 bbox + type", lambda: IncidentQuery(bbox=box(rng, 1, True), limit=1000,
                                                   **kind())),
        ("1x1 bbox + year + type", lambda: IncidentQuery(bbox=box(rng, 1, True), limit=1000,
                                                          **year(), **kind())),
        ("0.1x0.1 sparse bbox", lambda: IncidentQuery(bbox=box(rng, 0.1, False), limit=1000)),
        ("no bbox, limit 100", lambda: IncidentQuery()),
        ("text + country", lambda: IncidentQuery(text=rng.choice(["Mosul", "clashed", "Raqqa"]),
                                                 countries=["IQ", "SY"])),
    ]


def time_queries(store: SQLiteStore, repeat: int, seed: int) -> None:
    """p50 and p99 of query_json(), query() and count() (which the web API also calls)."""
    for name, make in scenarios(random.Random(seed)):
        queries = [make() for _ in range(repeat)]
        sizes = [len(store.query_json(query)) for query in queries[:5]]  # warm the cache
        for method in (store.query_json, store.query, store.count):
            wall, cpu = [], []
            for query in queries if method != store.count else queries[:COUNTS]:
                with Clock() as clock:
                    method(query)
                wall.append(clock.wall * 1000)
                cpu.append(clock.cpu * 1000)
            print(f"{method.__name__:<10} {name:<24} p50 {_p(wall, 50):7.2f} ms "
                  f"(CPU {_p(cpu, 50):6.2f})  p99 {_p(wall, 99):7.2f} ms  "
                  f"[{statistics.median(sizes):.0f} features]")


def _p(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1] if percent != 50 else (
        statistics.median(values))


def time_stream(store: SQLiteStore) -> None:
    """iter_feature_json over the whole default layer, then layers()."""
    count = size = 0
    with Clock() as clock:
        for data in store.iter_feature_json(IncidentQuery().unpaged()):
            count += 1
            size += len(data)
    print(f"iter_feature_json: {count:,} features, {size / 1e6:,.0f} MB in {clock.wall:.1f} s "
          f"= {count / clock.wall:,.0f} features/s wall ({count / clock.cpu:,.0f} per CPU s)")
    timings = []
    for _ in range(100):
        with Clock() as clock:
            layers = store.layers()
        timings.append(clock.wall * 1000)
    print(f"layers(): p50 {statistics.median(timings):.3f} ms -> {layers}")


def main(argv: list[str] | None = None) -> None:
    """Load, query and stream; print the figures."""
    parser = argparse.ArgumentParser(description="geomap store benchmark")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("benchmarks/out/bench.sqlite"))
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    args = parser.parse_args(argv)
    print(f"geomap from {Path(geomap.__file__).parent}")
    args.db.parent.mkdir(parents=True, exist_ok=True)
    source = args.db.with_name(f"{args.db.name}.features.jsonl")
    write_features(source, args.n, args.seed)
    time_parts(source)
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    with SQLiteStore(args.db) as store:
        if not args.reuse:
            load(store, source, args.n)
        time_queries(store, args.repeat, args.seed)
        time_stream(store)
        if not args.reuse:
            time_batch(store, args.n, args.seed)
    print(f"database: {args.db.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
