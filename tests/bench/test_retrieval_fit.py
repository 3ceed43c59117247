"""The offline fit of the ranking weights: the search's own rule, simulated on recorded
candidates (bench/retrieval_fit.py)."""

from __future__ import annotations

import pytest

from bench.retrieval_fit import Candidates, _objective, ranked, simulate
from indexes.search.features import WEIGHTS

CODE = ("manual.md", "Error codes", "Error codes > E-214 Lidar occlusion", "Clean the lidar.")
FAQ = ("faq.md", "FAQ", "FAQ > My robot stops", "Robots stop when E-214 or E-305 is raised.")
NEIGHBOUR = ("manual.md", "Error codes", "Error codes > E-305 Fork mismatch", "Recalibrate.")


def _candidates(question: str, gold: str, sentence: dict[str, float]) -> Candidates:
    passages = {"code": CODE, "faq": FAQ, "neighbour": NEIGHBOUR}
    cosine = {"code": 0.40, "faq": 0.62, "neighbour": 0.55}
    return Candidates(
        question,
        ((passages[gold][0], passages[gold][2]),),
        sorted(cosine.items(), key=lambda kv: -kv[1]),
        [("faq", 1.0), ("code", 0.5)],
        cosine,
        passages,
        sentence,
    )


@pytest.mark.parametrize("sentence_weight", [0.0, 1.5, 3.0, 6.0])
def test_the_identifier_rule_holds_at_any_sentence_weight(sentence_weight: float) -> None:
    # The FAQ record resembles the question more, sentence by sentence; the section headed by
    # the code still comes first, however much the fit weighs sentences.
    c = _candidates("What does E-214 mean?", "code", {"code": 0.3, "faq": 0.7, "neighbour": 0.6})
    assert ranked(c, 0.7, dict(WEIGHTS), sentence_weight)[0] == "code"


def test_each_corpus_counts_the_same_in_the_objective() -> None:
    fit = {"vector_weight": 1.0, "sentence_weight": 0.0, "feature_weights": {}}
    found = _candidates("Why does my robot stop?", "faq", {})  # cosine puts the FAQ first
    missed = _candidates("Why does my robot stop?", "code", {})  # ... and the code third
    assert simulate([found], fit) == {"mrr": 1.0, "recall": 1.0}
    assert simulate([missed], fit)["mrr"] == pytest.approx(1 / 3)
    # One question in one corpus weighs as much as ten in the other.
    one, ten = [found], [missed] * 10
    assert _objective([one, ten], fit) == pytest.approx(((1 + 0.5) + (1 / 3 + 0.5)) / 2)
