"""One thread id, one owner, across the API's threads and the chat's conversations."""

from __future__ import annotations

import pytest

from indexes import chat_history as ch
from indexes import threads
from indexes.database import Database
from ragtune.errors import PermissionDeniedError
from ragtune.principal import Principal


def _chat_rows(db: Database, thread_id: str) -> int:
    with db.administering() as conn:
        row = conn.execute("SELECT count(*) FROM chat_threads WHERE id = %s", (thread_id,))
        found = row.fetchone()
    assert found is not None
    return int(found[0])


def test_an_api_thread_cannot_become_someone_elses_chat(db: Database) -> None:
    threads.claim(db, "api-1", Principal("harriet"), "What is the L5 midpoint?")
    assert not ch.save_thread(db, "api-1", "mallory", name="hijack")
    assert not ch.save_step(db, "api-1", "mallory", {"id": "m1"})
    assert _chat_rows(db, "api-1") == 0  # no row for an id the caller does not own
    assert ch.thread_owner(db, "api-1") == "harriet"
    # The owner herself may continue it in the chat.
    assert ch.save_thread(db, "api-1", "harriet", name="What is the L5 midpoint?")


def test_a_chat_thread_cannot_be_claimed_through_the_api(db: Database) -> None:
    assert ch.save_thread(db, "chat-1", "alice", name="first")
    with pytest.raises(PermissionDeniedError):
        threads.claim(db, "chat-1", Principal("mallory"), "hijack")
    assert threads.owner_of(db, "chat-1") == "alice"
    assert threads.claim(db, "chat-1", Principal("alice"), "first").owner == "alice"
