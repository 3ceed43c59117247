"""Generalisations: a universal word over a restriction the claim drops (examples written for
these tests, not taken from the labelled sets)."""

from __future__ import annotations

import pytest

from evals.judges.generalisation import dropped_restrictions
from evals.judges.offline import OfflineJudge
from indexes.embeddings import Embedder


@pytest.mark.parametrize(
    ("claim", "evidence", "dropped"),
    [
        (
            "All employees receive 15 days of vacation per year.",
            "Full-time employees receive 15 days of vacation per year.",
            ["full", "time"],
        ),
        (
            "All staff may work remotely two days a week.",
            "Staff in the Leeds office may work remotely two days a week.",
            ["leeds", "office"],
        ),
        (
            "Contractors may always use the lounge.",
            "Contractors may use the lounge on weekdays.",
            ["weekdays"],
        ),
    ],
)
def test_a_universal_over_a_dropped_restriction_is_found(
    claim: str, evidence: str, dropped: list[str]
) -> None:
    assert dropped_restrictions(claim, evidence) == dropped


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        # A summary without a universal word may leave context out.
        ("Satisfaction rose to 4.6.", "Customer satisfaction among key accounts rose to 4.6."),
        # A universal word that keeps the restriction generalises nothing.
        (
            "Every new hire gets a buddy for the first month.",
            "New hires are paired with a buddy for their first month.",
        ),
        # Nor does one the evidence states too.
        (
            "All full-time employees receive 15 days.",
            "All full-time employees receive 15 days of vacation.",
        ),
    ],
)
def test_faithful_summaries_are_not_generalisations(claim: str, evidence: str) -> None:
    assert dropped_restrictions(claim, evidence) == []


def test_the_offline_judge_rejects_a_generalisation_and_says_why(embedder: Embedder) -> None:
    judge = OfflineJudge(embedder)
    premise = "Full-time employees receive 15 days of vacation per year."
    wrong, right = judge.judge_many(
        [
            ([premise], "All employees receive 15 days of vacation per year."),
            ([premise], "Full-time employees get 15 vacation days a year."),
        ]
    )
    assert not wrong.supported and "restriction 'full time'" in wrong.evidence
    assert right.supported, right.evidence
