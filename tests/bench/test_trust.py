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
from evals.judges.readings import Thresholds
from indexes.database import Database
from indexes.embeddings import Embedder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HANDBOOK.is_dir(), reason=f"no 18F handbook at {HANDBOOK}"),
]

# The judge's shipped protocol: threshold fitted on the sample company's calibration split and
# the first 18F set, measured on later 18F sets still blind for the judge: the newest (N),
# the two before it and B, the oldest. H to K are in bench.trust only (0.640 / 0.880, 0.613 /
# 0.800, 0.653 / 0.760 and 0.520 / 0.907 on 2026-12-06): scoring every blind set here cost
# most of a minute of `make test`, and a change that hurts the judge shows on these four.
HELD_OUT = "fit sample+18f, measured 18f-n"
# Measured figures (bench/results/trust.json, 2026-12-06, ONNX int8) less a margin.
JUDGE_FLOORS = {
    HELD_OUT: {"faithful_kept": 0.58, "hallucination_caught": 0.78},  # measured 0.640 / 0.840
    "fit sample+18f, measured 18f-m": {
        "faithful_kept": 0.64,  # measured 0.707
        "hallucination_caught": 0.68,  # measured 0.747
    },
    "fit sample+18f, measured 18f-l": {
        "faithful_kept": 0.55,  # measured 0.613
        "hallucination_caught": 0.74,  # measured 0.800
    },
    "fit sample+18f, measured 18f-b": {
        "faithful_kept": 0.59,  # measured 0.653 (0.627)
        "hallucination_caught": 0.77,  # measured 0.827 (0.813)
    },
}
# Answerability, thresholds fitted on the sample company, on the newest blind 18F question set
# (O: short questions as a newcomer types them, written on 2026-12-06 by people who had not
# read the code), asked over the handbook's index. H to N (blind too) and the design sets A to
# G are in bench.trust only: one set keeps `make test` within its time budget. The margins are
# wide: a fresh index answers a few questions differently (an HNSW graph is built from random
# levels). The handbook is indexed and asked with the default embedder (ONNX int8), as the
# figures are measured.
# "answered_right_with_figures": of the questions whose reference answer holds a number or a
# date, the share answered from the right section with an answer that states one.
FLOORS = {
    "18f-o": {
        "answered_right_source": 0.50,  # measured 0.550 as found, 0.567 after (34 of 60)
        "near_miss_declined": 0.72,  # measured 0.800 as found and after (32 of 40)
        "answered_right_with_figures": 0.22,  # measured 0.318 as found and after (7 of 22)
    },
}
TARGET = 0.9


@pytest.fixture(scope="module")
def judge_figures(embedder: Embedder) -> dict[str, Any]:
    return judges(embedder, measured={d.rpartition(" ")[2] for d in JUDGE_FLOORS})


@pytest.fixture(scope="module")
def handbook_scores(
    handbook_db: Database, handbook_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    out = {}
    for corpus in corpora():
        if corpus.name in FLOORS:
            state: Path = tmp_path_factory.mktemp(f"trust-{corpus.name}")
            records, _ = answer_all(corpus, handbook_db, handbook_embedder, state)
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
    blind = handbook_scores["18f-o"]
    assert blind["near_miss_declined"] >= TARGET
    assert blind["answered_right_source"] >= TARGET
