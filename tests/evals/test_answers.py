"""Recorded-answers files: the ask JSON shape per line, refused whole with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.answers import AskResponse, load_answers, parse_answers
from ragtune.errors import InputError, NotFoundError
from tests.support.recorded import GOOD, write_answers


def test_a_recorded_answers_file_loads_by_item_id(tmp_path: Path) -> None:
    answers = load_answers(write_answers(tmp_path / "a.jsonl", GOOD))
    assert set(answers) == set(GOOD)
    pto = answers["pto-carry"]
    assert pto.route == "rag" and pto.abstained is False
    assert pto.citations[0].n == 1 and "5 unused vacation days" in pto.citations[0].quote
    assert pto.timings_ms["total"] == 800.0


def test_route_and_abstained_may_be_left_out_of_recorded_answers() -> None:
    answers = parse_answers('{"id": "x", "answer": "I do not know."}\n')
    assert answers["x"].route is None and answers["x"].abstained is None
    assert answers["x"].citations == []


def test_every_problem_is_reported_with_its_line() -> None:
    text = "\n".join(
        [
            json.dumps({"id": "a", "answer": "ok"}),
            "{not json",
            json.dumps({"id": "b"}),
            json.dumps({"id": "c", "answer": "x", "rout": "rag"}),
            json.dumps({"id": "a", "answer": "again"}),
            "[1, 2]",
            json.dumps({"id": "d", "answer": "x", "route": "elsewhere"}),
        ]
    )
    with pytest.raises(InputError) as caught:
        parse_answers(text, name="answers.jsonl")
    message = caught.value.message
    assert "6 problems" in message
    assert "answers.jsonl:2: malformed JSON" in message
    assert "answers.jsonl:3: missing field 'answer'" in message
    assert "answers.jsonl:4: unknown field 'rout'" in message
    assert "answers.jsonl:5: duplicate id 'a' (first on line 1)" in message
    assert "answers.jsonl:6: expected a JSON object, got list" in message
    assert "answers.jsonl:7: route" in message


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_answers(tmp_path / "nope.jsonl")


def test_the_service_shape_ignores_fields_it_does_not_know() -> None:
    parsed = AskResponse.model_validate({**GOOD["per-diem"], "new_field": 1})
    assert parsed.answer.startswith("The international per diem")


def test_a_recorded_answer_may_carry_its_ranked_retrieval() -> None:
    line = {
        "id": "x",
        "answer": "ok",
        "retrieved": [
            {"source": "policies/pto.md", "section": "PTO > 1.3 Carry-over", "page": 2},
            {"source": "faq.md"},
        ],
    }
    answers = parse_answers(json.dumps(line) + "\n" + json.dumps({"id": "y", "answer": "ok"}))
    retrieved = answers["x"].retrieved
    assert retrieved is not None and [r.source for r in retrieved] == ["policies/pto.md", "faq.md"]
    assert (retrieved[0].section, retrieved[0].page) == ("PTO > 1.3 Carry-over", 2)
    assert retrieved[1].section is None and retrieved[1].page is None
    assert answers["y"].retrieved is None  # not recorded: unscorable, not a miss


def test_a_malformed_retrieved_field_is_reported_with_its_line() -> None:
    ok = {"id": "a", "answer": "ok", "retrieved": []}
    text = "\n".join(
        json.dumps(line)
        for line in [
            ok,
            {"id": "b", "answer": "x", "retrieved": "policies/pto.md"},
            {"id": "c", "answer": "x", "retrieved": [{"section": "1.3 Carry-over"}]},
            {"id": "d", "answer": "x", "retrieved": [{"source": "a.md", "page": 0}]},
            {"id": "e", "answer": "x", "retrieved": [{"source": "a.md", "rank": 1}]},
            {"id": "f", "answer": "x", "retrieved": [{"source": ""}]},
        ]
    )
    with pytest.raises(InputError) as caught:
        parse_answers(text, name="answers.jsonl")
    message = caught.value.message
    assert "5 problems" in message
    assert "answers.jsonl:1" not in message
    assert "answers.jsonl:2: retrieved: Input should be a valid list" in message
    assert "answers.jsonl:3: missing field 'retrieved.0.source'" in message
    assert (
        "answers.jsonl:4: retrieved.0.page: Input should be greater than or equal to 1" in message
    )
    assert "answers.jsonl:5: unknown field 'retrieved.0.rank'" in message
    assert "answers.jsonl:6: retrieved.0.source: String should have at least 1 character" in message
    assert '"retrieved"' in caught.value.hint
