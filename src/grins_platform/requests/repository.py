"""SQL for service requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, text

from grins_platform.db.repository import Repository
from grins_platform.requests.models import RequestSource, RequestStatus, ServiceRequest

OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.CONTACTED)


@dataclass(frozen=True, slots=True)
class RequestFilters:
    """What the request inbox asks for; ``None`` means any."""

    status: RequestStatus | None = None
    source: RequestSource | None = None
    received_after: datetime | None = None
    received_before: datetime | None = None
    customer_id: uuid.UUID | None = None
    oldest_first: bool = False


class ServiceRequestRepository(Repository[ServiceRequest]):
    """Requests by id, the open duplicate of a submission, and the inbox."""

    model = ServiceRequest

    async def lock_contact(self, *keys: str) -> None:
        """Serialise submissions with the same phone/email (transaction lock)."""
        for key in sorted(set(keys)):
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"service_request:{key}"},
            )

    async def find_open_since(
        self, *, phone: str | None, email: str | None, since: datetime
    ) -> ServiceRequest | None:
        """The newest open request with this phone or email received after ``since``."""
        matches: list[ColumnElement[bool]] = []
        if phone is not None:
            matches.append(ServiceRequest.phone == phone)
        if email is not None:
            matches.append(func.lower(ServiceRequest.email) == email.lower())
        if not matches:
            return None
        stmt = (
            select(ServiceRequest)
            .where(
                ServiceRequest.status.in_(OPEN_STATUSES),
                ServiceRequest.created_at >= since,
                or_(*matches),
            )
            .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
            .limit(1)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_filtered(
        self, filters: RequestFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[ServiceRequest], int]:
        """A page of requests, newest first (or oldest first), and the total."""
        stmt: Select[Any] = select(ServiceRequest)
        if filters.status is not None:
            stmt = stmt.where(ServiceRequest.status == filters.status)
        if filters.source is not None:
            stmt = stmt.where(ServiceRequest.source == filters.source)
        if filters.received_after is not None:
            stmt = stmt.where(ServiceRequest.created_at >= filters.received_after)
        if filters.received_before is not None:
            stmt = stmt.where(ServiceRequest.created_at < filters.received_before)
        if filters.customer_id is not None:
            stmt = stmt.where(ServiceRequest.customer_id == filters.customer_id)
        if filters.oldest_first:
            stmt = stmt.order_by(ServiceRequest.created_at, ServiceRequest.id)
        else:
            stmt = stmt.order_by(
                ServiceRequest.created_at.desc(), ServiceRequest.id.desc()
            )
        total = await self.count(stmt)
        return await self.page(stmt, limit=limit, offset=offset), total

    async def list_for_customer(
        self, customer_id: uuid.UUID
    ) -> Sequence[ServiceRequest]:
        """Every request linked to a customer, newest first."""
        stmt = (
            select(ServiceRequest)
            .where(ServiceRequest.customer_id == customer_id)
            .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
        )
        return (await self.session.execute(stmt)).scalars().all()
