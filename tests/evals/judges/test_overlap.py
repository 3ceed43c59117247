"""The naive overlap baseline."""

from __future__ import annotations

from evals.judges.overlap import OverlapJudge

PREMISE = "The domestic per diem is $65 per day and the international per diem is $90 per day."


def test_numbers_must_all_appear() -> None:
    judge = OverlapJudge()
    assert judge.judge(PREMISE, "The domestic per diem is $75 per day.").score == 0.0
    assert judge.judge(PREMISE, "The domestic per diem is $65 per day.").supported


def test_it_cannot_see_swaps_which_is_why_it_is_only_a_baseline() -> None:
    assert OverlapJudge().judge(PREMISE, "The international per diem is $65 per day.").supported


def test_threshold_is_part_of_the_fingerprint() -> None:
    assert OverlapJudge(threshold=0.5).fingerprint != OverlapJudge(threshold=0.6).fingerprint
