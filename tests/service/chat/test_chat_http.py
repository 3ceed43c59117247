"""The chat's HTTP routes on a real ``ragtune serve`` (Chainlit mounts once per process, so
in a subprocess): feedback only on the signed-in user's own messages, never a 500."""

from __future__ import annotations

import uuid

import httpx
import pytest

from indexes import chat_history
from indexes.database import Database
from indexes.feedback import list_feedback
from ragtune.principal import Principal
from service.keys import create_key
from tests.service.chat.test_ui import chat_server  # noqa: F401 - the server fixture

pytestmark = pytest.mark.slow


def _signed_in(url: str, user: str, key: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    made = client.post("/chat/login", data={"username": user, "password": key})
    assert made.status_code == 200, made.text
    token = made.json().get("access_token")
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_chat_feedback_is_only_for_your_own_messages(
    chat_server: str,  # noqa: F811
    service_db: Database,
) -> None:
    alice_key = create_key(service_db, Principal("alice-http")).token
    mallory_key = create_key(service_db, Principal("mallory-http")).token
    thread, message = f"t-{uuid.uuid4().hex[:8]}", f"m-{uuid.uuid4().hex[:8]}"
    assert chat_history.save_step(service_db, thread, "alice-http", {"id": message})

    def rate(client: httpx.Client, for_id: str, comment: str = "") -> httpx.Response:
        body = {"feedback": {"forId": for_id, "value": 0, "comment": comment}, "sessionId": "s"}
        return client.put("/chat/feedback", json=body)

    mallory = _signed_in(chat_server, "mallory-http", mallory_key)
    try:
        assert rate(mallory, message, "spam").status_code == 404
        assert rate(mallory, "no-such-message").status_code == 404
        assert rate(mallory, message, "bad \x00").status_code == 422
    finally:
        mallory.close()
    alice = _signed_in(chat_server, "alice-http", alice_key)
    try:
        assert rate(alice, message, "useful").status_code == 200
    finally:
        alice.close()
    stored = list_feedback(service_db, thread_id=thread)
    assert [(f.user, f.message_id) for f in stored] == [("alice-http", message)]
