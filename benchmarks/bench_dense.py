"""A dense 1°x1° page with its exact count, against a plain R*Tree + orjson floor; by hand:

    PYTHONPATH=. python benchmarks/bench_dense.py [--n 1000000] [--runs 200] [--clients 1 16]
        [--before DIR --before-db FILE]

Both sides run in this process on the same incidents, so that only the server's work is
timed (no HTTP): geomap's one read path (``services.incidents.get_page``: a page of 1,000
newest first and ``numberMatched``, counted from the cell summaries with only the edge
cells scanned) framed by its FeatureCollection framer; the floor is an SQLite R*Tree over
the same points joined to the same feature JSON, LIMIT 1,000 in no particular order and
no count, framed by orjson around the stored bytes. Each of ``--clients`` threads asks for
boxes in turn (SQLite lets go of the GIL while it reads); the two sides take turns, a
tenth of the boxes at a time, so that the load of a shared machine weighs on both alike.
Prints medians and the ratio.

With ``--before DIR`` (say ``git archive main | tar -x -C DIR``) the geomap package in DIR,
the code before a change, takes its turns too, in a child process of its own (another
package cannot be imported beside this one) reading the same boxes with as many threads,
on its own copy of the store (``--before-db``: a newer schema is refused by older code).
Not a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli
import orjson
from bench_api_store import ensure_store

from geomap.query import IncidentQuery
from geomap.services.incidents import (
    collection_bytes,
    get_page,
    parse_properties,
    select_properties,
)
from geomap.store import SQLiteStore

LIMIT = 1000
#: Dense boxes: 1°x1° around the generator's busiest towns (Baghdad, Aleppo, Idlib, Mosul).
CENTRES = ((44.37, 33.32), (37.16, 36.20), (36.63, 35.93), (43.12, 36.35))
_FLOOR = ("SELECT CAST(f.feature AS BLOB) FROM floor_rtree AS r JOIN floor_features AS f "
          "ON f.seq = r.seq WHERE r.minlon <= ? AND r.maxlon >= ? AND r.minlat <= ? "
          "AND r.maxlat >= ? LIMIT ?")


def ensure_floor(db: Path) -> Path:
    """A copy of the incidents' points and JSON in an R*Tree file beside the store."""
    floor = db.with_name(db.stem + "-rtree.sqlite")
    if floor.exists():
        return floor
    started = time.perf_counter()
    conn = sqlite3.connect(floor)
    conn.executescript(f"""
        ATTACH '{db}' AS store;
        CREATE VIRTUAL TABLE floor_rtree USING rtree (seq, minlon, maxlon, minlat, maxlat);
        CREATE TABLE floor_features (seq INTEGER PRIMARY KEY, feature TEXT NOT NULL);
        INSERT INTO floor_features SELECT seq, feature FROM store.incidents;
        INSERT INTO floor_rtree SELECT seq, minlon, maxlon, minlat, maxlat FROM store.incidents;
    """)
    conn.commit()
    conn.close()
    print(f"built the R*Tree floor in {time.perf_counter() - started:.0f} s")
    return floor


def boxes(runs: int, seed: int = 0) -> list[tuple[float, float, float, float]]:
    """1°x1° boxes near the busy towns, shifted a little each time (not grid-aligned)."""
    rng = random.Random(seed)
    result = []
    for _ in range(runs):
        lon, lat = rng.choice(CENTRES)
        lon, lat = lon + rng.uniform(-0.2, 0.2) - 0.5, lat + rng.uniform(-0.2, 0.2) - 0.5
        result.append((round(lon, 4), round(lat, 4), round(lon + 1, 4), round(lat + 1, 4)))
    return result


class Geomap:
    """geomap's read path: a page and its exact count, framed."""

    def __init__(self, db: Path):
        self.store = SQLiteStore(db)

    def __call__(self, bbox) -> int:
        page = get_page(self.store, IncidentQuery(bbox=bbox, limit=LIMIT))
        body = collection_bytes(page.features, {"numberMatched": page.matched,
                                                "numberReturned": page.returned})
        return len(body)


class Floor:
    """An R*Tree query and orjson framing, one connection per thread."""

    def __init__(self, floor: Path):
        self.path, self.local = floor, threading.local()

    def __call__(self, bbox) -> int:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = sqlite3.connect(self.path, check_same_thread=False)
            conn.execute("PRAGMA mmap_size = 17179869184")
        minlon, minlat, maxlon, maxlat = bbox
        rows = conn.execute(_FLOOR, (maxlon, minlon, maxlat, minlat, LIMIT)).fetchall()
        body = orjson.dumps({"type": "FeatureCollection",
                             "features": [orjson.Fragment(data) for (data,) in rows]})
        return len(body)


#: The child process of ``Before``: geomap's read path as ``Geomap`` reads it, for each
#: line of [clients, boxes] it reads, answering a line of [wall ms, CPU ms] per box.
_CHILD = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
from geomap.query import IncidentQuery
from geomap.services.incidents import collection_bytes, get_page
from geomap.store import SQLiteStore
store = SQLiteStore(sys.argv[1])
def timed(bbox):
    wall, cpu = time.perf_counter(), time.thread_time()
    page = get_page(store, IncidentQuery(bbox=tuple(bbox), limit=int(sys.argv[2])))
    collection_bytes(page.features, {"numberMatched": page.matched,
                                     "numberReturned": page.returned})
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000
pools = {}  # one pool a number of clients, kept: its threads keep their connections
for line in sys.stdin:
    clients, work = json.loads(line)
    pool = pools.setdefault(clients, ThreadPoolExecutor(clients))
    print(json.dumps(list(pool.map(timed, work))), flush=True)
"""


class Before:
    """The code before a change (the geomap package in ``folder``) on its own copy of the
    store, in a child process that reads a piece of the boxes at a time."""

    def __init__(self, folder: Path, db: Path):
        env = {**os.environ, "PYTHONPATH": str(folder.resolve())}
        self.child = subprocess.Popen([sys.executable, "-c", _CHILD, str(db.resolve()), str(LIMIT)],
                                      cwd=folder, env=env, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)

    def run(self, work: list, clients: int) -> list[tuple[float, float]]:
        """(wall ms, CPU ms) of each box of ``work``, read by ``clients`` threads."""
        self.child.stdin.write(json.dumps([clients, work]) + "\n")
        self.child.stdin.flush()
        return [tuple(timing) for timing in json.loads(self.child.stdout.readline())]

    def close(self) -> None:
        """End the child process."""
        self.child.stdin.close()
        self.child.wait(timeout=60)


def timed(read, bbox) -> tuple[float, float]:
    """(wall ms, this thread's CPU ms) of one read."""
    wall, cpu = time.perf_counter(), time.thread_time()
    read(bbox)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def compare(reads: dict, work: list, clients: int, rounds: int = 10) -> dict:
    """Medians of wall and CPU time per read, and reads per second, of each of ``reads`` at
    ``clients`` threads: the work is cut into ``rounds`` pieces that each read in turn, so
    that the machine's load (shared with others) weighs on all of them alike."""
    for read in reads.values():
        _read_piece(read, work[:10], clients, None)  # warm the caches and the connections
    results = {name: ([], 0.0) for name in reads}
    step = max(len(work) // rounds, 1)
    with ThreadPoolExecutor(clients) as pool:
        for first in range(0, len(work), step):
            piece = work[first:first + step]
            for name, read in reads.items():
                started = time.perf_counter()
                timings = _read_piece(read, piece, clients, pool)
                done, elapsed = results[name]
                results[name] = (done + timings, elapsed + time.perf_counter() - started)
    return {name: _figures(timings, elapsed) for name, (timings, elapsed) in results.items()}


def _read_piece(read, piece: list, clients: int, pool) -> list[tuple[float, float]]:
    if isinstance(read, Before):
        return read.run(piece, clients)
    if pool is None:
        return [timed(read, bbox) for bbox in piece]
    return list(pool.map(lambda bbox: timed(read, bbox), piece))


def _figures(results: list, elapsed: float) -> dict:
    walls, cpus = zip(*results, strict=True)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
            "p90": statistics.quantiles(walls, n=10)[-1], "rate": len(results) / elapsed}


#: What the map asks of each feature for its markers (static/js/layers.js).
MARKER_PROPERTIES = "event_date,event_type,sub_event_type,location,status"


def page_sizes(store: SQLiteStore, bbox) -> None:
    """Bytes a feature of a dense page costs: whole, and cut down to the map's properties
    (compressed at the app's levels: gzip 5, brotli 4)."""
    page = get_page(store, IncidentQuery(bbox=bbox, limit=LIMIT))
    for name, names in (("every property", None), ("map's markers", MARKER_PROPERTIES)):
        body = collection_bytes(select_properties(page, parse_properties(names)).features)
        sizes = [len(body), len(gzip.compress(body, 5)), len(brotli.compress(body, quality=4))]
        print(f"  page bytes a feature, {name:<14}: plain / gzip / br "
              + " / ".join(f"{size / page.returned:,.0f}" for size in sizes))


def main() -> None:
    """Build (or reuse) the store and the floor, then time both side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path(__file__).parent / "out" / "api.sqlite")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--before", type=Path, help="a folder holding an older geomap package")
    parser.add_argument("--before-db", type=Path, help="the before code's copy of the store")
    args = parser.parse_args()
    db = ensure_store(args.db, args.n)
    floor, work = ensure_floor(db), boxes(args.runs)
    geomap, plain = Geomap(db), Floor(floor)
    reads = {"geomap": geomap, "floor": plain}
    if args.before:
        reads["before"] = Before(args.before, args.before_db or db)
    matched = [get_page(geomap.store, IncidentQuery(bbox=b, limit=1)).matched for b in work[:20]]
    print(f"{args.n:,} incidents; dense 1x1 boxes hold {statistics.median(matched):,.0f} "
          f"(median), pages of {LIMIT:,}")
    page_sizes(geomap.store, work[0])
    names = {"geomap": "geomap page + count", "floor": "R*Tree + orjson floor",
             "before": "before: page + count"}
    for clients in args.clients:
        figures = compare(reads, work, clients)
        base = figures["floor"]
        for name, figure in figures.items():
            print(f"  {clients:>2} client(s)  {names[name]:<22} p50 {figure['wall']:6.2f} ms  "
                  f"p90 {figure['p90']:6.2f} ms  cpu p50 {figure['cpu']:6.2f} ms  "
                  f"{figure['rate']:7.1f} pages/s")
        for name in ("geomap", "before")[:len(figures) - 1]:
            ours = figures[name]
            print(f"  {clients:>2} client(s)  ratio {name} / floor: p50 "
                  f"{ours['wall'] / base['wall']:.2f}x, cpu {ours['cpu'] / base['cpu']:.2f}x")
    if args.before:
        reads["before"].close()


if __name__ == "__main__":
    main()
