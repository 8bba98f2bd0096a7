"""``GET /health`` (liveness, no dependencies) and ``GET /ready`` (readiness)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from grins_platform.core.errors import ServiceUnavailable
from grins_platform.health.service import HealthService

router = APIRouter(tags=["health"])


class HealthRead(BaseModel):
    """Liveness answer."""

    status: Literal["ok"] = "ok"


class ReadinessRead(BaseModel):
    """Readiness answer: each check is ``ok`` or says what is wrong."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, str] = Field(
        description="database, redis, migrations: 'ok' or the problem"
    )


async def get_health_service(request: Request) -> HealthService:
    """Build the health service from the application's resources."""
    state = request.app.state
    return HealthService(state.db.engine, state.redis, state.settings.database_url)


HealthServiceDep = Annotated[HealthService, Depends(get_health_service)]


@router.get("/health", response_model=HealthRead, summary="Liveness")
async def health() -> HealthRead:
    """The process is up and serving (public: it reveals nothing)."""
    return HealthRead()


@router.get(
    "/ready",
    response_model=ReadinessRead,
    summary="Readiness",
    responses={
        503: {"description": "error envelope naming what is wrong, plus checks"}
    },
)
async def ready(service: HealthServiceDep) -> ReadinessRead:
    """200 when the database and Redis answer and migrations are at head, else 503.

    Public so load balancers can probe it; it names components, never addresses.
    """
    result = await service.readiness()
    if not result.ready:
        raise ServiceUnavailable("; ".join(result.problems), checks=result.checks)
    return ReadinessRead(status="ready", checks=result.checks)
