"""A dense 1°x1° page with its exact count, against a plain R*Tree + orjson floor; by hand:

    PYTHONPATH=. python benchmarks/bench_dense.py [--n 1000000] [--runs 200] [--clients 1 16]

Both sides run in this process on the same incidents, so that only the server's work is
timed (no HTTP): geomap's one read path (``services.incidents.get_page``: a page of 1,000
newest first and ``numberMatched``, counted from the cell summaries with only the edge
cells scanned) framed by its FeatureCollection framer; the floor is an SQLite R*Tree over
the same points joined to the same feature JSON, LIMIT 1,000 in no particular order and
no count, framed by orjson around the stored bytes. Each of ``--clients`` threads asks for
boxes in turn (SQLite lets go of the GIL while it reads); the two sides take turns, a
tenth of the boxes at a time, so that the load of a shared machine weighs on both alike.
Prints medians and the ratio.
Not a test.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sqlite3
import statistics
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
        for bbox in work[:10]:
            read(bbox)  # warm the caches and the connections
    results = {name: ([], 0.0) for name in reads}
    step = max(len(work) // rounds, 1)
    with ThreadPoolExecutor(clients) as pool:
        for first in range(0, len(work), step):
            piece = work[first:first + step]
            for name, read in reads.items():
                started = time.perf_counter()
                timings = list(pool.map(lambda bbox, read=read: timed(read, bbox), piece))
                done, elapsed = results[name]
                results[name] = (done + timings, elapsed + time.perf_counter() - started)
    return {name: _figures(timings, elapsed) for name, (timings, elapsed) in results.items()}


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
    args = parser.parse_args()
    db = ensure_store(args.db, args.n)
    floor, work = ensure_floor(db), boxes(args.runs)
    geomap, plain = Geomap(db), Floor(floor)
    matched = [get_page(geomap.store, IncidentQuery(bbox=b, limit=1)).matched for b in work[:20]]
    print(f"{args.n:,} incidents; dense 1x1 boxes hold {statistics.median(matched):,.0f} "
          f"(median), pages of {LIMIT:,}")
    page_sizes(geomap.store, work[0])
    for clients in args.clients:
        figures = compare({"geomap": geomap, "floor": plain}, work, clients)
        ours, base = figures["geomap"], figures["floor"]
        for name, figures in (("geomap page + count", ours), ("R*Tree + orjson floor", base)):
            print(f"  {clients:>2} client(s)  {name:<22} p50 {figures['wall']:6.2f} ms  "
                  f"p90 {figures['p90']:6.2f} ms  cpu p50 {figures['cpu']:6.2f} ms  "
                  f"{figures['rate']:7.1f} pages/s")
        print(f"  {clients:>2} client(s)  ratio geomap / floor: p50 {ours['wall'] / base['wall']:.2f}x,"
              f" cpu {ours['cpu'] / base['cpu']:.2f}x")


if __name__ == "__main__":
    main()
