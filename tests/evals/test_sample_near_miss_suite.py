"""The sample company's near-miss suite (samples/suites/quillmark-near-miss.jsonl): questions
whose topic the sample corpus covers but whose asked fact it does not. bench/trust.py fits the
answerability thresholds on it with the answerable items of the sample suite."""

from __future__ import annotations

from pathlib import Path

from evals.suites import load_suite

REPO = Path(__file__).resolve().parents[2]
KINDS = {"missing-attribute", "other-qualifier"}


def test_the_near_miss_suite_is_well_formed() -> None:
    suite = load_suite(REPO / "samples" / "suites" / "quillmark-near-miss.jsonl")
    main = load_suite(REPO / "samples" / "suites" / "quillmark.jsonl")
    assert len(suite.items) >= 30
    assert not set(suite.by_id()) & set(main.by_id())
    for item in suite.items:
        assert item.expected_route == "none" and not item.answerable, item.id
        assert item.gold_citations == [] and item.reference_answer, item.id
        assert "near-miss" in item.tags and len(set(item.tags) & KINDS) == 1, item.id
