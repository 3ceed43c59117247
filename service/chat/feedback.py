"""The chat's thumbs: ``PUT``/``DELETE <chat>/feedback``, answered here instead of by Chainlit.

Chainlit's own route hands the rating to the data layer without saying who sent it, so a
signed-in user could rate (and attribute to its owner) any message id. These routes are
registered on the service before the chat is mounted, so they win; they take the signed-in
user from the chat's session token and accept only that user's own messages.
"""

from __future__ import annotations

from typing import Annotated, Any

from chainlit.auth import get_current_user
from chainlit.types import DeleteFeedbackRequest, UpdateFeedbackRequest
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from indexes.feedback import delete_feedback
from ragtune.errors import RagtuneError
from service.chat.data_layer import rate_message
from service.errors import UnauthorizedError, error_response
from service.state import ServiceState

# FastAPI reads these annotations by name from this module, so they live at its top level.
SignedIn = Annotated[Any, Depends(get_current_user)]


def install_feedback_routes(app: FastAPI, state: ServiceState, path: str) -> None:
    """Register the chat's feedback routes at ``path``/feedback (before Chainlit's mount).

    Import this module only after the chat is configured (service/chat/mount.py does).
    """

    @app.put(f"{path}/feedback", include_in_schema=False)
    async def put_feedback(update: UpdateFeedbackRequest, user: SignedIn) -> JSONResponse:
        try:
            if user is None:
                raise UnauthorizedError("Sign in to rate answers", hint="sign in again")
            stored = await run_in_threadpool(
                rate_message, state.db, str(user.identifier), update.feedback
            )
        except RagtuneError as exc:
            return error_response(exc)
        return JSONResponse({"success": True, "feedbackId": stored})

    @app.delete(f"{path}/feedback", include_in_schema=False)
    async def remove_feedback(payload: DeleteFeedbackRequest, user: SignedIn) -> JSONResponse:
        try:
            if user is None:
                raise UnauthorizedError("Sign in to remove a rating", hint="sign in again")
            await run_in_threadpool(
                lambda: delete_feedback(
                    state.db, user=str(user.identifier), feedback_id=payload.feedbackId
                )
            )
        except RagtuneError as exc:
            return error_response(exc)
        return JSONResponse({"success": True})
