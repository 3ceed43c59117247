"""Dates: every common format reads as the same calendar date."""

from __future__ import annotations

from evals.judges.facts.dates import DateRef
from evals.judges.facts.extract import extract_facts


def test_dates_in_any_common_format_compare_equal() -> None:
    dates = {
        extract_facts(t).dates[0] for t in ("on 5 August 2024", "on August 5, 2024", "2024-08-05")
    }
    assert dates == {DateRef(2024, 8, 5)}
    assert DateRef(None, 3, 31).matches(DateRef(2025, 3, 31))
    assert not DateRef(2024, 8, 5).matches(DateRef(2024, 9, 5))
