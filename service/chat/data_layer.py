"""Chainlit's data layer on ragtune's tables: conversations persist and resume per user.

Threads and their displayed steps live in ``chat_threads``/``chat_steps`` (indexes/
chat_history.py): written through the admin pool, read through row-level security as their
owner. Feedback goes to the same table as ``POST /v1/feedback``. Citation elements are not
stored; they are rebuilt on resume from chunk ids, re-read with the reader's current groups.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from chainlit.data.base import BaseDataLayer
from chainlit.element import Element, ElementDict
from chainlit.step import StepDict
from chainlit.types import (
    Feedback,
    PageInfo,
    PaginatedResponse,
    Pagination,
    ThreadDict,
    ThreadFilter,
)
from chainlit.user import PersistedUser, User
from starlette.concurrency import run_in_threadpool

from indexes import chat_history
from indexes.feedback import delete_feedback, list_feedback, record_feedback
from indexes.threads import check_thread_id
from ragtune.errors import InputError, NotFoundError
from ragtune.principal import Principal
from service.state import ServiceState

log = logging.getLogger("ragtune.service")
# Feedback ids for chat messages are derived from the message id, so a re-rating (or its
# removal) finds the same row.
_FEEDBACK_NS = uuid.UUID("0b5f3f6e-6a57-4a8e-9d55-2f0b1f7c6d21")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _session_user() -> str | None:
    """The signed-in user of the current Chainlit websocket session, if there is one."""
    from chainlit.context import ChainlitContextException, context

    try:
        user = context.session.user
    except ChainlitContextException:
        return None
    return user.identifier if user else None


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> Any:
    """``value`` with NUL and unpaired surrogates replaced (U+FFFD), at any depth: the chat's
    socket messages bypass the HTTP text check, and PostgreSQL stores neither."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def _well_formed(thread_id: str) -> bool:
    """Whether a thread id the chat client chose can name a stored thread at all."""
    try:
        check_thread_id(thread_id)
    except InputError:
        log.warning("refused a malformed chat thread id")
        return False
    return True


def feedback_id_for(message_id: str) -> str:
    return str(uuid.uuid5(_FEEDBACK_NS, message_id))


def rate_message(db: Any, user: str, feedback: Feedback) -> str:
    """Store ``user``'s rating of one of their own chat messages; the feedback id.

    NotFoundError when the message is unknown or someone else's (the same answer for both,
    so nobody learns which message ids exist).
    """
    owner = chat_history.step_owner(db, feedback.forId)
    if owner is None or owner[1] != user:
        raise NotFoundError(
            f"No message {feedback.forId!r} of yours", hint="rate a message in your own chat"
        )
    stored = record_feedback(
        db,
        user=user,
        thread_id=owner[0],
        message_id=feedback.forId,
        rating="up" if feedback.value == 1 else "down",
        comment=feedback.comment or "",
        source="chat",
        feedback_id=feedback_id_for(feedback.forId),
    )
    return stored.id


class RagtuneDataLayer(BaseDataLayer):
    """Persists what the chat frontend shows; every query is a named one in indexes/."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state

    @property
    def db(self) -> Any:
        return self.state.db

    # Users: the identity comes from the signed-in API key each time (never stored here).
    async def get_user(self, identifier: str) -> PersistedUser | None:
        return None

    async def create_user(self, user: User) -> PersistedUser | None:
        return PersistedUser(
            id=user.identifier,
            identifier=user.identifier,
            display_name=user.display_name,
            metadata=user.metadata,
            createdAt=_iso(datetime.now(UTC)),
        )

    # Feedback
    async def upsert_feedback(self, feedback: Feedback) -> str:
        """Store a rating by the signed-in user of one of their own messages.

        The chat's ``PUT /feedback`` is answered by service/chat/feedback.py, which checks
        the signed-in user first; this path remains for Chainlit's own callers.
        """
        user = _session_user()
        if user is None:
            raise NotFoundError("No signed-in user to rate as")
        return await run_in_threadpool(rate_message, self.db, user, feedback)

    async def delete_feedback(self, feedback_id: str) -> bool:
        user = _session_user()
        if user is None:
            return False
        await run_in_threadpool(
            lambda: delete_feedback(self.db, user=user, feedback_id=feedback_id)
        )
        return True

    # Elements: citations are rebuilt on resume (see chat/ui.py resume), nothing is stored.
    async def create_element(self, element: Element) -> None:
        return None

    async def get_element(self, thread_id: str, element_id: str) -> ElementDict | None:
        return None

    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        return None

    # Steps
    async def create_step(self, step_dict: StepDict) -> None:
        await self._save_step(step_dict)

    async def update_step(self, step_dict: StepDict) -> None:
        await self._save_step(step_dict)

    async def _save_step(self, step_dict: StepDict) -> None:
        user = _session_user()
        thread_id = step_dict.get("threadId")
        if user is None or not thread_id or not _well_formed(thread_id):
            return
        step = storable({k: v for k, v in step_dict.items() if k != "feedback"})
        saved = await run_in_threadpool(chat_history.save_step, self.db, thread_id, user, step)
        if not saved:
            log.warning("refused a step for another user's thread")

    async def delete_step(self, step_id: str) -> None:
        user = _session_user()
        if user is not None:
            await run_in_threadpool(chat_history.delete_step, self.db, step_id, user)

    # Threads
    async def get_thread_author(self, thread_id: str) -> str:
        owner = await run_in_threadpool(chat_history.thread_owner, self.db, thread_id)
        return owner or ""

    async def delete_thread(self, thread_id: str) -> None:
        owner = await self.get_thread_author(thread_id)
        if owner:
            await run_in_threadpool(chat_history.delete_thread, self.db, thread_id, owner)

    async def list_threads(
        self, pagination: Pagination, filters: ThreadFilter
    ) -> PaginatedResponse[ThreadDict]:
        if not filters.userId:
            return PaginatedResponse(PageInfo(False, None, None), [])
        principal = Principal(filters.userId)
        found = await run_in_threadpool(
            lambda: chat_history.list_threads(
                self.db,
                principal,
                search=filters.search,
                limit=pagination.first + 1,
                after=pagination.cursor,
            )
        )
        more = len(found) > pagination.first
        page = found[: pagination.first]
        data = [self._thread_dict(t) for t in page]
        return PaginatedResponse(
            PageInfo(more, page[0].id if page else None, page[-1].id if page else None), data
        )

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        owner = await self.get_thread_author(thread_id)
        if not owner:
            return None
        # Chainlit checked that the signed-in user is this owner before asking.
        thread = await run_in_threadpool(
            chat_history.get_thread, self.db, Principal(owner), thread_id
        )
        if thread is None:
            # An API thread with no chat conversation yet: its owner is still its owner, so
            # Chainlit refuses a socket that names it for anyone else.
            now = datetime.now(UTC)
            return self._thread_dict(chat_history.ChatThread(thread_id, owner, "", [], now, now))
        ratings = {
            f.message_id: f
            for f in await run_in_threadpool(lambda: list_feedback(self.db, thread_id=thread_id))
            if f.message_id
        }
        steps: list[StepDict] = []
        for raw in thread.steps:
            step: StepDict = raw  # type: ignore[assignment]
            rated = ratings.get(step.get("id", ""))
            if rated is not None:
                step["feedback"] = {
                    "forId": rated.message_id or "",
                    "id": rated.id,
                    "value": 1 if rated.rating == "up" else 0,
                    "comment": rated.comment,
                }
            steps.append(step)
        return self._thread_dict(thread, steps)

    @staticmethod
    def _thread_dict(
        thread: chat_history.ChatThread, steps: list[StepDict] | None = None
    ) -> ThreadDict:
        return ThreadDict(
            id=thread.id,
            createdAt=_iso(thread.created_at),
            name=thread.name or "New chat",
            userId=thread.user,
            userIdentifier=thread.user,
            tags=thread.tags,
            metadata={},
            steps=steps or [],
            elements=[],
        )

    async def update_thread(
        self,
        thread_id: str,
        name: str | None = None,
        user_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        # Chainlit's session metadata is not stored: nothing in it is needed to resume. A
        # thread is created by its first message (which names it), never by a bare session.
        if not _well_formed(thread_id):
            return
        user = (user_id or _session_user()) if name else None
        title = storable(name[:120]) if name else None
        tags = storable(tags) if tags else tags
        saved = await run_in_threadpool(
            lambda: chat_history.save_thread(self.db, thread_id, user, name=title, tags=tags)
        )
        if not saved and user is not None:
            log.warning("refused to update another user's thread")

    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        return None

    async def get_favorite_steps(self, user_id: str) -> list[StepDict]:
        return []
