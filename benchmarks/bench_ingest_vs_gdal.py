"""`geomap ingest` beside GDAL, geopandas and a bare executemany floor, in one run.

    PYTHONPATH=. python benchmarks/bench_ingest_vs_gdal.py [--n 1000000] [--runs 3]
        [--out benchmarks/out] [--reuse] [--only geomap,ogr2ogr] [--before DIR]

Writes ``peers.geojson`` (benchmarks/synthetic.py, one feature per line as most tools
write it), then loads it again and again, the contenders taking turns so that a change
in the machine's load hits each alike:

- ``geomap``: ``python -m geomap --db F ingest peers.geojson`` into a fresh SQLite store
  (validation, full-text index, grid and summaries, one transaction per batch);
- ``ogr2ogr``: ``ogr2ogr -f GPKG`` (GDAL's GeoPackage, with its R*Tree);
- ``geopandas``: ``read_file`` then ``to_file(driver="GPKG")``, both through pyogrio;
- ``before``: with ``--before DIR``, ``geomap ingest`` of the geomap package in DIR (say
  ``git archive main geomap | tar -x -C DIR``): the code before a change, in the same run;
- ``floor``: the same file streamed with ijson and each feature's JSON put with
  ``executemany`` into a table without an index, 5,000 rows a transaction: what reading
  and storing cost before any validation or index.

Each runs as its own process; its wall time, CPU time and peak RSS come from ``wait4``
(CPU time includes geomap's reading worker, which it waits for; peak RSS is that of the
largest process). Medians of the runs are printed, with features/s and the throughput
ratios to ogr2ogr and to the floor of the same run. Not a test. On a machine that others
load, every process of one session shares that session's CPU share (Linux's autogroup),
so geomap's second process helps only when a core is free: compare CPU µs per feature.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

FLOOR = """
import sqlite3, sys, itertools, ijson, orjson
conn = sqlite3.connect(sys.argv[2], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute("CREATE TABLE features (id TEXT, layer TEXT, event_date TEXT, feature TEXT)")
with open(sys.argv[1], "rb") as f:
    items = ijson.items(f, "features.item", use_float=True)
    while batch := list(itertools.islice(items, 5000)):
        rows = [(o["id"], o["properties"]["layer"], o["properties"]["event_date"],
                 orjson.dumps(o).decode()) for o in batch]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO features VALUES (?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
"""
GEOPANDAS = """
import sys, geopandas
frame = geopandas.read_file(sys.argv[1], engine="pyogrio")
frame.to_file(sys.argv[2], driver="GPKG", engine="pyogrio")
"""


def commands(source: Path, target: Path) -> dict[str, list[str]]:
    """Each contender's command line, loading ``source`` into ``target``."""
    python = sys.executable
    return {
        "geomap": [python, "-m", "geomap", "--db", str(target), "ingest", str(source)],
        "before": [python, "-m", "geomap", "--db", str(target), "ingest", str(source)],
        "ogr2ogr": ["ogr2ogr", "-f", "GPKG", str(target), str(source)],
        "geopandas": [python, "-c", GEOPANDAS, str(source), str(target)],
        "floor": [python, "-c", FLOOR, str(source), str(target)],
    }


def run_once(command: list[str], target: Path, path: Path | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one run into a fresh ``target``; ``path`` goes first
    on PYTHONPATH and is the working folder (``python -m`` looks there before PYTHONPATH)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "GEOMAP_GAZETTEER_DB": str(target.with_suffix(".unused-gazetteer"))}
    if path is not None:
        env["PYTHONPATH"] = str(path)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                             cwd=path)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({child.returncode}): {errors[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def generate(n: int, path: Path) -> None:
    """The synthetic FeatureCollection, written by a child process."""
    script = Path(__file__).with_name("synthetic.py")
    subprocess.run([sys.executable, str(script), str(n), str(path)], check=True)
    print(f"generated {n:,} features, {path.stat().st_size / 1e6:,.0f} MB")


def report(n: int, timings: dict[str, list[tuple[float, float, float]]]) -> None:
    """Medians per contender, and each one's throughput ratio to ogr2ogr and to the floor."""
    medians = {name: tuple(statistics.median(run[i] for run in runs) for i in range(3))
               for name, runs in timings.items()}
    gdal, floor = (medians.get(name, (None,))[0] for name in ("ogr2ogr", "floor"))
    print(f"\n{'contender':<10} {'wall s':>8} {'features/s':>11} {'CPU s':>7} {'CPU µs/f':>9} "
          f"{'peak MiB':>9} {'vs ogr2ogr':>10} {'vs floor':>9}   "
          f"(median of {len(next(iter(timings.values())))})")
    for name, (wall, cpu, rss) in medians.items():
        ratios = [f"{peer / wall:.2f}x" if peer else "" for peer in (gdal, floor)]
        print(f"{name:<10} {wall:8.1f} {n / wall:11,.0f} {cpu:7.1f} {cpu / n * 1e6:9.1f} "
              f"{rss:9,.0f} {ratios[0]:>10} {ratios[1]:>9}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main(argv: list[str] | None = None) -> None:
    """Generate once, load with each contender in turn, print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing peers.geojson")
    parser.add_argument("--only", default="geomap,ogr2ogr,geopandas,floor")
    parser.add_argument("--before", type=Path, help="a folder holding an older geomap package")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.out = args.out.resolve()  # the ``before`` contender runs in another folder
    source = args.out / "peers.geojson"
    if not (args.reuse and source.exists()):
        generate(args.n, source)
    names = list(dict.fromkeys(args.only.split(",") + (["before"] if args.before else [])))
    timings: dict[str, list] = {name: [] for name in names}
    for number in range(args.runs):
        for name in names:
            target = args.out / f"peers-{name}.{'gpkg' if name in ('ogr2ogr', 'geopandas') else 'sqlite'}"
            path = args.before.resolve() if name == "before" else None
            timings[name].append(run_once(commands(source, target)[name], target, path))
            wall, cpu, rss = timings[name][-1]
            print(f"run {number + 1} {name}: {wall:.1f} s, {args.n / wall:,.0f} features/s, "
                  f"CPU {cpu:.1f} s, peak {rss:,.0f} MiB", flush=True)
    report(args.n, timings)


if __name__ == "__main__":
    main()
