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


def test_a_hedge_stated_as_a_rule_is_a_generalisation() -> None:
    assert "most" in dropped_restrictions(
        "Every team keeps its own runbook.", "Most teams keep their own runbook."
    )
    assert "often" in dropped_restrictions(
        "Rollbacks are impossible for every customer.", "Rollbacks are often impossible."
    )
    # A hedge the claim keeps, or no universal word at all, is a faithful summary.
    assert not dropped_restrictions("Most teams keep a runbook.", "Most teams keep a runbook.")
    assert not dropped_restrictions("Teams keep a runbook.", "Most teams keep a runbook.")


def test_every_before_a_period_says_how_often_not_for_whom() -> None:
    evidence = "Most classes recur on a two-week cycle."
    assert not dropped_restrictions("Classes repeat every 2 weeks.", evidence)
    assert not dropped_restrictions("The class meets every Friday.", evidence)
    # "Every 18F project" names a project, not a number of weeks.
    assert dropped_restrictions("Every 18F project uses it.", "Most 18F projects use it.")
