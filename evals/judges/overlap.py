"""The naive baseline: word and number overlap between the claim and the whole premise.

A claim passes when every number it contains appears somewhere in the premise and enough of
its words do too. It ignores where in the premise the words are, which is exactly why it misses
swapped entities and flipped polarity; the offline judge must beat it to be worth its cost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evals.citations import strip_markers
from evals.judges.protocol import BatchJudge, Judgement, Pair, as_premises

# Fitted on the same pairs as the offline judge's threshold.
DEFAULT_THRESHOLD = 0.3875
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")
_STOPWORDS = frozenset(
    """a an the and or of in on at to for from by with as is are was were be been it its that
    this these those which who can may must will should would has have had do does not""".split()
)


def _words(text: str) -> list[str]:
    return [w.replace(",", "") for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


class OverlapJudge(BatchJudge):
    """Supported when all claim numbers and ``threshold`` of its words are in the premise."""

    name = "overlap"

    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold

    @property
    def fingerprint(self) -> str:
        return f"overlap:v1:t{self.threshold:.4f}"

    def score(self, premises: Sequence[str], sentence: str) -> float:
        """Word overlap, or 0 when a number of the claim is not in the premise."""
        claim = _words(strip_markers(sentence))
        premise = set(_words(" ".join(premises)))
        if not claim:
            return 1.0
        if any(w[0].isdigit() and w not in premise for w in claim):
            return 0.0
        return sum(1 for w in claim if w in premise) / len(claim)

    def judge_many(self, pairs: Sequence[Pair]) -> list[Judgement]:
        out = []
        for premises, sentence in pairs:
            passages = as_premises(premises)
            score = round(self.score(passages, sentence), 4)
            evidence = (
                " ".join(passages)[:300]
                if score >= self.threshold
                else (f"word/number overlap {score:.2f} is below {self.threshold:.2f}")
            )
            out.append(Judgement(score >= self.threshold, score, evidence))
        return out
