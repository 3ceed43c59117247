"""Liveness, readiness and Prometheus metrics: no key needed, no data returned."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from indexes.health import database_problem
from service.auth import State
from service.metrics import CONTENT_TYPE
from service.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready yet, or a part is down."}},
    summary="The database answers and the agent's models are loaded",
)
async def readyz(state: State) -> JSONResponse:
    problem = await run_in_threadpool(database_problem, state.db)
    agent_ok = state.agent is not None
    detail = problem or ""
    if not agent_ok:
        detail = (detail + "; " if detail else "") + (
            f"agent failed: {state.agent_error}" if state.agent_error else "agent loading"
        )
    body = Readiness(
        ready=problem is None and agent_ok, database=problem is None, agent=agent_ok, detail=detail
    )
    state.metrics.ready.set(1 if body.ready else 0)
    return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(state: State) -> Response:
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)
