"""The held-out figures of bench/trust.py, asserted: thresholds fitted on the sample company,
measured on the 18F handbook (written by others, never tuned on).

The floors below are the figures measured when this was written (bench/results/trust.json),
less a small margin for the shared machines' nondeterminism: a change that makes the judge
worse fails here. The issue's targets (0.9 each) are not met yet; the ``xfail``
tests say so, and turn into failures (strict) the day they pass, so the floors get raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.handbook import HANDBOOK
from bench.trust import Corpus, answer_all, corpora, judges, score
from evals.judges.answerability import Thresholds
from indexes.database import Database
from indexes.embeddings import Embedder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HANDBOOK.is_dir(), reason=f"no 18F handbook at {HANDBOOK}"),
]

HELD_OUT = "fit sample, measured 18f"
# Measured figures (bench/results/trust.json) less a margin.
JUDGE_KEPT_FLOOR = 0.68  # measured 0.703
JUDGE_CAUGHT_FLOOR = 0.71  # measured 0.743
ANSWERED_FLOOR = 0.67  # measured 0.714 by bench.trust (2026-12-04)
DECLINED_FLOOR = 0.75  # measured 0.800 by bench.trust (2026-12-04)
TARGET = 0.9


@pytest.fixture(scope="module")
def judge_figures(embedder: Embedder) -> dict[str, Any]:
    return judges(embedder)


@pytest.fixture(scope="module")
def handbook_scores(
    handbook_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    corpus: Corpus = next(c for c in corpora() if c.name == "18f")
    state: Path = tmp_path_factory.mktemp("trust-18f")
    records, _ = answer_all(corpus, handbook_db, embedder, state)
    return score(records, Thresholds())


def test_the_judge_on_held_out_pairs_keeps_its_floor(judge_figures: dict[str, Any]) -> None:
    offline = judge_figures["offline"][HELD_OUT]
    assert offline["faithful_kept"] >= JUDGE_KEPT_FLOOR
    assert offline["hallucination_caught"] >= JUDGE_CAUGHT_FLOOR


def test_the_judge_beats_the_overlap_baseline_on_held_out_pairs(
    judge_figures: dict[str, Any],
) -> None:
    offline = judge_figures["offline"][HELD_OUT]["balanced"]
    overlap = judge_figures["overlap"][HELD_OUT]["balanced"]
    assert offline >= overlap + 0.05


@pytest.mark.xfail(strict=True, reason="issue 13 target not met yet (see bench/results)")
def test_the_judge_meets_the_issue_targets_on_held_out_pairs(
    judge_figures: dict[str, Any],
) -> None:
    offline = judge_figures["offline"][HELD_OUT]
    assert offline["faithful_kept"] >= TARGET and offline["hallucination_caught"] >= TARGET


def test_answerability_on_the_held_out_handbook_keeps_its_floor(
    handbook_scores: dict[str, Any],
) -> None:
    assert handbook_scores["answered_right_source"] >= ANSWERED_FLOOR, handbook_scores
    assert handbook_scores["near_miss_declined"] >= DECLINED_FLOOR, handbook_scores


@pytest.mark.xfail(strict=True, reason="issue 13 target not met yet (see bench/results)")
def test_answerability_meets_the_issue_targets_on_the_held_out_handbook(
    handbook_scores: dict[str, Any],
) -> None:
    assert handbook_scores["near_miss_declined"] >= TARGET
    assert handbook_scores["answered_right_source"] >= TARGET
