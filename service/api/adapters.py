"""Domain adapters the caller may use (others are invisible, like restricted documents)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from generation.adapter_registry import usable_adapters
from service.auth import CallerDep, State
from service.schemas import AdapterList, AdapterOut, ErrorResponse

router = APIRouter(prefix="/v1/adapters", tags=["adapters"])


@router.get(
    "",
    response_model=AdapterList,
    responses={c: {"model": ErrorResponse} for c in (401, 429)},
    summary="Adapters you may use",
)
async def get_adapters(state: State, who: CallerDep) -> AdapterList:
    found = await run_in_threadpool(usable_adapters, state.db, who.principal)
    return AdapterList(
        adapters=[
            AdapterOut(
                name=a.name,
                base_model=a.base_model,
                method=a.method,
                allowed_groups=list(a.allowed_groups),
                active_scopes=list(a.active_scopes),
                created_at=a.created_at,
            )
            for a in found
        ]
    )
