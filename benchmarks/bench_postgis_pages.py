"""Server CPU per map page on PostGIS, read from /proc; run by hand, after bench_postgis.py
has built its schema (``--ingest-only`` will do):

    PYTHONPATH=. python benchmarks/bench_postgis_pages.py \\
        --pg postgresql://postgres@127.0.0.1:55432/geomap_test

Sends the page statement of each bench_postgis scenario (``postgis_query.page_sql`` of
the geomap on PYTHONPATH, so that the code before a change and after it can take turns
on one schema) ``--requests`` times on one connection set up as the store's pool sets
its own, and prints, per scenario, the median over ``--rounds`` rounds of the server
backend's CPU per page (utime + stime from /proc: the load stretches wall time, not CPU
time), the client's CPU per page and the wall time per page. The server must run on
this machine. With ``--sqlite FILE`` (bench_postgis's SQLite store of the same
incidents) the same pages read in-process from SQLite are timed beside them, as CPU per
page: the two stores' CPU compare where their wall times mostly measure the load. Not a
test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl

import psycopg
from bench_postgis import SCHEMA, scenarios, schema_url

import geomap
from geomap.query import IncidentQuery
from geomap.store import SQLiteStore
from geomap.store.postgis_query import page_sql
from geomap.store.postgis_schema import JsonBytesLoader


def page_query(params: dict) -> IncidentQuery:
    """The IncidentQuery the map API makes of one scenario's parameters."""
    bbox = tuple(float(part) for part in params["bbox"].split(","))
    dates = {name: date.fromisoformat(params[name]) for name in ("start", "end") if name in params}
    types = (params["type"],) if "type" in params else ()
    return IncidentQuery(bbox=bbox, limit=int(params["limit"]), event_types=types, **dates)


def backend_cpu(pid: int) -> float:
    """CPU seconds the server process ``pid`` has spent (fields 14 and 15 of its stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_round(conn: psycopg.Connection, queries: list[IncidentQuery]) -> tuple[float, ...]:
    """(server CPU, client CPU, wall) per page in ms over ``queries``, and the rows read."""
    pid = conn.info.backend_pid
    server, client, wall = backend_cpu(pid), time.process_time(), time.perf_counter()
    rows = 0
    for query in queries:
        rows += len(conn.execute(*page_sql(query)).fetchall())
    count = len(queries)
    return ((backend_cpu(pid) - server) / count * 1e3, (time.process_time() - client) / count
            * 1e3, (time.perf_counter() - wall) / count * 1e3, rows)


def time_sqlite(store, queries: list[IncidentQuery]) -> tuple[float, float]:
    """(CPU, wall) per page in ms of ``store.page_json`` over ``queries``."""
    cpu, wall = time.process_time(), time.perf_counter()
    for query in queries:
        store.page_json(query)
    return ((time.process_time() - cpu) / len(queries) * 1e3,
            (time.perf_counter() - wall) / len(queries) * 1e3)


def main(argv: list[str] | None = None) -> None:
    """Time each scenario's pages, a round at a time."""
    parser = argparse.ArgumentParser(description="PostGIS server CPU per page")
    parser.add_argument("--pg", default=os.environ.get("GEOMAP_TEST_POSTGRES_DSN"))
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--schema", default=SCHEMA)
    parser.add_argument("--sqlite", type=Path, help="bench_postgis's SQLite file, timed beside")
    args = parser.parse_args(argv)
    print(f"geomap from {Path(geomap.__file__).parent}; schema {args.schema}; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    sqlite = None if args.sqlite is None else SQLiteStore(args.sqlite)
    with psycopg.connect(schema_url(args.pg, args.schema), autocommit=True) as conn:
        conn.adapters.register_loader("json", JsonBytesLoader)
        conn.execute("SELECT set_config('jit', 'off', false), "
                     "set_config('plan_cache_mode', 'force_custom_plan', false)")
        for name, make in scenarios(random.Random(args.seed)):
            queries = [page_query(dict(parse_qsl(_encode(make())))) for _ in range(args.requests)]
            time_round(conn, queries[:5])  # warm the cache
            rounds = [time_round(conn, queries) for _ in range(args.rounds)]
            server, client, wall = (statistics.median(r[i] for r in rounds) for i in range(3))
            print(f"  {name:<24} server CPU {server:6.2f} ms, client CPU {client:5.2f} ms, "
                  f"wall {wall:6.2f} ms a page (median of {args.rounds} rounds of "
                  f"{args.requests})", flush=True)
            if sqlite is not None:
                time_sqlite(sqlite, queries[:5])
                cpu, wall = (statistics.median(r[i] for r in [
                    time_sqlite(sqlite, queries) for _ in range(args.rounds)]) for i in range(2))
                print(f"  {'':<24} SQLite: CPU {cpu:6.2f} ms, wall {wall:6.2f} ms a page; "
                      f"PostGIS CPU (server + client) x{(server + client) / cpu:.2f}", flush=True)
    if sqlite is not None:
        sqlite.close()
    print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)


def _encode(params: dict) -> str:
    return "&".join(f"{key}={value}" for key, value in params.items())


if __name__ == "__main__":
    main()
