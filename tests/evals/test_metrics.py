"""Metrics, checked against the worked examples in docs/metrics.md."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from evals.judges.offline import OfflineJudge
from evals.judges.protocol import BatchJudge, Judgement, Pair, as_premises
from evals.metrics import (
    Ratio,
    SourceRef,
    abstention_outcome,
    abstention_scores,
    alce_citations,
    citation_correctness,
    looks_like_refusal,
    recall_at_k,
    reciprocal_rank,
    route_accuracy,
    semantic_similarity,
    source_matches,
    token_f1,
)
from indexes.embeddings import Embedder

PASSAGES = [
    "The international per diem is $90 per day.",
    "Gifts up to $75 need no approval.",
    "Book economy for flights under 6 hours.",
]
ANSWER = (
    "The international per diem is $90 per day [1][2]. "
    "Receipts are needed for expenses over $25 [3]."
)


def test_ratio_is_never_nan() -> None:
    assert Ratio(0, 0).value is None
    assert Ratio(1, 4).value == 0.25
    assert Ratio(1, 2).to_json() == {"value": 0.5, "numerator": 1, "denominator": 2}


def test_alce_worked_example(offline_judge: OfflineJudge) -> None:
    scores = alce_citations(offline_judge, ANSWER, PASSAGES)
    assert scores is not None
    assert scores.recall == 0.5
    assert scores.precision == pytest.approx(1 / 3)
    first, second = scores.sentences
    assert first.supported and first.irrelevant == (2,)
    assert not second.supported and second.citations == (3,)


class TableJudge(BatchJudge):
    """Supports a sentence exactly when the premises contain one of its listed passages."""

    name = "table"
    fingerprint = "table"

    def __init__(self, support: dict[str, set[str]]) -> None:
        self.support = support

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]:
        out = []
        for premises, sentence in pairs:
            ok = bool(self.support.get(sentence, set()) & set(as_premises(premises)))
            out.append(Judgement(ok, float(ok), ""))
        return out


def test_alce_edge_cases() -> None:
    judge = TableJudge({"Alpha.": {"p1", "p2"}, "Beta.": {"p1"}})
    # Both citations entail alone: both relevant. No citation: unsupported. Out of range: same.
    scores = alce_citations(judge, "Alpha. [1][2] Beta. Gamma. [9]", ["p1", "p2"])
    assert scores is not None
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.citations == 3 and scores.precision == pytest.approx(2 / 3)
    assert alce_citations(judge, "", ["p1"]) is None
    no_citations = alce_citations(judge, "Beta.", ["p1"])
    assert no_citations is not None and no_citations.precision == 0.0


def test_citation_correctness_worked_example() -> None:
    gold = [SourceRef("rma-returns.md", "3.2 Returning the faulty part")]
    cited = [
        SourceRef(
            "public/procedures/rma-returns.md", "3. Replacements > 3.2 Returning the faulty part"
        ),
        SourceRef("public/faq/faq.md"),
        SourceRef("public/faq/faq.md"),
    ]
    scores = citation_correctness(cited, gold)
    assert scores.precision.value == 0.5 and scores.recall.value == 1.0
    nothing = citation_correctness([], gold)
    assert nothing.precision.value is None and nothing.recall.value == 0.0


@pytest.mark.parametrize(
    ("found", "gold", "match"),
    [
        (SourceRef("public/policies/pto.md"), SourceRef("policies/pto.md"), True),
        (SourceRef("public/policies/pto.md"), SourceRef("pto.md"), True),
        (SourceRef("public/policies/pto.md"), SourceRef("to.md"), False),
        (
            SourceRef("a.md", "T > 4. Meals > 4.1 Per diem rates"),
            SourceRef("a.md", "4.1 Per diem rates"),
            True,
        ),
        (
            SourceRef("a.md", "T > 4. Meals > 4.2 Business meals"),
            SourceRef("a.md", "4. Meals > 4.1 Per diem rates"),
            False,
        ),
        (SourceRef("a.md"), SourceRef("a.md", "4.1 Per diem rates"), False),
        (SourceRef("m.pdf", page=2), SourceRef("m.pdf", page=2), True),
        (SourceRef("m.pdf", page=3), SourceRef("m.pdf", page=2), False),
    ],
)
def test_source_matching(found: SourceRef, gold: SourceRef, match: bool) -> None:
    assert source_matches(found, gold) is match


def test_token_f1_worked_example() -> None:
    assert token_f1("The international per diem is $90 per day.", "$90 per day") == pytest.approx(
        0.6
    )
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0
    assert token_f1("a b", "c d") == 0.0


def test_semantic_similarity(embedder: Embedder) -> None:
    same, other = semantic_similarity(
        embedder,
        ["The per diem is $90 a day.", "The per diem is $90 a day."],
        ["The daily allowance is $90.", "Forklift batteries need water."],
    )
    assert same > other and -1.0 <= other <= 1.0
    assert semantic_similarity(embedder, [], []) == []
    with pytest.raises(ValueError):
        semantic_similarity(embedder, ["a"], [])


def test_abstention_worked_example() -> None:
    outcomes = (
        [abstention_outcome(False, True)] * 7
        + [abstention_outcome(False, False)] * 2
        + [abstention_outcome(False, None)]
        + [abstention_outcome(True, True)]
        + [abstention_outcome(True, False)] * 29
    )
    scores = abstention_scores(outcomes)
    assert scores.precision.value == pytest.approx(0.875)
    assert scores.recall.value == pytest.approx(7 / 9)
    assert scores.unscorable == 1
    assert scores.counts["correct_refusal"] == 7 and scores.counts["answered"] == 29


def test_no_refusals_is_na_not_nan() -> None:
    scores = abstention_scores(["answered", "answered"])
    assert scores.precision.value is None and scores.recall.value is None


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("I don't know.", True),
        ("The documents do not say what the Q4 budget is.", True),
        ("That is not covered by the sources I have.", True),
        ("The per diem is $90 per day.", False),
        ("Do not reset E-701 more than twice.", False),
    ],
)
def test_looks_like_refusal(text: str, refusal: bool) -> None:
    assert looks_like_refusal(text) is refusal


def test_route_accuracy_worked_example() -> None:
    scores = route_accuracy(
        [("rag", "rag"), ("rag", "both"), ("adapter", "adapter"), ("none", "none"), ("both", None)]
    )
    assert scores.accuracy.value == 0.75 and scores.unscorable == 1
    assert scores.confusion["rag"] == {"rag": 1, "both": 1}


def test_retrieval_worked_example() -> None:
    gold = [SourceRef("a.md"), SourceRef("b.md")]
    results = [SourceRef(n) for n in ("c.md", "a.md", "d.md", "b.md", "e.md")]
    assert [recall_at_k(results, gold, k) for k in (1, 3, 5)] == [0.0, 0.5, 1.0]
    assert reciprocal_rank(results, gold) == 0.5
    assert reciprocal_rank(results[2:3], gold) == 0.0
    assert recall_at_k(results, [], 5) is None and reciprocal_rank(results, []) is None
