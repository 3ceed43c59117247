"""Chat conversations: owner-only reads through row-level security, ordered steps, links."""

from __future__ import annotations

from indexes import chat_history as ch
from indexes.database import Database
from ragtune.principal import Principal


def test_threads_are_read_only_by_their_owner(db: Database) -> None:
    alice, bob = Principal("alice"), Principal("bob", frozenset({"hr"}))
    assert ch.save_thread(db, "t-1", "alice", name="First question")
    assert not ch.save_thread(db, "t-1", "bob", name="hijack")  # the owner never changes
    assert ch.save_step(db, "t-1", "alice", {"id": "s2", "createdAt": "2026-01-01T00:00:02Z"})
    assert ch.save_step(db, "t-1", "alice", {"id": "s1", "createdAt": "2026-01-01T00:00:01Z"})
    assert not ch.save_step(db, "t-1", "bob", {"id": "s3"})

    thread = ch.get_thread(db, alice, "t-1")
    assert thread is not None and thread.name == "First question"
    assert [s["id"] for s in thread.steps] == ["s1", "s2"]  # by Chainlit's own timestamps
    assert ch.get_thread(db, bob, "t-1") is None
    assert [t.id for t in ch.list_threads(db, alice)] == ["t-1"]
    assert ch.list_threads(db, bob) == []
    assert ch.thread_owner(db, "t-1") == "alice" and ch.step_owner(db, "s1") == ("t-1", "alice")

    ch.save_thread(db, "t-2", "alice", name="Second")
    assert [t.id for t in ch.list_threads(db, alice)] == ["t-2", "t-1"]
    assert [t.id for t in ch.list_threads(db, alice, after="t-2")] == ["t-1"]
    assert [t.id for t in ch.list_threads(db, alice, search="sec")] == ["t-2"]

    assert not ch.save_thread(db, "t-3", None, name="no owner, no thread")
    ch.delete_thread(db, "t-1", "bob")
    assert ch.thread_owner(db, "t-1") == "alice"
    ch.delete_thread(db, "t-1", "alice")
    assert ch.thread_owner(db, "t-1") is None and ch.step_owner(db, "s1") is None


def test_conversation_links_are_per_user(db: Database) -> None:
    digest = "a" * 64
    ch.link_history(db, digest, "alice", "thread-9")
    assert ch.linked_thread(db, digest, "alice") == "thread-9"
    assert ch.linked_thread(db, digest, "bob") is None


def test_readable_chunks_follow_the_readers_groups(db: Database) -> None:
    assert ch.readable_chunks(db, Principal("alice"), []) == {}
    assert (
        ch.readable_chunks(db, Principal("alice"), ["00000000-0000-0000-0000-000000000000"]) == {}
    )
