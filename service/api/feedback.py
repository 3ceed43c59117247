"""Feedback on answers: thumbs up/down with a comment, stored for review."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from indexes.chat_history import thread_owner
from indexes.feedback import record_feedback
from ragtune.errors import NotFoundError, PermissionDeniedError
from ragtune.principal import Principal
from service.auth import CallerDep, State
from service.schemas import ErrorResponse, FeedbackOut, FeedbackRequest
from service.state import ServiceState

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])


def check_thread_owner(
    state: ServiceState, thread_id: str, principal: Principal
) -> list[dict[str, Any]] | None:
    """Refuse feedback on a thread that is someone else's (chat threads or agent threads);
    return the thread's turns as the agent keeps them (None for a chat thread it holds none
    of, whose steps are stored by the chat)."""
    owner = thread_owner(state.db, thread_id)
    if owner is not None and owner != principal.user:
        raise PermissionDeniedError(
            f"Thread {thread_id!r} belongs to another user",
            hint="rate answers of your own threads (the thread_id your answers returned)",
        )
    agent = state.require_agent()
    try:
        return agent.history(thread_id, principal)
    except NotFoundError:
        if owner is not None:
            return None
        raise NotFoundError(
            f"No thread {thread_id!r}", hint="use the thread_id an answer returned"
        ) from None


def _rated_step(turns: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last answer of an agent thread's ``turns`` (``{"role", "content", ...}``) as the
    review queue reads a chat step: its text, route and citations (no passage text), and the
    question asked before it. None when the thread holds no answer."""
    last = next((i for i in range(len(turns) - 1, -1, -1) if turns[i]["role"] == "assistant"), None)
    if last is None:
        return None
    answer = turns[last]
    question = next(
        (str(t["content"]) for t in reversed(turns[:last]) if t["role"] == "user"), None
    )
    keep = ("n", "source", "section", "page", "chunk_id")
    citations = [{k: c.get(k) for k in keep} for c in answer.get("citations") or []]
    return {
        "output": str(answer["content"]),
        "metadata": {"route": answer.get("route"), "citations": citations},
        "question": question,
    }


@router.post(
    "",
    response_model=FeedbackOut,
    status_code=201,
    responses={c: {"model": ErrorResponse} for c in (401, 403, 404, 422, 429)},
    summary="Rate an answer",
)
async def post_feedback(state: State, who: CallerDep, body: FeedbackRequest) -> FeedbackOut:
    turns = await run_in_threadpool(check_thread_owner, state, body.thread_id, who.principal)
    # The thread's latest answer is what an API rating rates: kept with the rating, so the
    # review queue and the export read it (the agent's checkpoints are not joined there).
    rated = _rated_step(turns) if turns is not None else None
    stored = await run_in_threadpool(
        lambda: record_feedback(
            state.db,
            user=who.principal.user,
            thread_id=body.thread_id,
            message_id=body.message_id,
            rating=body.rating,
            comment=body.comment,
            source="api",
            rated=rated,
        )
    )
    return FeedbackOut.model_validate(stored.to_json())
