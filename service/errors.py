"""Errors as JSON: every failure is ``{"error": {"message", "hint", "type"}}`` with its status.

ragtune errors carry their own status (ragtune/errors.py); the few failures only the service
has (no key, too many requests, too large, too slow) are added here. The body has the shape
OpenAI clients read (``error.message``), so SDK users see the message too.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ragtune.errors import RagtuneError
from service.media import is_json, media_type

log = logging.getLogger("ragtune.service")


class UnauthorizedError(RagtuneError):
    """No API key, or one that is unknown or revoked."""

    http_status = 401


class RateLimitedError(RagtuneError):
    """The key sent more requests than its rate allows."""

    http_status = 429

    def __init__(self, message: str, hint: str = "", *, retry_after_s: float = 1.0) -> None:
        super().__init__(message, hint)
        self.retry_after_s = retry_after_s


class PayloadTooLargeError(RagtuneError):
    """The request body is over the configured limit."""

    http_status = 413


class BodyTimeoutError(RagtuneError):
    """The client paused too long while sending the request body."""

    http_status = 408


class UploadBusyError(RagtuneError):
    """Another upload (or a delete) holds the same file name in the same collection."""

    http_status = 409


class GenerationTimeoutError(RagtuneError):
    """The answer took longer than the configured generation timeout."""

    http_status = 504


class OverloadedError(RagtuneError):
    """Too many answers are being generated; waited too long for a free slot."""

    http_status = 503


def error_type(exc: RagtuneError) -> str:
    """``PermissionDeniedError`` -> ``permission_denied``."""
    name = type(exc).__name__.removesuffix("Error") or "Ragtune"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_body(message: str, hint: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "hint": hint, "type": kind}}


def error_response(exc: RagtuneError) -> JSONResponse:
    headers = {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(max(1, round(exc.retry_after_s)))
    if isinstance(exc, UnauthorizedError):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(
        error_body(exc.message, exc.hint, error_type(exc)),
        status_code=exc.http_status,
        headers=headers,
    )


def _describe_validation(exc: RequestValidationError) -> tuple[str, bool]:
    """A one-line message naming each bad field, and whether the body was not JSON at all."""
    problems = []
    malformed = False
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            malformed = True
            problems.append(f"the body is not valid JSON ({err.get('ctx', {}).get('error', '')})")
            continue
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        said = str(err.get("msg", "invalid"))
        if "Expected UploadFile" in said:  # a form part with no file name is read as text
            said = "not a file (a form part with no file name)"
        problems.append(f"{loc}: {said}")
    return "Invalid request: " + "; ".join(problems), malformed


def _validation_hint(exc: RequestValidationError, content_type: str) -> str:
    """What to change, for where the problems are: the query string, a multipart form, or a
    body that is not JSON at all (the usual cause of "Input should be a valid dictionary")."""
    places = {str(err.get("loc", ("body",))[0]) for err in exc.errors()}
    kind = media_type(content_type)
    if places <= {"query", "path", "header"}:
        return "check the query parameters and the path; see /docs"
    if kind == "multipart/form-data":
        return "send the form fields /docs lists for this endpoint (files as file parts)"
    if not is_json(content_type):
        shown = kind or "no Content-Type"
        return f"send a JSON body with Content-Type: application/json (this request sent {shown})"
    return "send a JSON body with the fields /docs lists for this endpoint"


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception the app can raise to one JSON shape."""

    async def ragtune_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RagtuneError)
        if exc.http_status >= 500:
            log.warning(
                "request failed", extra={"fields": {"error": error_type(exc), "why": exc.message}}
            )
        return error_response(exc)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        message, malformed = _describe_validation(exc)
        hint = _validation_hint(exc, request.headers.get("content-type", ""))
        return JSONResponse(
            error_body(message, hint, "invalid_json" if malformed else "invalid_request"),
            status_code=400 if malformed else 422,
        )

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kinds = {404: "not_found", 405: "method_not_allowed"}
        message = str(exc.detail) if exc.detail else "HTTP error"
        hint = "see /docs for the endpoints"
        if exc.status_code == 404 and message == "Not Found":
            message = f"No such endpoint: {request.method} {request.url.path}"
        elif message.startswith(("Too many files", "Too many fields")):
            # Starlette's multipart parser caps one form at 1,000 files and 1,000 fields.
            hint = "send at most 1,000 files in one upload: split it into several requests"
        return JSONResponse(
            error_body(message, hint, kinds.get(exc.status_code, "http")),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unhandled error",
            exc_info=exc,
            extra={"fields": {"path": request.url.path, "error": type(exc).__name__}},
        )
        return JSONResponse(
            error_body("Internal server error", "see the service log", "internal"),
            status_code=500,
        )

    app.add_exception_handler(RagtuneError, ragtune_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
