"""The extractor scored against a HELD-OUT corpus (tests/fixtures/heldout), never used for tuning.

Same matching and table as tests/test_extract_corpus.py, whose helpers are loaded from that
file (pytest runs with --import-mode=importlib, so it cannot be imported as ``tests.…``).
The floors are lower than on the development corpus: the figure printed with ``pytest -s``
is what matters.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from geomap.extract import extract_report, read_report


def _load_corpus_helpers():
    name = "_geomap_corpus_scoring"
    if name not in sys.modules:
        path = Path(__file__).with_name("test_extract_corpus.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
    return sys.modules[name]


corpus = _load_corpus_helpers()

HELDOUT = Path(__file__).parent / "fixtures" / "heldout"
TRUTH: dict[str, list[dict]] = yaml.safe_load((HELDOUT / "truth.yaml").read_text("utf-8"))
NO_INCIDENT = "08_turkey_syria_talks_analysis.md"
TWICE_TOLD = "09_nasiriyah_protest_twice.md"
PRECISION_FLOOR = RECALL_FLOOR = 0.7


@pytest.fixture(scope="module")
def scores(gazetteer) -> list:
    results = []
    for name, expected in sorted(TRUTH.items()):
        found = [corpus.flatten(f) for f in extract_report(read_report(HELDOUT / name), gazetteer)]
        results.append(corpus.match(name, found, expected or []))
    return results


def test_heldout_is_well_formed():
    reports = sorted(p.name for p in HELDOUT.glob("*.md"))
    assert reports == sorted(TRUTH), "every report has an entry in truth.yaml and vice versa"
    assert len(reports) >= 12
    for name in reports:
        words = len(read_report(HELDOUT / name).text.split())
        assert 120 <= words <= 350, f"{name}: {words} words"
        for incident in TRUTH[name] or []:
            assert incident["sub_event_type"] in corpus.TAXONOMY[incident["event_type"]], (name, incident)
            assert incident["geo_precision"] in (1, 2, 3), (name, incident)


def test_heldout_precision_and_recall(scores):
    precision, recall = corpus.precision_recall(scores, label="HELD-OUT ")
    assert precision >= PRECISION_FLOOR, f"precision {precision:.3f} < {PRECISION_FLOOR}"
    assert recall >= RECALL_FLOOR, f"recall {recall:.3f} < {RECALL_FLOOR}"


def test_heldout_no_incident_report_yields_nothing(scores):
    score = next(s for s in scores if s.name == NO_INCIDENT)
    assert not score.pairs and not score.false_alarms, [corpus.describe(f) for f in score.false_alarms]


def test_heldout_twice_told_incident_counts_once(scores):
    score = next(s for s in scores if s.name == TWICE_TOLD)
    found = [f for f, _ in score.pairs] + score.false_alarms
    assert len(found) == 1, [corpus.describe(f) for f in found]
