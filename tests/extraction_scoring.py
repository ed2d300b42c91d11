"""Scoring of the extractor against a hand-coded corpus, shared by the corpus tests.

An extracted incident matches an expected one (one-to-one) when it has the same
event_date and event_type and lies within 25 km of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from geopy.distance import geodesic
from scipy.optimize import linear_sum_assignment

from geomap.extract import extract_report, read_report
from geomap.incident import EVENT_TYPES

MAX_KM = 25.0
SCORED_FIELDS = ("sub_event_type", "fatalities", "injuries", "geo_precision")


def load_truth(folder: Path) -> dict[str, list[dict]]:
    """The expected incidents of each report in a corpus folder."""
    return yaml.safe_load((folder / "truth.yaml").read_text("utf-8"))


def score_folder(folder: Path, truth: dict[str, list[dict]], gazetteer) -> list[FileScore]:
    """Extract every report of the corpus and match it against its truth."""
    results = []
    for name, expected in sorted(truth.items()):
        found = [flatten(f) for f in extract_report(read_report(folder / name), gazetteer)]
        results.append(match(name, found, expected or []))
    return results


def check_well_formed(folder: Path, truth: dict[str, list[dict]], *, min_reports: int,
                      max_words: int) -> None:
    """Every report has a truth entry, a wire-report length, and taxonomy-valid incidents."""
    reports = sorted(p.name for p in folder.glob("*.md"))
    assert reports == sorted(truth), "every report has an entry in truth.yaml and vice versa"
    assert len(reports) >= min_reports
    for name in reports:
        words = len(read_report(folder / name).text.split())
        assert 120 <= words <= max_words, f"{name}: {words} words"
        for incident in truth[name] or []:
            assert incident["sub_event_type"] in EVENT_TYPES[incident["event_type"]], (name, incident)
            assert incident["geo_precision"] in (1, 2, 3), (name, incident)


def only_score(scores: list[FileScore], name: str) -> FileScore:
    """The score of one report."""
    return next(s for s in scores if s.name == name)


@dataclass
class FileScore:
    """One report: matched (found, expected) pairs, misses and false alarms."""

    name: str
    pairs: list[tuple[dict, dict]] = field(default_factory=list)
    misses: list[dict] = field(default_factory=list)
    false_alarms: list[dict] = field(default_factory=list)


def flatten(feature: dict) -> dict:
    """An extracted Feature as a flat incident: its properties plus lat/lon."""
    lon, lat = feature["geometry"]["coordinates"][:2]
    return {**feature["properties"], "lat": lat, "lon": lon}


def km_between(a: dict, b: dict) -> float:
    return geodesic((a["lat"], a["lon"]), (b["lat"], b["lon"])).km


def is_match(found: dict, expected: dict) -> bool:
    """Same day, same event type, within MAX_KM."""
    return (found["event_date"] == str(expected["event_date"])
            and found["event_type"] == expected["event_type"]
            and km_between(found, expected) <= MAX_KM)


def match(name: str, found: list[dict], expected: list[dict]) -> FileScore:
    """Pair found with expected incidents one-to-one, as many pairs as possible, closest first."""
    score = FileScore(name)
    if found and expected:
        # A pair that does not match costs far more than any that does; a wrong sub-event type costs a little.
        cost = [[km_between(f, e) + (MAX_KM if f["sub_event_type"] != e["sub_event_type"] else 0)
                 if is_match(f, e) else 1e6 for e in expected] for f in found]
        rows, cols = linear_sum_assignment(cost)
        score.pairs = [(found[r], expected[c]) for r, c in zip(rows, cols, strict=True) if cost[r][c] < 1e6]
    paired = {id(x) for pair in score.pairs for x in pair}
    score.misses = [e for e in expected if id(e) not in paired]
    score.false_alarms = [f for f in found if id(f) not in paired]
    return score


def describe(incident: dict) -> str:
    where = incident.get("location_mention") or incident["location"]
    toll = f"k={incident['fatalities']} w={incident['injuries']} gp={incident['geo_precision']}"
    return (f"{incident['event_date']} {incident['sub_event_type']} @ {where} "
            f"({incident['lat']:.3f},{incident['lon']:.3f}) {toll}")


def print_table(scores: list[FileScore]) -> None:
    print("\n\nfile                                 truth found match")
    for s in scores:
        print(f"{s.name:<36} {len(s.pairs) + len(s.misses):>5} {len(s.pairs) + len(s.false_alarms):>5} "
              f"{len(s.pairs):>5}")
        for e in s.misses:
            print(f"    MISS   {describe(e)}")
        for f in s.false_alarms:
            print(f"    FALSE  {f['event_type']} / {describe(f)}")
        for f, e in s.pairs:
            wrong = [k for k in SCORED_FIELDS if f[k] != e[k]]
            if wrong:
                print(f"    FIELDS {', '.join(f'{k}: {f[k]!r} != {e[k]!r}' for k in wrong)}  [{describe(e)}]")


def precision_recall(scores: list[FileScore], label: str = "") -> tuple[float, float]:
    """Micro precision and recall over all files, printed with the per-file table and field accuracy."""
    print_table(scores)
    pairs = [p for s in scores for p in s.pairs]
    found = len(pairs) + sum(len(s.false_alarms) for s in scores)
    expected = len(pairs) + sum(len(s.misses) for s in scores)
    precision = len(pairs) / found if found else 0.0
    recall = len(pairs) / expected if expected else 0.0
    print(f"\n{label}incidents: truth {expected}, extracted {found}, matched {len(pairs)}")
    print(f"precision {precision:.3f}  recall {recall:.3f}")
    for key in SCORED_FIELDS:
        right = sum(f[key] == e[key] for f, e in pairs)
        print(f"{key} accuracy over matched pairs: {right}/{len(pairs)}"
              + (f" = {right / len(pairs):.3f}" if pairs else ""))
    return precision, recall
