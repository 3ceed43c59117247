"""The suite format: validated, with every problem reported by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.suites import GoldCitation, load_suite, parse_suite
from ragtune.errors import InputError, NotFoundError

GOOD = {
    "id": "travel-01",
    "question": "What is the international per diem?",
    "reference_answer": "$90 per day.",
    "gold_citations": [
        {"source": "public/policies/travel-and-expenses.md", "section": "4.1 Per diem rates"}
    ],
    "expected_route": "rag",
    "answerable": True,
    "tags": ["policy"],
}


def _lines(*items: object) -> str:
    return "\n".join(i if isinstance(i, str) else json.dumps(i) for i in items) + "\n"


def test_a_valid_suite_loads(tmp_path: Path) -> None:
    path = tmp_path / "suite.jsonl"
    unanswerable = {
        "id": "x-01",
        "question": "Q4 budget?",
        "expected_route": "none",
        "answerable": False,
        "user": "dana",
        "groups": "hr, finance",
    }
    path.write_text(_lines(GOOD, "", unanswerable), encoding="utf-8")
    suite = load_suite(path)
    assert suite.name == "suite.jsonl" and [i.id for i in suite.items] == ["travel-01", "x-01"]
    first, second = suite.items
    assert first.gold_citations == [
        GoldCitation(
            source=GOOD["gold_citations"][0]["source"],  # type: ignore[index]
            section="4.1 Per diem rates",
        )
    ]
    assert first.user == "eval" and first.groups == []
    assert second.groups == ["hr", "finance"] and second.reference_answer is None
    assert suite.by_id()["x-01"] is second


def test_every_problem_is_reported_with_its_line() -> None:
    text = _lines(
        GOOD,
        GOOD,
        "{not json",
        {"id": "b", "expected_route": "web", "answerable": True},
        {**GOOD, "id": "c", "gold_citations": [{"page": 0}]},
        {**GOOD, "id": "d", "colour": "red"},
        [1, 2],
        {**GOOD, "id": "d", "question": "", "answerable": "yes"},
    )
    with pytest.raises(InputError) as caught:
        parse_suite(text, "s.jsonl")
    message = caught.value.message
    for expected in (
        "s.jsonl:2: duplicate id 'travel-01' (first on line 1)",
        "s.jsonl:3: malformed JSON",
        "s.jsonl:4: missing field 'question'",
        "s.jsonl:4: unknown expected_route 'web'",
        "s.jsonl:5: missing field 'gold_citations.0.source'",
        "s.jsonl:5: gold_citations.0.page",
        "s.jsonl:6: unknown field 'colour'",
        "s.jsonl:7: expected a JSON object",
        # A repeated id is listed with the line's other problems, and "yes" is no boolean.
        "s.jsonl:8: duplicate id 'd' (first on line 6)",
        "s.jsonl:8: question",
        "s.jsonl:8: answerable",
    ):
        assert expected in message, message


def test_route_none_must_be_unanswerable() -> None:
    with pytest.raises(InputError, match="answerable false"):
        parse_suite(_lines({**GOOD, "expected_route": "none"}))


def test_empty_and_missing_files() -> None:
    with pytest.raises(InputError, match="no items") as empty:
        parse_suite("\n\n")
    assert "one JSON object per line" in empty.value.hint
    with pytest.raises(NotFoundError):
        load_suite(Path("/nonexistent/suite.jsonl"))


def test_long_reports_are_cut() -> None:
    text = _lines(*["{bad"] * 30)
    with pytest.raises(InputError, match=r"(?s)30 problems.*and 10 more"):
        parse_suite(text)
