"""SQLite beside PostGIS in one run, on the same synthetic incidents; run by hand:

    source .ci/postgres.sh        # a PostGIS primary on 127.0.0.1:55432, a standby on 55433
    PYTHONPATH=. python benchmarks/bench_postgis.py --n 1000000 \\
        --pg postgresql://postgres@127.0.0.1:55432/geomap_test

Loads the same GeoJSONSeq file into a fresh SQLite file and a fresh PostGIS schema as
``geomap ingest`` does (``add_many`` inside ``importing``: SQLite's batches, PostGIS's
COPY, each with the indexes built once at the end; features/s, and CPU per feature of
this process and of the PostgreSQL processes, primary and ``--standby``, read from
/proc), then serves each with gunicorn (gthread, 8 threads per worker) and times over
HTTP: single requests of the issue-4 workload (p50, p99, and the PostGIS/SQLite ratio of
the medians), the whole-layer download, and random map requests from 1, 4 and 16
concurrent clients on one and on two workers (requests/s and p50). ``--reuse`` times the
stores an earlier run built; ``--ingest-only`` stops after loading (``--only`` one
backend; ``--schema`` names the PostGIS schema, ``bench`` by default); ``--floor`` then
times bare ``COPY`` of the same rows into a table without indexes, the ingest's floor
(``benchmarks/bench_postgis_pages.py`` gives the server CPU of each page). Both servers
run on this machine with the client, so the figures are for comparison side by side,
not absolute. Not a test.
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
from itertools import islice
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from bench_api import box
from bench_store import read_features, write_features
from synthetic import TYPE_WEIGHTS

import geomap
from geomap.store import open_store

FEATURES = "/api/layers/incidents/features"
CLIENTS = (1, 4, 16)
WORKERS = (1, 2)
SCHEMA = "bench"


def scenarios(rng: random.Random):
    """(name, parameters of one random request) of the issue-4 workload."""
    def year() -> dict:
        first = rng.randrange(2018, 2024)
        return {"start": f"{first}-01-01", "end": f"{first}-12-31"}
    return [
        ("1x1 bbox", lambda: {"bbox": box(rng, 1, True), "limit": 1000}),
        ("1x1 bbox + year + type", lambda: {"bbox": box(rng, 1, True), "limit": 1000, **year(),
                                             "type": rng.choice(list(TYPE_WEIGHTS))}),
        ("0.1x0.1 sparse bbox", lambda: {"bbox": box(rng, 0.1, False), "limit": 1000}),
    ]


def load(location: str, path: Path, servers: list[str]) -> str:
    """Fill a fresh store from the file as ``geomap ingest`` does (``importing``: indexes
    built once at the end); print features/s and CPU per feature of this process and of
    the PostgreSQL ``servers`` (DSNs; each must run on this machine to be counted)."""
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), cluster_cpu(servers)
    with open_store(location) as store:
        with store.importing():
            added = store.add_many(read_features(path)).added
    spent = time.perf_counter() - started
    cpu, server_cpu = time.process_time() - cpu, cluster_cpu(servers) - server_cpu
    servers_part = f", servers {server_cpu / added * 1e6:.0f} µs" if servers else ""
    print(f"  ingest {added:,} features in {spent:,.1f} s = {added / spent:,.0f} features/s; "
          f"CPU per feature: client {cpu / added * 1e6:.0f} µs{servers_part}", flush=True)
    return f"{added / spent:,.0f}/s"


def cluster_cpu(dsns: list[str]) -> float:
    """CPU seconds spent so far by every process of these servers (their postmasters and
    children, ended ones included), read from /proc: only for servers on this machine."""
    return postmasters_cpu(postmasters(dsns))


def postmasters(dsns: list[str]) -> list[int]:
    """The process ids of these servers' postmasters."""
    pids = []
    for dsn in dsns:
        with psycopg.connect(dsn) as conn:
            folder = conn.execute("SHOW data_directory").fetchone()[0]
        pids.append(int(Path(folder, "postmaster.pid").read_text().split()[0]))
    return pids


def postmasters_cpu(pids: list[int]) -> float:
    """CPU seconds of these postmasters and their children (see cluster_cpu)."""
    total = 0.0
    for postmaster in pids:
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        total += sum(_process_cpu(pid) for pid in [postmaster, *map(int, children)])
    return total


def copy_floor(url: str, path: Path, servers: list[str], batch: int = 5000) -> None:
    """Bare COPY of the same rows, made untimed as the store makes them, into a table like
    incidents without an index, a transaction a batch: rows/s and CPU per row of this
    process and of the ``servers``, the floor under an ingest."""
    from geomap.incident import parse_feature
    from geomap.store.postgis_write import COLUMNS, prepare

    pids, spent, client, server, rows = postmasters(servers), 0.0, 0.0, 0.0, 0
    sql = f"COPY bare_copy ({', '.join(COLUMNS)}) FROM STDIN"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bare_copy")
        conn.execute("CREATE TABLE bare_copy (LIKE incidents)")
        features = read_features(path)
        while chunk := [prepare(parse_feature(f))[1] for f in islice(features, batch)]:
            started, cpu, server_cpu = time.perf_counter(), time.process_time(), postmasters_cpu(pids)
            with conn.transaction(), conn.cursor() as cur, cur.copy(sql) as copy:
                for row in chunk:
                    copy.write_row(row)
            spent += time.perf_counter() - started
            client += time.process_time() - cpu
            server += postmasters_cpu(pids) - server_cpu
            rows += len(chunk)
        conn.execute("DROP TABLE bare_copy")
    print(f"  bare COPY of the same {rows:,} rows into a table without indexes: "
          f"{rows / spent:,.0f} rows/s; CPU per row: client {client / rows * 1e6:.0f} µs, "
          f"servers {server / rows * 1e6:.0f} µs", flush=True)


def _process_cpu(pid: int) -> float:
    """utime + stime + the reaped children's (fields 14 to 17 of /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # ended between listing and reading: counted when reaped
        return 0.0
    return sum(map(int, fields[11:15])) / os.sysconf("SC_CLK_TCK")


def fresh_schema(dsn: str, schema: str = SCHEMA) -> str:
    """An empty schema (``bench``) on the server; the URL whose connections use it."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema_url(dsn, schema)


def schema_url(dsn: str, schema: str = SCHEMA) -> str:
    """The URL whose connections work in the schema (``bench``)."""
    return f"{dsn}{'&' if '?' in dsn else '?'}options=-csearch_path%3D{schema},public"


def serve(db: str, workers: int) -> tuple[subprocess.Popen, int]:
    """gunicorn over ``db``, as docs/deploy.md runs it; (process, port) once it answers."""
    port = _free_port()
    env = {**os.environ, "GEOMAP_DB": db, "GEOMAP_API_TOKEN": "", "GEOMAP_DRAFTS_PUBLIC": "1"}
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread",
               "--threads", "8", "-b", f"127.0.0.1:{port}", "geomap.web:create_app()"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            _get(conn, f"{FEATURES}?limit=1")
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(conn: http.client.HTTPConnection, url: str) -> int:
    conn.request("GET", url)
    response = conn.getresponse()
    size = len(response.read())
    if response.status != 200:
        raise SystemExit(f"{url}: {response.status}")
    return size


def time_single(port: int, repeat: int, seed: int) -> dict[str, float]:
    """p50 (printed with p99) of each scenario, one request at a time."""
    conn, medians = http.client.HTTPConnection("127.0.0.1", port, timeout=120), {}
    for name, make in scenarios(random.Random(seed)):
        timings = []
        for _ in range(repeat):
            url = f"{FEATURES}?{urlencode(make())}"
            started = time.perf_counter()
            _get(conn, url)
            timings.append((time.perf_counter() - started) * 1000)
        medians[name] = statistics.median(timings)
        print(f"  {name:<24} p50 {medians[name]:8.2f} ms  p99 "
              f"{statistics.quantiles(timings, n=100)[98]:8.2f} ms", flush=True)
    return medians


def time_download(port: int) -> float:
    """The whole layer as one GeoJSON download: features/s."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", f"{FEATURES}?download=1")
    response = conn.getresponse()
    count, tail = 0, b""
    while chunk := response.read(1 << 20):
        count += (tail + chunk).count(b'{"type":"Feature"')
        tail = chunk[-16:]
    spent = time.perf_counter() - started
    print(f"  download {count:,} features in {spent:.1f} s = {count / spent:,.0f} features/s",
          flush=True)
    return count / spent


def time_clients(port: int, clients: int, seconds: float, seed: int) -> tuple[float, float]:
    """Requests/s and p50 ms with ``clients`` threads each sending random map requests."""
    timings: list[float] = []
    lock, stop = threading.Lock(), time.perf_counter() + seconds

    def client(number: int) -> None:
        rng = random.Random(seed + number)
        makes = [make for _, make in scenarios(rng)]
        conn, mine = http.client.HTTPConnection("127.0.0.1", port, timeout=120), []
        while time.perf_counter() < stop:
            url = f"{FEATURES}?{urlencode(rng.choice(makes)())}"
            started = time.perf_counter()
            _get(conn, url)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            timings.extend(mine)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(timings) / (time.perf_counter() - started), statistics.median(timings)


def main(argv: list[str] | None = None) -> None:
    """Load both stores, then time both servers side by side."""
    parser = argparse.ArgumentParser(description="SQLite beside PostGIS")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pg", default=os.environ.get("GEOMAP_TEST_POSTGRES_DSN"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--standby", default=os.environ.get("GEOMAP_TEST_POSTGRES_STANDBY_DSN"),
                        help="a standby of --pg whose CPU the ingest counts too")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the stores of an earlier run of the same --n")
    parser.add_argument("--ingest-only", action="store_true", help="load, then stop")
    parser.add_argument("--schema", default=SCHEMA, help="the PostGIS schema to fill or reuse")
    parser.add_argument("--floor", action="store_true",
                        help="then time bare COPY of the same rows (the ingest's floor)")
    parser.add_argument("--only", choices=("sqlite", "postgis"),
                        help="with --ingest-only: load this backend alone")
    args = parser.parse_args(argv)
    if not args.pg:
        raise SystemExit("give --pg postgresql://... or set GEOMAP_TEST_POSTGRES_DSN")
    print(f"geomap from {Path(geomap.__file__).parent}; {args.n:,} incidents; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    features = args.out / f"synthetic-{args.n}.jsonl"
    write_features(features, args.n, args.seed)
    sqlite_path = args.out / f"side-by-side-{args.n}.sqlite"
    if args.reuse:
        stores = {"sqlite": str(sqlite_path), "postgis": schema_url(args.pg, args.schema)}
    else:
        stores = {"sqlite": str(sqlite_path), "postgis": args.schema}
        stores = {name: where for name, where in stores.items() if args.only in (None, name)}
        if "sqlite" in stores:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        if "postgis" in stores:
            stores["postgis"] = fresh_schema(args.pg, args.schema)
        servers = {"sqlite": [], "postgis": [args.pg, *filter(None, [args.standby])]}
        for name, location in stores.items():
            print(f"{name}:", flush=True)
            load(location, features, servers[name])
        if args.floor and "postgis" in stores:
            copy_floor(stores["postgis"], features, servers["postgis"])
    if not args.ingest_only:
        compare(stores, args)
    print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)


def compare(stores: dict[str, str], args) -> None:
    """Single requests, the download, then concurrent clients, each backend in turn."""
    figures: dict[str, dict] = {name: {} for name in stores}
    for workers in WORKERS:
        for name, location in stores.items():
            server, port = serve(location, workers)
            try:
                print(f"{name}, {workers} worker(s):", flush=True)
                if workers == 1:
                    figures[name].update(time_single(port, args.repeat, args.seed))
                    figures[name]["download"] = time_download(port)
                for clients in CLIENTS:
                    rate, p50 = time_clients(port, clients, args.seconds, args.seed)
                    figures[name][(workers, clients)] = rate
                    print(f"  {clients:>2} clients: {rate:7.1f} requests/s, p50 {p50:7.1f} ms",
                          flush=True)
            finally:
                server.terminate()
                server.wait(timeout=30)
    print_ratios(figures)


def print_ratios(figures: dict[str, dict]) -> None:
    """PostGIS against SQLite: time ratios (below 1 is faster) and throughput ratios."""
    sqlite, postgis = figures["sqlite"], figures["postgis"]
    print("PostGIS / SQLite:")
    for key, value in sqlite.items():
        if isinstance(key, tuple):
            print(f"  {key[1]:>2} clients on {key[0]} worker(s): throughput x"
                  f"{postgis[key] / value:.2f}")
        elif key == "download":
            print(f"  download: throughput x{postgis[key] / value:.2f}")
        else:
            print(f"  {key}: median time x{postgis[key] / value:.2f}")


if __name__ == "__main__":
    main()
