"""Conversation threads in a real Postgres: a thread belongs to whoever started it."""

from __future__ import annotations

import pytest

from indexes.database import Database
from indexes.threads import TITLE_CHARS, check_thread_id, claim, get_owned, list_owned
from ragtune.errors import InputError, NotFoundError, PermissionDeniedError
from ragtune.principal import Principal

ERIN = Principal("erin")
DANA = Principal("dana", frozenset({"hr"}))


def test_claim_starts_a_thread_and_the_owner_can_open_it(db: Database) -> None:
    started = claim(db, "t-1", ERIN, "What is the per diem?")
    assert (started.thread_id, started.owner, started.title) == (
        "t-1",
        "erin",
        "What is the per diem?",
    )
    assert get_owned(db, "t-1", ERIN) == started


def test_claiming_again_keeps_the_title_and_touches_the_thread(db: Database) -> None:
    first = claim(db, "t-1", ERIN, "What is the per diem?")
    claim(db, "t-2", ERIN, "Second thread")
    again = claim(db, "t-1", ERIN, "And domestic?")
    assert again.title == "What is the per diem?"
    assert again.updated_at > first.updated_at
    # Most recently used first.
    assert [t.thread_id for t in list_owned(db, ERIN)] == ["t-1", "t-2"]


def test_another_users_thread_is_refused(db: Database) -> None:
    claim(db, "erins", ERIN, "What is the per diem?")
    with pytest.raises(PermissionDeniedError, match="belongs to another user") as raised:
        claim(db, "erins", DANA, "Let me in")
    assert "start a new thread" in raised.value.hint
    with pytest.raises(PermissionDeniedError, match="belongs to another user"):
        get_owned(db, "erins", DANA)
    # The refused claim changed nothing.
    assert get_owned(db, "erins", ERIN).title == "What is the per diem?"
    assert list_owned(db, DANA) == []


def test_list_owned_shows_only_the_callers_threads(db: Database) -> None:
    for i in range(3):
        claim(db, f"erin-{i}", ERIN, f"Question {i}")
    claim(db, "dana-0", DANA, "Pay bands")
    assert [t.thread_id for t in list_owned(db, ERIN)] == ["erin-2", "erin-1", "erin-0"]
    assert [t.thread_id for t in list_owned(db, ERIN, limit=2)] == ["erin-2", "erin-1"]
    assert [t.owner for t in list_owned(db, DANA)] == ["dana"]


def test_a_long_first_question_is_cut_to_the_title_length(db: Database) -> None:
    question = "Why " * 100
    assert claim(db, "long", ERIN, question).title == question[:TITLE_CHARS]


def test_unknown_thread_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="No thread 'nope'"):
        get_owned(db, "nope", ERIN)


BAD_IDS = ["", "bad id", "a/b", "x" * 129, "t;DROP TABLE threads", "ünïcode", "line\nbreak"]


def test_bad_thread_ids_are_refused(db: Database) -> None:
    for thread_id in BAD_IDS:
        with pytest.raises(InputError, match="Invalid thread id"):
            check_thread_id(thread_id)
        with pytest.raises(InputError, match="Invalid thread id"):
            claim(db, thread_id, ERIN, "Question")
        with pytest.raises(InputError, match="Invalid thread id"):
            get_owned(db, thread_id, ERIN)
    assert list_owned(db, ERIN) == []


def test_a_trailing_newline_is_refused() -> None:
    with pytest.raises(InputError, match="Invalid thread id"):
        check_thread_id("t-1\n")


@pytest.mark.parametrize("thread_id", ["a", "x" * 128, "2024-06-01T10:00:00.5_user-1"])
def test_well_formed_thread_ids_are_accepted(thread_id: str) -> None:
    assert check_thread_id(thread_id) == thread_id
