"""Extractor speed in-process: reports (or ACLED notes) per second of one core, and per-report times.

    PYTHONPATH=. python benchmarks/bench_extract.py [ACLED.csv] [--region "Middle East"] [--runs 3]

Without a CSV it reads the project's own corpora (tests/fixtures/reports and heldout). With
one (an ACLED export a user has), each distinct note is a report published on its event
date, as the referee reads them. Prints CPU-time throughput (one core, so the figure holds
on a loaded machine) read one by one and in batches, wall time, the median and p90 per
report, and the pipeline's share.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import statistics
import time
from pathlib import Path

from geomap.config import Settings
from geomap.extract import extract_report, get_pipeline, iter_extracted, parse_report, read_report
from geomap.gazetteer import open_gazetteer

ROOT = Path(__file__).resolve().parent.parent


ACLED_DATES = ("%Y-%m-%d", "%d %B %Y", "%d-%b-%y", "%d %b %Y")


def parse_acled_date(text: str) -> dt.date:
    for style in ACLED_DATES:
        try:
            return dt.datetime.strptime(text.strip(), style).date()
        except ValueError:
            continue
    raise SystemExit(f"event_date {text!r} is in none of the styles {ACLED_DATES}")


def corpus_reports() -> list:
    folders = [ROOT / "tests" / "fixtures" / "reports", ROOT / "tests" / "fixtures" / "heldout"]
    return [read_report(path) for folder in folders for path in sorted(folder.glob("*.md"))]


def acled_reports(path: Path, region: str | None) -> list:
    notes = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if region and row.get("region") != region:
                continue
            day = parse_acled_date(row["event_date"])
            notes[row["notes"]] = max(day, notes.get(row["notes"], day))
    return [parse_report(note, document=f"note-{i}", published=day)
            for i, (note, day) in enumerate(notes.items())]


def run_once(reports, gazetteer) -> tuple[float, float, list[float]]:
    each = []
    cpu, wall = time.process_time(), time.perf_counter()
    for report in reports:
        start = time.process_time()
        extract_report(report, gazetteer)
        each.append(time.process_time() - start)
    return time.process_time() - cpu, time.perf_counter() - wall, each


def run_batched(reports, gazetteer) -> float:
    cpu = time.process_time()
    for _ in iter_extracted(reports, gazetteer):
        pass
    return time.process_time() - cpu


def parse_only(reports) -> float:
    nlp = get_pipeline()
    cpu = time.process_time()
    for _ in nlp.pipe(p.text for r in reports for p in r.paragraphs):
        pass
    return time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path)
    parser.add_argument("--region")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    gazetteer = open_gazetteer(Settings.from_env(), build=False)
    reports = acled_reports(args.csv, args.region) if args.csv else corpus_reports()
    extract_report(reports[0], gazetteer)  # loads the pipeline and warms the index
    runs, batched = [], []
    for _ in range(args.runs):  # interleaved, so both see the same load
        runs.append(run_once(reports, gazetteer))
        batched.append(run_batched(reports, gazetteer))
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    each = sorted(runs[len(runs) // 2][2])
    print(f"{len(reports)} reports, median of {args.runs} runs")
    print(f"  one by one (extract_report): {len(reports) / cpu:.1f} reports/s of one core (CPU time), "
          f"{len(reports) / wall:.1f}/s wall")
    print(f"  in batches (iter_extracted, as geomap extract FILE... reads them): "
          f"{len(reports) / statistics.median(batched):.1f} reports/s of one core (CPU time)")
    median, p90 = each[len(each) // 2], each[int(len(each) * 0.9)]
    print(f"  per report: median {1000 * median:.1f} ms, p90 {1000 * p90:.1f} ms")
    print(f"  spaCy parse alone: {parse_only(reports) / cpu:.0%} of the extractor's CPU time")


if __name__ == "__main__":
    main()
