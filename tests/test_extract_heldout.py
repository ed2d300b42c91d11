"""The extractor scored against a HELD-OUT corpus (tests/fixtures/heldout), written after the
rules were tuned. The floors are lower than on the development corpus: the figure printed
with ``pytest -s`` is what matters.
"""

from pathlib import Path

import pytest

from tests.extraction_scoring import (
    check_well_formed,
    describe,
    load_truth,
    only_score,
    precision_recall,
    score_folder,
)

HELDOUT = Path(__file__).parent / "fixtures" / "heldout"
TRUTH = load_truth(HELDOUT)
NO_INCIDENT = "08_turkey_syria_talks_analysis.md"
TWICE_TOLD = "09_nasiriyah_protest_twice.md"
PRECISION_FLOOR = RECALL_FLOOR = 0.7


@pytest.fixture(scope="module")
def scores(gazetteer):
    return score_folder(HELDOUT, TRUTH, gazetteer)


def test_heldout_is_well_formed():
    check_well_formed(HELDOUT, TRUTH, min_reports=12, max_words=350)


def test_heldout_precision_and_recall(scores):
    precision, recall = precision_recall(scores, label="HELD-OUT ")
    assert precision >= PRECISION_FLOOR, f"precision {precision:.3f} < {PRECISION_FLOOR}"
    assert recall >= RECALL_FLOOR, f"recall {recall:.3f} < {RECALL_FLOOR}"


def test_heldout_no_incident_report_yields_nothing(scores):
    score = only_score(scores, NO_INCIDENT)
    assert not score.pairs and not score.false_alarms, [describe(f) for f in score.false_alarms]


def test_heldout_twice_told_incident_counts_once(scores):
    score = only_score(scores, TWICE_TOLD)
    found = [f for f, _ in score.pairs] + score.false_alarms
    assert len(found) == 1, [describe(f) for f in found]
