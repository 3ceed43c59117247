"""The Judge protocol: does this premise support this sentence?

A judge reads one or more premise passages (taken together, as ALCE does for a sentence's
cited passages) and one sentence, and returns a Judgement. Judges work in batches because the
model-backed ones are much faster that way; ``judge`` is the one-pair convenience.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

# One premise passage, or several read together.
Premises: TypeAlias = str | Sequence[str]
# What a batch holds: (premises, sentence).
Pair: TypeAlias = tuple[Premises, str]


@dataclass(frozen=True)
class Judgement:
    """A judge's verdict on one sentence.

    ``score`` is in [0, 1]; ``supported`` is ``score >= threshold`` for scoring judges, and
    ``evidence`` is the premise text the verdict rests on (or why there is none).
    """

    supported: bool
    score: float
    evidence: str


class Judge(Protocol):
    """Entailment judge; ``fingerprint`` names all that changes its verdicts (the cache key)."""

    name: str

    @property
    def fingerprint(self) -> str: ...

    def judge(self, premises: Premises, sentence: str) -> Judgement: ...

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]: ...


def as_premises(premises: Premises) -> tuple[str, ...]:
    """Normalise one passage or several to a tuple of non-empty passages."""
    items = (premises,) if isinstance(premises, str) else tuple(premises)
    return tuple(p for p in items if p and p.strip())


class BatchJudge:
    """Shared plumbing: ``judge`` runs a batch of one."""

    name: str = ""

    @property
    def fingerprint(self) -> str:
        raise NotImplementedError

    def judge(self, premises: Premises, sentence: str) -> Judgement:
        return self.judge_many([(premises, sentence)])[0]

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]:
        raise NotImplementedError
