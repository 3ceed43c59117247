"""Entailment judges: does this premise support this sentence? See protocol.py and registry.py."""

from evals.judges.cache import CachedJudge, JudgementCache
from evals.judges.protocol import Judge, Judgement, Pair, Premises
from evals.judges.registry import REGISTRY, JudgeOptions, build_judge, judge_from_settings

__all__ = [
    "REGISTRY",
    "CachedJudge",
    "Judge",
    "JudgeOptions",
    "Judgement",
    "JudgementCache",
    "Pair",
    "Premises",
    "build_judge",
    "judge_from_settings",
]
