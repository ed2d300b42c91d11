"""Benchmark: geomap on a real ACLED export (CSV from acleddata.com), in-process (run by hand).

Prints the figures of the project's referee (``score_acled.py``), computed the same way
but without a process per call, and the notes per second:

* gazetteer: each distinct (location, country) resolved with the country as hint; right
  when the match lies within 10 / 25 / 100 km of ACLED's point for geo_precision 1 / 2 / 3;
  ``gz_precision`` is the share of confident answers (score >= 0.5) that are right and
  ``gz_far`` how many of them lie over 100 km off;
* extraction: each distinct note read as a report published on its event date; an event is
  found when one incident has its date (+- 1 day) and lies within that tolerance.

    python benchmarks/bench_acled.py ACLED.csv [--region "Middle East"] [--mode both]
        [--history OTHER.csv | --split] [--failures FILE]

``--history`` ingests another export into a temporary store first, so its places are
learned; ``--split`` does so with the first half (by date) of ACLED.csv itself and scores
the second half. The user's own store is not touched.
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import math
import sys
import tempfile
import time
from pathlib import Path

TOLERANCE_KM = {"1": 10, "2": 25, "3": 100}
CONFIDENT = 0.5


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, as the referee measures it)."""
    p = math.pi / 180
    h = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 12742 * math.asin(min(1.0, math.sqrt(h)))


def load_events(path: Path, region: str) -> list[dict]:
    """The export's rows with a position, of one region (or all), as the referee reads them."""
    from geomap.services.columns import read_date

    events = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if region != "all" and row.get("region") != region:
                continue
            try:
                row["_date"] = dt.date.fromisoformat(read_date(row["event_date"]))
                row["_lat"], row["_lon"] = float(row["latitude"]), float(row["longitude"])
            except (ValueError, TypeError):
                continue  # a truncated last row
            row["_cc"] = country_of(row)
            row["_tol"] = TOLERANCE_KM.get(str(row.get("geo_precision", "")).strip(), 25)
            events.append(row)
    return sorted(events, key=lambda row: row["event_id_cnty"])


def country_of(row: dict) -> str:
    """ISO alpha-2 from ACLED's iso3 (or numeric iso) column, '' when neither is known."""
    import pycountry

    found = (pycountry.countries.get(alpha_3=row.get("iso3") or "")
             or pycountry.countries.get(numeric=(row.get("iso") or "").zfill(3)))
    return found.alpha_2 if found else ""


def split_by_date(events: list[dict]) -> tuple[list[dict], list[dict]]:
    """(history, test): the events of the first half of the days, and of the rest."""
    days = sorted({row["_date"] for row in events})
    cut = days[len(days) // 2]
    return [r for r in events if r["_date"] < cut], [r for r in events if r["_date"] >= cut]


def score_gazetteer(events: list[dict], gazetteer, failures) -> dict:
    """The referee's gazetteer figures for the distinct (location, country) of the events."""
    cases = {}
    for row in events:
        cases.setdefault((row["location"], row["_cc"]), row)
    tally = collections.Counter()
    by_precision = collections.defaultdict(lambda: [0, 0])
    started = time.perf_counter()
    for (query, country), row in sorted(cases.items()):
        answer = gazetteer.resolve(query, country=country or None)
        ok = _tally_answer(tally, answer, row)
        by_precision[row["geo_precision"]][0] += ok
        by_precision[row["geo_precision"]][1] += 1
        if not ok and failures:
            failures.write(_failure_line(query, country, row, answer["match"]))
    seconds = time.perf_counter() - started
    n = len(cases)
    print(f"# gazetteer: {n} distinct (location, country) of {len(events)} events; "
          f"{seconds:.2f}s ({n / seconds:,.0f} queries/s)")
    for precision in sorted(by_precision):
        right, total = by_precision[precision]
        print(f"#   geo_precision {precision}: {right}/{total} = {right / total:.3f}")
    confident = tally["confident"]
    return {"gz_acc": tally["right"] / n, "gz_top5": tally["top5"] / n,
            "gz_answered": tally["answered"] / n,
            "gz_precision": tally["confident_right"] / confident if confident else 0.0,
            "gz_far": tally["far"], "gz_n": n}


def _tally_answer(tally: collections.Counter, answer: dict, row: dict) -> bool:
    match = answer["match"]
    dist = km(match["lat"], match["lon"], row["_lat"], row["_lon"]) if match else None
    ok = match is not None and dist <= row["_tol"]
    if match and match["score"] >= CONFIDENT:
        tally["confident"] += 1
        tally["confident_right"] += ok
        tally["far"] += dist > 100
    top5 = any(km(c["lat"], c["lon"], row["_lat"], row["_lon"]) <= row["_tol"]
               for c in answer["candidates"][:5])
    tally["right"] += ok
    tally["top5"] += ok or top5
    tally["answered"] += match is not None
    return ok


def _failure_line(query: str, country: str, row: dict, match: dict | None) -> str:
    got = "null"
    if match:
        got = (f"{match['name']} {km(match['lat'], match['lon'], row['_lat'], row['_lon']):.0f} km"
               f" score {match['score']:.2f} ({match['why']})")
    return f"gazetteer\t{query}\t{country}\t{row['admin1']}/{row['admin2']}\tgot {got}\n"


def score_extract(events: list[dict], gazetteer, failures) -> dict:
    """The referee's extraction figures: each distinct note read as a report."""
    from geomap.extract import get_pipeline, iter_extracted, parse_report

    notes = collections.OrderedDict()
    for row in events:
        notes.setdefault(row["notes"], []).append(row)
    reports = [parse_report(note + "\n", document=f"note-{number}.txt",
                            published=max(r["_date"] for r in rows))
               for number, (note, rows) in enumerate(notes.items())]
    tally = collections.Counter()
    get_pipeline()  # loaded once per process: not a cost of the notes
    started, cpu = time.perf_counter(), time.process_time()
    # One batch, as the referee's single command-line call reads them.
    for number, (extracted, rows) in enumerate(zip(iter_extracted(reports, gazetteer), notes.values(),
                                                   strict=True)):
        if extracted.error is not None:  # a refusal counts as nothing found, as the referee does
            tally["errors"] += 1
            print(f"# note {number}: {type(extracted.error).__name__}: {extracted.error}", file=sys.stderr)
        _match_note(tally, rows, extracted.features, failures)
    return _extract_figures(tally, len(notes), time.perf_counter() - started, time.process_time() - cpu)


def _match_note(tally: collections.Counter, rows: list[dict], features: list[dict], failures) -> None:
    tally["true"] += len(rows)
    tally["predicted"] += len(features)
    tally["detected"] += _detected(rows, features)
    used: set[int] = set()
    for row in rows:
        best = _closest(row, features, used)
        if best is None:
            if failures:
                got = "; ".join(f"{f['properties']['event_date']} {f['properties'].get('location')}"
                                for f in features) or "nothing"
                failures.write(f"extract\t{row['event_id_cnty']}\t{row['_date']} {row['location']}"
                               f" ({row['sub_event_type']})\tgot {got}\n")
            continue
        used.add(best)
        props = features[best]["properties"]
        tally["found"] += 1
        tally["type"] += props["event_type"] == row["event_type"]
        tally["sub"] += props["sub_event_type"] == row["sub_event_type"]


def _closest(row: dict, features: list[dict], used: set[int]) -> int | None:
    best = None
    for i, feature in enumerate(features):
        if i in used or feature["geometry"]["type"] != "Point":
            continue
        lon, lat = feature["geometry"]["coordinates"][:2]
        dist = km(lat, lon, row["_lat"], row["_lon"])
        day = dt.date.fromisoformat(feature["properties"]["event_date"])
        if abs((day - row["_date"]).days) <= 1 and dist <= row["_tol"] and (best is None or dist < best[1]):
            best = (i, dist)
    return best[0] if best else None


def _detected(rows: list[dict], features: list[dict]) -> int:
    days = [dt.date.fromisoformat(f["properties"]["event_date"]) for f in features]
    count = 0
    for row in rows:
        hit = next((i for i, d in enumerate(days) if d is not None and abs((d - row["_date"]).days) <= 1),
                   None)
        if hit is not None:
            days[hit] = None
            count += 1
    return count


def _extract_figures(tally: collections.Counter, notes: int, seconds: float, cpu: float) -> dict:
    found, predicted, true = tally["found"], tally["predicted"], tally["true"]
    precision = found / predicted if predicted else 0.0
    recall = found / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"# extract: {notes} notes, {true} ACLED events, {predicted} extracted, {found} found; "
          f"{tally['errors']} errors; {seconds:.1f}s ({notes / seconds:.1f} notes/s, in-process; "
          f"{notes / cpu:.1f} notes per CPU-second)")
    print(f"# on found pairs: event_type={tally['type'] / found if found else 0:.3f} "
          f"sub_event_type={tally['sub'] / found if found else 0:.3f}")
    det_p = tally["detected"] / predicted if predicted else 0.0
    det_r = tally["detected"] / true if true else 0.0
    print(f"# detection (date matched, place ignored): precision {det_p:.3f} recall {det_r:.3f}")
    return {"ex_f1": f1, "ex_precision": precision, "ex_recall": recall,
            "ex_type": tally["type"] / found if found else 0.0, "det_precision": det_p,
            "det_recall": det_r, "ex_n": true, "notes_per_s": notes / seconds,
            "notes_per_cpu_s": notes / cpu}


def ingest_history(rows: list[dict] | None, path: Path | None, folder: Path) -> Path:
    """A temporary store holding the history (a file, or rows written as one); returns its path."""
    from geomap.services.ingest import ingest_paths
    from geomap.store import open_store

    if rows is not None:
        path = folder / "history.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            columns = [k for k in rows[0] if not k.startswith("_")]
            writer = csv.DictWriter(f, columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    db = folder / "history-store.sqlite"
    started = time.perf_counter()
    with open_store(db) as store:
        summary = ingest_paths(store, [path])
    print(f"# history: {path.name}: {summary.added:,} added, {len(summary.refused):,} refused, "
          f"{time.perf_counter() - started:.1f}s")
    return db


def main() -> None:
    """Run the measures and print the referee's figures, then a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--region", default="Middle East", help='an ACLED region, or "all"')
    parser.add_argument("--mode", default="both", choices=["gazetteer", "extract", "both"])
    parser.add_argument("--history", type=Path, help="another export, ingested first")
    parser.add_argument("--split", action="store_true",
                        help="ingest the first half (by date) of CSV, score the second half")
    parser.add_argument("--failures", type=Path, help="write each miss to this TSV file")
    args = parser.parse_args()
    events, history = load_events(args.csv, args.region), None
    if args.split:
        history, events = split_by_date(events)
        print(f"# split by date: {len(history)} history events, {len(events)} scored")
    with tempfile.TemporaryDirectory(prefix="bench-acled-") as folder:
        db = Path(folder) / "empty-store.sqlite"
        if history is not None or args.history:
            db = ingest_history(history, args.history, Path(folder))
        figures = measure(events, db, args.mode, args.failures)
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))


def measure(events: list[dict], db: Path, mode: str, failures_path: Path | None) -> dict:
    """Both measures (or one) with the gazetteer consulting the store at ``db``."""
    from geomap.config import Settings
    from geomap.gazetteer import open_gazetteer
    from geomap.store import open_store

    failures = failures_path.open("w", encoding="utf-8") if failures_path else None
    figures: dict = {}
    with open_store(db) as store:
        gazetteer = open_gazetteer(Settings.from_env(db=db), learned=store.learned_places)
        gazetteer.learned.refresh(force=True)
        print(f"# learned places in the store: {len(gazetteer.learned):,}")
        if mode in ("gazetteer", "both"):
            figures.update(score_gazetteer(events, gazetteer, failures))
        if mode in ("extract", "both"):
            figures.update(score_extract(events, gazetteer, failures))
        gazetteer.close()
    if failures:
        failures.close()
    return figures


if __name__ == "__main__":
    main()
