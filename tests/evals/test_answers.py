"""Recorded-answers files: the ask JSON shape per line, refused whole with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.answers import AskResponse, load_answers, parse_answers
from ragtune.errors import InputError, NotFoundError
from tests.evals.recorded import GOOD, write_answers


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
