"""Chat feedback and thread lookups: only the signed-in user's own messages and threads."""

from __future__ import annotations

import asyncio

import pytest
from chainlit.types import Feedback

from indexes import chat_history as ch
from indexes import threads
from indexes.database import Database
from indexes.feedback import list_feedback
from ragtune.errors import NotFoundError
from ragtune.principal import Principal
from service.chat.data_layer import RagtuneDataLayer, rate_message


def test_a_user_rates_only_their_own_messages(db: Database) -> None:
    assert ch.save_step(db, "t-a", "alice", {"id": "msg-a"})
    with pytest.raises(NotFoundError):
        rate_message(db, "mallory", Feedback(forId="msg-a", value=0, comment="spam"))
    with pytest.raises(NotFoundError):  # unknown ids: the same answer, never a 500
        rate_message(db, "mallory", Feedback(forId="no-such-message", value=1))
    assert list_feedback(db) == []
    rate_message(db, "alice", Feedback(forId="msg-a", value=1, comment="good"))
    [stored] = list_feedback(db)
    assert (stored.user, stored.thread_id, stored.rating) == ("alice", "t-a", "up")


def test_an_api_thread_reports_its_owner_to_the_chat(db: Database) -> None:
    """Chainlit refuses a socket for a thread whose author is someone else; an API thread
    with no chat rows yet must still report its owner."""
    threads.claim(db, "api-7", Principal("harriet"), "question")
    layer = RagtuneDataLayer(_StateWith(db))  # type: ignore[arg-type]
    found = asyncio.run(layer.get_thread("api-7"))
    assert found is not None and found["userIdentifier"] == "harriet"
    assert asyncio.run(layer.get_thread_author("api-7")) == "harriet"


class _StateWith:
    def __init__(self, db: Database) -> None:
        self.db = db


def test_socket_text_is_stored_safely(db: Database) -> None:
    """Chat messages arrive over the socket, past the HTTP text check: NUL and unpaired
    surrogates are replaced, and a malformed thread id names nothing."""
    from unittest.mock import patch

    layer = RagtuneDataLayer(_StateWith(db))  # type: ignore[arg-type]
    step = {"id": "s-nul", "threadId": "t-nul", "output": "a\x00b \ud800", "name": "x"}
    with patch("service.chat.data_layer._session_user", return_value="alice"):
        asyncio.run(layer.update_thread("t-nul", name="first \x00 question"))
        asyncio.run(layer.create_step(step))  # type: ignore[arg-type]
        asyncio.run(layer.create_step({**step, "id": "s-bad", "threadId": "bad id\x00"}))  # type: ignore[arg-type]
    thread = ch.get_thread(db, Principal("alice"), "t-nul")
    assert thread is not None and thread.name == "first \ufffd question"
    assert [s["output"] for s in thread.steps] == ["a\ufffdb \ufffd"]
    assert ch.step_owner(db, "s-bad") is None
