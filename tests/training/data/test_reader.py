"""Reading curated Q&A files: every bad record is named by line with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragtune.errors import InputError
from tests.conftest import REPO
from training.data.reader import read_qa_file

BAD = REPO / "tests" / "data" / "qa_bad"


def _by_line(path: Path) -> dict[int, str]:
    return {i.line: i.message for i in read_qa_file(path).issues}


def test_each_bad_jsonl_line_is_reported_with_its_reason() -> None:
    result = read_qa_file(BAD / "malformed.jsonl")
    issues = {i.line: (i.kind, i.message) for i in result.issues}
    assert issues[2][0] == "malformed_json" and "delimiter" in issues[2][1]
    assert issues[3] == (
        "missing_field",
        "missing field 'answer' (or give chat-style messages)",
    )
    assert issues[4] == ("empty", "field 'question' must not be empty")
    assert issues[5] == ("wrong_type", "field 'answer' must be a string, got number")
    # Line 6 is blank: skipped, not an error.
    assert 6 not in issues
    assert issues[7][0] == "wrong_type" and "groups" in issues[7][1]
    assert issues[8] == ("wrong_type", "expected a JSON object, got list")
    assert issues[9] == ("duplicate_id", "id 'ok-1' is already used on line 1")
    assert "duplicate key 'question'" in issues[10][1]
    assert issues[12][0] == "bad_group" and "hr team!" in issues[12][1]
    assert sorted(p.id for p in result.pairs) == ["ok-1", "ok-2"]
    assert result.records == 11


def test_groups_may_be_a_comma_string_and_unknown_fields_are_warned() -> None:
    result = read_qa_file(BAD / "malformed.jsonl")
    ok2 = next(p for p in result.pairs if p.id == "ok-2")
    assert ok2.groups == ("hr", "finance") and ok2.line == 11
    assert [(w.line, w.kind) for w in result.warnings] == [(11, "unknown_field")]
    assert "reviewed_by" in result.warnings[0].message


def test_chat_records_become_pairs_with_history() -> None:
    result = read_qa_file(BAD / "chat.jsonl")
    pairs = {p.id: p for p in result.pairs}
    assert set(pairs) == {"chat-1", "chat-2#1", "chat-2#2"}
    single = pairs["chat-1"]
    assert single.question == "How should I greet a customer?"
    assert single.answer.startswith("By first name")
    assert single.system == "You are Quillmark Support." and single.history == ()
    first, follow_up = pairs["chat-2#1"], pairs["chat-2#2"]
    assert first.history == () and first.turn == 1
    assert follow_up.question == "Who handles the site's cases then?"
    assert follow_up.answer == "The deployment team, directly."
    # The follow-up keeps the exchange before it, so it can be trained in context.
    assert follow_up.history == (
        ("user", "What is hypercare?"),
        ("assistant", "The first 10 business days after a site goes live."),
    )
    assert follow_up.groups == ("hr",) and follow_up.domain == "glossary"
    assert result.chat_records == 2


def test_invalid_chat_records_name_the_problem() -> None:
    issues = _by_line(BAD / "chat.jsonl")
    assert "the last message is from the user" in issues[3]
    assert "must be system, user or assistant, got 'tool'" in issues[4]
    assert "either question/answer or messages, not both" in issues[5]
    assert "messages[1]: expected an assistant turn, got user" in issues[6]


def test_csv_rows_are_read_with_the_line_they_start_on() -> None:
    result = read_qa_file(BAD / "pairs.csv")
    assert result.format == "csv"
    pairs = {p.id: p for p in result.pairs}
    assert set(pairs) == {"csv-1", "csv-2", "csv-5"}
    assert pairs["csv-2"].line == 3 and pairs["csv-2"].groups == ("hr", "finance")
    assert "including zones" in pairs["csv-2"].answer  # a quoted multi-line field
    assert pairs["csv-5"].line == 7 and pairs["csv-5"].groups == ("hr",)
    assert pairs["csv-1"].groups == ()
    issues = {i.line: i.message for i in result.issues}
    assert issues[5] == "row has 3 fields, the header has 5"
    assert issues[6].startswith("missing field 'answer'")


def test_csv_without_question_and_answer_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text("prompt,response\nWhat is Tessel?,Fleet software.\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs 'question' and 'answer' columns"):
        read_qa_file(path)


def test_a_file_that_is_not_utf8_is_a_clear_error() -> None:
    with pytest.raises(InputError) as info:
        read_qa_file(BAD / "latin1.jsonl")
    assert "not valid UTF-8: byte 0xe9 at line 2, column 33" in info.value.message
    assert "UTF-8" in info.value.hint


def test_utf16_and_bom(tmp_path: Path) -> None:
    record = '{"question": "What is Tessel?", "answer": "Fleet software."}\n'
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_bytes(record.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16, not UTF-8"):
        read_qa_file(utf16)
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + record.encode("utf-8"))
    assert [p.question for p in read_qa_file(bom).pairs] == ["What is Tessel?"]


def test_empty_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is empty"):
        read_qa_file(BAD / "empty.jsonl")
    with pytest.raises(InputError, match="does not exist"):
        read_qa_file(tmp_path / "nope.jsonl")
