"""Benchmark: queries through ``geomap geocode --json -`` (run by hand).

Prints the index build time (when asked), start-up time, queries per second after
start-up and the peak memory of the geocoding process, for two sets of queries:

* mixed: place names of Iraq, Syria and Iran drawn from the built index and re-spelt the
  way reports spell them (article forms, doubled letters, vowels, suffix words), with a
  share of repeats (which the cache answers), country hints and names that are not places;
* distinct: as many report-style spellings, every one different, all with a country hint.

Both run against a store holding ``--learned`` learned places (names of the index moved a
few km, as imported incidents teach them), which every resolution consults.

    python benchmarks/bench_geocode.py [--queries 10000] [--learned 5000] [--rebuild]
        [--rounds 3] [--baseline OLD_CHECKOUT [--baseline-index OLD_INDEX]]

With ``--baseline`` (a checkout of other code, e.g. ``git worktree add /tmp/old main~3``, run
with PYTHONPATH pointing at it) the two take turns, ``--rounds`` times each, and the medians
are printed side by side: on a shared machine only turns taken in one run compare. When the
two build different indexes (a schema change), ``--baseline-index`` names the index the
baseline built (e.g. ``GEOMAP_GAZETTEER_DB=/tmp/old.sqlite geomap gazetteer build`` run in
the old checkout); both are asked the same queries, drawn from this code's index.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NON_PLACES = ["Qassem Soleimani", "Kata'ib Hezbollah", "Wilson Center", "Joe Biden", "Lloyd Austin",
              "Popular Mobilization Forces", "Islamic State", "Pentagon spokesman", "JCPOA", "Dana Straul"]
SUFFIXES = ["", "", "", " city", " province", " district", " air base", " village"]


def respell(name: str, rng: random.Random) -> str:
    """One report-style spelling of a name."""
    swaps = [("al-", "al "), ("Al ", "al-"), ("ou", "u"), ("u", "ou"), ("ei", "ai"), ("a", "e"),
             ("ss", "s"), ("s", "ss"), ("q", "k"), ("kh", "h"), ("ee", "i"), ("i", "ee"), ("-", " ")]
    for old, new in rng.sample(swaps, 2):
        if old in name:
            name = name.replace(old, new, 1)
    return name + rng.choice(SUFFIXES)


def make_queries(index: Path, count: int, seed: int = 7) -> list[str]:
    """Report-style queries, some with a country hint after a tab."""
    rng = random.Random(seed)
    conn = sqlite3.connect(index)
    names = [n for (n,) in conn.execute(
        "SELECT n.name FROM names n JOIN places p ON p.id = n.place WHERE p.country IN ('IQ','SY','IR')"
        " AND n.key NOT LIKE 'u:%' AND n.key NOT LIKE 'code:%'")]
    queries = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05:
            query = rng.choice(NON_PLACES)
        elif roll < 0.25 and queries:
            query = rng.choice(queries).split("\t")[0]
        else:
            query = respell(rng.choice(names), rng)
        if rng.random() < 0.3:
            query += "\t" + rng.choice(["IQ", "SY", "IR"])
        queries.append(query)
    return queries


def make_distinct(index: Path, count: int, seed: int = 11) -> list[str]:
    """``count`` different report-style spellings, each with its country as hint."""
    rng = random.Random(seed)
    conn = sqlite3.connect(index)
    rows = conn.execute(
        "SELECT n.name, p.country FROM names n JOIN places p ON p.id = n.place WHERE p.country"
        " IN ('IQ','SY','IR','YE','LB','TR') AND n.key NOT LIKE 'u:%' AND n.key NOT LIKE 'code:%'"
        ).fetchall()
    queries: dict[str, None] = {}
    while len(queries) < count:
        name, country = rng.choice(rows)
        queries.setdefault(f"{respell(name, rng)}\t{country}")
    return list(queries)


def fill_learned(index: Path, db: Path, count: int, seed: int = 5) -> None:
    """A store holding ``count`` learned places: names of the index, moved a few km."""
    from geomap.store import LearnedPlace, open_store

    rng = random.Random(seed)
    conn = sqlite3.connect(index)
    rows = conn.execute("SELECT name, country, lat, lon FROM places WHERE country IN"
                        " ('IQ','SY','IR','YE','LB','TR') ORDER BY random() LIMIT ?", (count,))
    places = [LearnedPlace(f"{name} {rng.choice(['Sharqi', 'Gharbi', 'Saghir', ''])}".strip(),
                           country, round(lat + rng.uniform(-0.05, 0.05), 5),
                           round(lon + rng.uniform(-0.05, 0.05), 5), source="import")
              for name, country, lat, lon in rows]
    with open_store(db) as store:
        store.add_learned_places(places)


def run_batch(lines: list[str], env: dict, folder: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds and CPU seconds (user + system) of the child to answer all lines, and
    the peak RSS (KiB) of the children so far. On a loaded machine the CPU figure is the
    one that says what one core does. ``folder``: where the child runs (``python -m`` looks
    in its working folder before PYTHONPATH: a baseline runs in its own checkout)."""
    with tempfile.TemporaryFile() as source:
        source.write(("\n".join(lines) + "\n").encode())
        source.seek(0)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "geomap", "geocode", "--json", "-"], stdin=source,
                              capture_output=True, env=env, check=True, cwd=folder)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    answered = done.stdout.count(b"\n")
    assert answered == len(lines), f"{answered} answers for {len(lines)} lines"
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, after.ru_maxrss


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--learned", type=int, default=5000, help="learned places in the store")
    parser.add_argument("--rebuild", action="store_true", help="time a full index build first")
    parser.add_argument("--rounds", type=int, default=1, help="turns of each code, medians printed")
    parser.add_argument("--baseline", type=Path, help="a checkout of other code to take turns with")
    parser.add_argument("--baseline-index", type=Path, help="the index the baseline built, when its"
                        " schema differs (default: this code's)")
    args = parser.parse_args()
    from geomap.config import Settings
    from geomap.gazetteer import open_gazetteer

    settings = Settings.from_env()
    if args.rebuild:
        built = open_gazetteer(settings, build=False).build()
        print(f"index build: {built['seconds']:.1f} s ({settings.gazetteer_db})")
    open_gazetteer(settings)
    sets = {"mixed": make_queries(settings.gazetteer_db, args.queries),
            "distinct": make_distinct(settings.gazetteer_db, args.queries)}
    trees = {"this code": None} | ({"baseline": args.baseline} if args.baseline else {})
    with tempfile.TemporaryDirectory(prefix="bench-geocode-") as folder:
        db = Path(folder) / "store.sqlite"
        fill_learned(settings.gazetteer_db, db, args.learned)
        env = dict(os.environ, GEOMAP_GAZETTEER_DB=str(settings.gazetteer_db), GEOMAP_DB=str(db))
        runs = {(tree, label): [] for tree in trees for label in ("start-up", *sets)}
        for _ in range(args.rounds):
            for tree, path in trees.items():
                tree_env = env if path is None else dict(env, PYTHONPATH=str(path.resolve()))
                if path is not None and args.baseline_index:
                    tree_env["GEOMAP_GAZETTEER_DB"] = str(args.baseline_index)
                measure_turn(tree_env, sets, runs, tree, path)
    print_medians(runs, trees, args.learned)


def measure_turn(env: dict, sets: dict[str, list[str]], runs: dict, tree: str,
                 folder: Path | None = None) -> None:
    """One turn of one code: its start-up (best of three), then each set of queries."""
    startup = min((run_batch(["Mosul"], env, folder) for _ in range(3)), key=lambda run: run[1])
    runs[(tree, "start-up")].append(startup)
    for label, queries in sets.items():
        total, cpu, peak_kib = run_batch(queries, env, folder)
        runs[(tree, label)].append((len(queries) / max(total - startup[0], 1e-9),
                                    len(queries) / max(cpu - startup[1], 1e-9), peak_kib))


def print_medians(runs: dict, trees: dict, learned: int) -> None:
    """The median of each figure over the turns, one line per code and set."""
    for tree in trees:
        wall, cpu = (statistics.median(run[i] for run in runs[(tree, "start-up")]) for i in (0, 1))
        print(f"{tree}: start-up (one query, process start to exit, {learned:,} learned places): "
              f"{wall * 1000:.0f} ms ({cpu * 1000:.0f} ms of CPU)")
        for label in ("mixed", "distinct"):
            turns = runs[(tree, label)]
            rates = ", ".join(f"{run[1]:,.0f}" for run in turns)
            print(f"{tree}: {label}: {statistics.median(run[0] for run in turns):,.0f} queries/s after"
                  f" start-up, {statistics.median(run[1] for run in turns):,.0f} per CPU-second"
                  f" (turns: {rates}); peak memory {max(run[2] for run in turns) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
