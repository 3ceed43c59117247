"""Check an answer against its context, sentence by sentence (the work of ``ragtune eval check``).

The result is the JSON contract of the command (and of the agent's verify step): the answer is
supported when every sentence is, and its score is its weakest sentence's score.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from evals.citations import split_cited_sentences
from evals.judges.protocol import Judge
from ragtune.errors import InputError


class SentenceCheck(BaseModel):
    """One sentence of the answer (as written, markers included) and its judgement."""

    model_config = ConfigDict(extra="forbid")

    text: str
    supported: bool
    score: float
    evidence: str


class AnswerCheck(BaseModel):
    """``supported``: every sentence is; ``score``: the lowest sentence score."""

    model_config = ConfigDict(extra="forbid")

    supported: bool
    score: float
    sentences: list[SentenceCheck]


def check_answer(judge: Judge, passages: Sequence[str], answer: str) -> AnswerCheck:
    """Judge every sentence of ``answer`` against all of ``passages`` together."""
    context = [p for p in passages if p.strip()]
    if not context:
        raise InputError(
            "The context is empty", hint="pass a file with the passages to check against"
        )
    sentences = split_cited_sentences(answer)
    if not sentences:
        raise InputError("The answer has no sentences to check", hint="pass the answer text")
    judgements = judge.judge_many([(context, s.text) for s in sentences])
    checks = [
        SentenceCheck(text=s.raw, supported=j.supported, score=j.score, evidence=j.evidence)
        for s, j in zip(sentences, judgements, strict=True)
    ]
    return AnswerCheck(
        supported=all(c.supported for c in checks),
        score=min(c.score for c in checks),
        sentences=checks,
    )
