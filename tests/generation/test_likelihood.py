"""The question likelihood with the real bundled SmolLM2: the passage that answers makes the
question more likely than one about something else, whatever their order."""

from __future__ import annotations

from generation.likelihood import LikelihoodScorer
from generation.local_backend import LocalGenerator

QUESTION = "How many days of paid parental leave do new parents get?"
ANSWERS = (
    "Parental leave\nNew parents get 60 days of paid parental leave, taken within a year of "
    "the birth or adoption."
)
ELSEWHERE = (
    "Office parking\nThe garage opens at 7 am. Visitors park on level 2 and sign in at the "
    "front desk."
)


def test_the_answering_passage_makes_the_question_more_likely(smol: LocalGenerator) -> None:
    assert isinstance(smol, LikelihoodScorer)
    answers, elsewhere = smol.question_likelihoods(QUESTION, [ANSWERS, ELSEWHERE])
    assert answers > elsewhere
    # Batched with padding, the order of the passages changes nothing.
    swapped = smol.question_likelihoods(QUESTION, [ELSEWHERE, ANSWERS])
    assert abs(swapped[1] - answers) < 1e-3 and abs(swapped[0] - elsewhere) < 1e-3
    # A mean log-probability: negative, and per token, so comparable across passages.
    assert answers < 0


def test_no_passages_score_nothing(smol: LocalGenerator) -> None:
    assert smol.question_likelihoods(QUESTION, []) == []
