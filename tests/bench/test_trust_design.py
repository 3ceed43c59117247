"""bench.trust_design: item-by-item failures, on the corpora changes may be chosen on only."""

from __future__ import annotations

from typing import Any

from bench.handbook import HANDBOOK
from bench.trust_design import design_corpora
from bench.trust_scoring import loss


def test_the_design_tool_never_reads_a_blind_set() -> None:
    names = {c.name for c in design_corpora()}
    # Sets C to G became design data when set H was written (2026-12-06); H to O are blind.
    spent = {"sample", "18f", "18f-b", "18f-c", "18f-d", "18f-e", "18f-f", "18f-g"}
    assert names <= spent | {"18f-design", "18f-design-short"}
    blind = {"18f-h", "18f-i", "18f-j", "18f-k", "18f-l", "18f-m", "18f-n", "18f-o"}
    assert not names & blind
    assert "sample" in names
    if HANDBOOK.is_dir():
        assert {"18f-design", "18f-design-short"} <= names


def _record(answerable: bool, cited: list[list[str]] | None) -> dict[str, Any]:
    check = None if cited is None else {"cited": cited}
    return {"answerable": answerable, "answerability": check, "gold": [["a.md", "A > B"]]}


def test_each_lost_item_says_why() -> None:
    assert loss(_record(False, []), answered=True, right=False) == "near-miss answered"
    assert loss(_record(False, []), answered=False, right=False) is None
    assert loss(_record(True, None), answered=False, right=False) == "abstained before the check"
    gold = [["a.md", "A > B"]]
    assert loss(_record(True, gold), answered=False, right=False) == (
        "declined, right passage checked"
    )
    other = [["c.md", "C"]]
    assert loss(_record(True, other), answered=False, right=False) == (
        "declined, right passage not checked"
    )
    assert loss(_record(True, other), answered=True, right=False) == (
        "answered from another passage"
    )
    assert loss(_record(True, gold), answered=True, right=True) is None
