"""``/api/v1/audit``: the audit log, for admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from grins_platform.audit.repository import AuditFilters
from grins_platform.audit.schemas import AuditEntryRead
from grins_platform.audit.service import AuditService
from grins_platform.auth.dependencies import AdminUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.db.session import SessionDep

router = APIRouter(prefix="/audit", tags=["audit"])


async def get_audit_service(session: SessionDep) -> AuditService:
    """The audit service for this request."""
    return AuditService(session)


AuditServiceDep = Annotated[AuditService, Depends(get_audit_service)]


@router.get("", response_model=Page[AuditEntryRead])
async def list_audit_entries(
    *,
    _admin: AdminUser,
    service: AuditServiceDep,
    page: PageDep,
    entity_type: Annotated[
        str | None, Query(max_length=40, description="e.g. customer")
    ] = None,
    entity_id: Annotated[uuid.UUID | None, Query()] = None,
    actor_id: Annotated[uuid.UUID | None, Query()] = None,
    action: Annotated[
        str | None, Query(max_length=60, description="e.g. customer.merged")
    ] = None,
    request_id: Annotated[str | None, Query(max_length=128)] = None,
    since: Annotated[datetime | None, Query(description="occurred at or after")] = None,
    until: Annotated[datetime | None, Query(description="occurred before")] = None,
) -> Page[AuditEntryRead]:
    """Admin. Recorded changes, newest first, filtered."""
    filters = AuditFilters(
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=actor_id,
        action=action,
        request_id=request_id,
        since=since,
        until=until,
    )
    rows, total = await service.list_entries(
        filters, limit=page.limit, offset=page.offset
    )
    return Page[AuditEntryRead](
        items=[AuditEntryRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
