"""A rated chat answer as the chat frontend stores it: the user's message step, the answer step
(route and cited chunk ids in its metadata) and the rating on the answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from indexes import chat_history
from indexes.database import Database
from indexes.feedback import Feedback, record_feedback


def chat_answer(
    db: Database,
    user: str,
    question: str,
    answer: str,
    *,
    route: str = "rag",
    chunk_ids: list[str] | None = None,
    sources: list[str] | None = None,
) -> tuple[str, str]:
    """Store a question and its displayed answer in a new thread; returns (thread, step id)."""
    thread = f"t-{uuid.uuid4().hex[:10]}"
    asked = datetime.now(UTC)
    chat_history.save_step(
        db,
        thread,
        user,
        {
            "id": f"q-{uuid.uuid4().hex[:10]}",
            "threadId": thread,
            "type": "user_message",
            "output": question,
            "createdAt": asked.isoformat(),
        },
    )
    step_id = f"a-{uuid.uuid4().hex[:10]}"
    citations = [
        {
            "n": n,
            "source": (sources or [""] * 99)[n - 1],
            "section": "",
            "page": None,
            "chunk_id": c,
        }
        for n, c in enumerate(chunk_ids or [], start=1)
    ]
    chat_history.save_step(
        db,
        thread,
        user,
        {
            "id": step_id,
            "threadId": thread,
            "type": "assistant_message",
            "output": f"*Route: {route}*\n\n{answer}",
            "createdAt": (asked + timedelta(seconds=2)).isoformat(),
            "metadata": {"route": route, "thread_id": thread, "citations": citations},
        },
    )
    return thread, step_id


def rate(
    db: Database, user: str, thread: str, step_id: str, rating: str, comment: str = ""
) -> Feedback:
    """The thumbs on an answer, as the chat data layer records it."""
    return record_feedback(
        db,
        user=user,
        thread_id=thread,
        message_id=step_id,
        rating="up" if rating == "up" else "down",
        comment=comment,
        source="chat",
    )
