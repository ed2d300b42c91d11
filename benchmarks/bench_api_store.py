"""The cached 1,000,000-incident store that bench_api.py serves; built once, then reused.

    python benchmarks/bench_api_store.py [--n 1000000] [--db benchmarks/out/api.sqlite]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from synthetic import synthetic_incidents

from geomap.query import IncidentQuery
from geomap.store import SQLiteStore

DEFAULT_DB = Path(__file__).parent / "out" / "api.sqlite"
CHUNK = 100_000
EVERY_LAYER = IncidentQuery(layer=None)


def ensure_store(path: Path = DEFAULT_DB, n: int = 1_000_000, seed: int = 0) -> Path:
    """The store at ``path`` holding ``n`` synthetic incidents, built when missing or short."""
    if _count(path) == n:
        return path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    partial = path.with_name(path.name + ".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    _build(partial, n, seed)
    partial.rename(path)  # only a complete store gets the cached name
    return path


def _count(path: Path) -> int:
    if not path.exists():
        return -1
    with SQLiteStore(path) as store:
        return store.count(EVERY_LAYER)


def _build(path: Path, n: int, seed: int) -> None:
    started, features = time.perf_counter(), synthetic_incidents(n, seed)
    with SQLiteStore(path) as store:
        while chunk := list(itertools.islice(features, CHUNK)):
            store.add_many(chunk)
            print(f"  built {store.count(EVERY_LAYER):>9,} in {time.perf_counter() - started:.0f} s",
                  flush=True)


def main(argv: list[str] | None = None) -> None:
    """Build (or confirm) the cached store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(ensure_store(args.db, args.n, args.seed))


if __name__ == "__main__":
    main()
