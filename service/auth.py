"""Who is calling: the bearer API key's principal (or the explicit dev principal).

Every /v1 endpoint depends on ``caller``; admin-only ones on ``admin_caller``. The key lookup
and the per-key rate limit happen here, once per request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ragtune.errors import PermissionDeniedError
from ragtune.principal import Principal
from service import keys
from service.errors import RateLimitedError, UnauthorizedError
from service.state import ServiceState

log = logging.getLogger("ragtune.service")

_bearer = HTTPBearer(auto_error=False, description="An API key from `ragtune keys create`.")


@dataclass(frozen=True)
class Caller:
    """The principal a request runs as, and how it was identified."""

    principal: Principal
    admin: bool
    key_id: str | None
    key_prefix: str | None

    @property
    def dev(self) -> bool:
        return self.key_id is None

    @property
    def rate_key(self) -> str:
        return self.key_id or f"dev:{self.principal.user}"


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


State = Annotated[ServiceState, Depends(service_state)]


async def caller(
    request: Request,
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Authenticate the request and take one token from its key's rate bucket.

    While the database is known to be down every endpoint answers 503 ``database`` at once,
    keyless dev requests included.
    """
    if state.db.down:
        await run_in_threadpool(state.db.require_up)
    if credentials is None:
        if request.headers.get("authorization"):
            state.metrics.rejected.labels("auth").inc()
            raise UnauthorizedError(
                "The Authorization header must be 'Bearer <API key>'",
                hint="create a key with: ragtune keys create --user NAME --groups G",
            )
        if state.dev_principal is None:
            state.metrics.rejected.labels("auth").inc()
            raise UnauthorizedError(
                "An API key is required", hint="send Authorization: Bearer <key>"
            )
        found = Caller(state.dev_principal, admin=False, key_id=None, key_prefix=None)
    else:
        record = await run_in_threadpool(keys.authenticate, state.db, credentials.credentials)
        if record is None:
            state.metrics.rejected.labels("auth").inc()
            raise UnauthorizedError(
                "The API key is unknown or revoked", hint="check the key, or ask for a new one"
            )
        found = Caller(record.principal, record.admin, record.id, record.prefix)
    request.state.caller = found
    try:
        state.limiter.check(found.rate_key)
    except RateLimitedError:
        state.metrics.rejected.labels("rate").inc()
        raise
    return found


async def admin_caller(found: Annotated[Caller, Depends(caller)]) -> Caller:
    """Only keys created with ``--admin`` may ingest or delete documents, or follow uploads."""
    if not found.admin:
        raise PermissionDeniedError(
            f"{found.principal.user} may not upload, delete or follow uploads of documents: "
            "this needs an admin key",
            hint="create one with: ragtune keys create --user NAME --admin",
        )
    return found


CallerDep = Annotated[Caller, Depends(caller)]
AdminDep = Annotated[Caller, Depends(admin_caller)]
