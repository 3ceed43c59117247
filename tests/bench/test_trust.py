"""The held-out figures of bench/trust.py, asserted: thresholds fitted on the sample company
(and, for the judge, the first 18F set), measured on the 18F handbook's later sets, the
newest (blind) one first.

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
from bench.trust import answer_all, corpora
from bench.trust_judges import judges
from bench.trust_scoring import score
from evals.judges.answerability import Thresholds
from indexes.database import Database
from indexes.embeddings import Embedder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HANDBOOK.is_dir(), reason=f"no 18F handbook at {HANDBOOK}"),
]

# The judge's shipped protocol: threshold fitted on the sample company's calibration split and
# the first 18F set, measured on the later 18F sets that are still blind for the judge, the
# newest (M) first. C to G were read pair by pair on 2026-12-06: they are design data now, and
# bench.trust reports them; scoring them here too cost half a minute of `make test`.
HELD_OUT = "fit sample+18f, measured 18f-m"
# Measured figures (bench/results/trust.json, 2026-12-06, ONNX int8) less a margin.
JUDGE_FLOORS = {
    HELD_OUT: {"faithful_kept": 0.64, "hallucination_caught": 0.68},  # measured 0.707 / 0.747
    "fit sample+18f, measured 18f-l": {
        "faithful_kept": 0.55,  # measured 0.613
        "hallucination_caught": 0.74,  # measured 0.800
    },
    "fit sample+18f, measured 18f-k": {
        "faithful_kept": 0.46,  # measured 0.520
        "hallucination_caught": 0.85,  # measured 0.907
    },
    "fit sample+18f, measured 18f-j": {
        "faithful_kept": 0.59,  # measured 0.653
        "hallucination_caught": 0.70,  # measured 0.760
    },
    "fit sample+18f, measured 18f-i": {
        "faithful_kept": 0.55,  # measured 0.613
        "hallucination_caught": 0.74,  # measured 0.800
    },
    "fit sample+18f, measured 18f-h": {
        "faithful_kept": 0.58,  # measured 0.640
        "hallucination_caught": 0.82,  # measured 0.880
    },
    "fit sample+18f, measured 18f-b": {
        "faithful_kept": 0.59,  # measured 0.653 (0.627)
        "hallucination_caught": 0.77,  # measured 0.827 (0.813)
    },
}
# Answerability, thresholds fitted on the sample company, on the newest blind 18F question set
# (M, written on 2026-12-06 by people who had not read the code), asked over the handbook's
# index. H, I, J, K and L (blind too: 0.617 / 0.725 / 0.464, 0.597 / 0.721 / 0.429, 0.460 /
# 0.591 / 0.355, 0.508 / 0.762 / 0.353 and 0.516 / 0.674 / 0.346 on 2026-12-06, seventh
# session) and the design sets
# A to G are in bench.trust only: one set keeps `make test` within its time budget. The
# margins are wide: a fresh index answers a few questions differently (an HNSW graph is built
# from random levels), and these run with the test embedder (torch), the figures with ONNX
# int8. "answered_right_with_figures": of the questions whose reference answer holds a number
# or a date, the share answered from the right section with an answer that states one.
FLOORS = {
    "18f-m": {
        "answered_right_source": 0.46,  # measured 0.532 as found and after (33 of 62, ONNX)
        "near_miss_declined": 0.73,  # measured 0.810 as found and after (34 of 42)
        "answered_right_with_figures": 0.23,  # measured 0.353 (6 of 17)
    },
}
TARGET = 0.9


@pytest.fixture(scope="module")
def judge_figures(embedder: Embedder) -> dict[str, Any]:
    return judges(embedder, measured={d.rpartition(" ")[2] for d in JUDGE_FLOORS})


@pytest.fixture(scope="module")
def handbook_scores(
    handbook_db: Database, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    out = {}
    for corpus in corpora():
        if corpus.name in FLOORS:
            state: Path = tmp_path_factory.mktemp(f"trust-{corpus.name}")
            records, _ = answer_all(corpus, handbook_db, embedder, state)
            out[corpus.name] = score(records, Thresholds())
    return out


@pytest.mark.parametrize("direction", sorted(JUDGE_FLOORS))
def test_the_judge_on_held_out_pairs_keeps_its_floor(
    judge_figures: dict[str, Any], direction: str
) -> None:
    offline = judge_figures["offline"][direction]
    for figure, floor in JUDGE_FLOORS[direction].items():
        assert offline[figure] >= floor, offline


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


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_answerability_on_the_held_out_handbook_keeps_its_floor(
    handbook_scores: dict[str, dict[str, Any]], name: str
) -> None:
    scores = handbook_scores[name]
    print(f"\n{name}: {scores}")
    for figure, floor in FLOORS[name].items():
        assert scores[figure] >= floor, scores


@pytest.mark.xfail(strict=True, reason="issue 13 target not met yet (see bench/results)")
def test_answerability_meets_the_issue_targets_on_the_held_out_handbook(
    handbook_scores: dict[str, dict[str, Any]],
) -> None:
    blind = handbook_scores["18f-m"]
    assert blind["near_miss_declined"] >= TARGET
    assert blind["answered_right_source"] >= TARGET
