"""Request intake: the public form, staff entry, the inbox, status changes.

The same phone or email within 24 hours updates the open request instead of adding
another: submissions with one contact are serialised by a transaction-scoped
advisory lock, so two quick clicks cannot create two requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService, changed_only, snapshot
from grins_platform.core.errors import NotFoundError, ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.uow import UnitOfWork
from grins_platform.requests.models import RequestSource, RequestStatus, ServiceRequest
from grins_platform.requests.repository import RequestFilters, ServiceRequestRepository
from grins_platform.requests.schemas import (
    PublicRequestCreate,
    RequestTransition,
    StaffRequestCreate,
)
from grins_platform.requests.transitions import RESPONDED, ensure_transition
from grins_platform.users.models import User

ENTITY: Final = "service_request"
DUPLICATE_WINDOW: Final = timedelta(hours=24)
_UPDATABLE: Final = (
    "name",
    "phone",
    "email",
    "address",
    "city",
    "zip_code",
    "service_wanted",
    "preferred_week",
    "preferred_time",
    "consent_wording_version",
)


class RequestNotFound(NotFoundError):
    """No such request."""

    def __init__(self) -> None:
        super().__init__("request not found")


def _contact_required(phone: str | None, email: str | None) -> None:
    if phone is None and email is None:
        raise ValidationFailed("phone", "a phone or an email is required")


class RequestService(LoggerMixin):
    """Intake use cases; each is audited and committed once."""

    DOMAIN = "requests"

    def __init__(self, session: AsyncSession) -> None:
        self.uow = UnitOfWork(session)
        self.requests = ServiceRequestRepository(session)
        self.audit = AuditService(session)

    async def submit_public(
        self, data: PublicRequestCreate, *, ip: str | None
    ) -> ServiceRequest | None:
        """Take the website form; ``None`` when the honeypot was filled (not stored)."""
        if data.website:
            self.log_rejected("submit", reason="honeypot")
            return None
        _contact_required(data.phone, data.email)
        actor = Actor.public(ip)
        await self.requests.lock_contact(*[k for k in (data.phone, data.email) if k])
        since = datetime.now(UTC) - DUPLICATE_WINDOW
        found = await self.requests.find_open_since(
            phone=data.phone, email=data.email, since=since
        )
        if found is not None:
            await self._resubmit(found, data, actor)
            await self.uow.commit()
            self.log_completed("resubmit", request_id=str(found.id))
            return found
        request = ServiceRequest(
            source=RequestSource.WEB_FORM,
            ip=ip or None,
            **data.model_dump(exclude={"website"}),
        )
        await self._create(request, actor)
        return request

    async def create_staff_request(
        self, data: StaffRequestCreate, *, user: User, ip: str | None = None
    ) -> ServiceRequest:
        """Record a request taken by phone, text, email or in person."""
        _contact_required(data.phone, data.email)
        request = ServiceRequest(created_by_id=user.id, **data.model_dump())
        await self._create(request, Actor.of(user, ip))
        return request

    async def _create(self, request: ServiceRequest, actor: Actor) -> None:
        await self.requests.add(request)
        await self.audit.record(
            actor,
            "service_request.created",
            ENTITY,
            request.id,
            after=snapshot(request),
        )
        await self.uow.commit()
        self.log_completed(
            "create", request_id=str(request.id), source=request.source.value
        )

    async def _resubmit(
        self, found: ServiceRequest, data: PublicRequestCreate, actor: Actor
    ) -> None:
        before = snapshot(found)
        values: dict[str, Any] = data.model_dump(exclude={"website"})
        for name in _UPDATABLE:
            if values.get(name) is not None:
                setattr(found, name, values[name])
        if data.message and data.message != found.message:
            found.message = (
                f"{found.message}\n---\n{data.message}"
                if found.message
                else data.message
            )
        found.sms_consent = found.sms_consent or data.sms_consent
        found.submit_count += 1
        await self.requests.session.flush()
        old, new = changed_only(before, snapshot(found))
        await self.audit.record(
            actor,
            "service_request.resubmitted",
            ENTITY,
            found.id,
            before=old,
            after=new,
        )

    async def get_request(self, request_id: uuid.UUID) -> ServiceRequest:
        """One request (404 if unknown)."""
        request = await self.requests.get(request_id)
        if request is None:
            raise RequestNotFound
        return request

    async def list_requests(
        self, filters: RequestFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[ServiceRequest], int]:
        """The inbox, filtered by status, source and age."""
        return await self.requests.list_filtered(filters, limit=limit, offset=offset)

    async def change_status(
        self,
        request_id: uuid.UUID,
        change: RequestTransition,
        *,
        user: User,
        ip: str | None = None,
    ) -> ServiceRequest:
        """Move a request along the transition table (conversion has its own use)."""
        if change.status is RequestStatus.CONVERTED:
            raise ValidationFailed("status", "use POST /requests/{id}/convert")
        request = await self.requests.get(request_id, for_update=True)
        if request is None:
            raise RequestNotFound
        before = snapshot(request)
        apply_status(request, change.status, reason=change.reason)
        await self.requests.session.flush()
        old, new = changed_only(before, snapshot(request))
        await self.audit.record(
            Actor.of(user, ip),
            "service_request.status_changed",
            ENTITY,
            request.id,
            before=old,
            after=new,
        )
        await self.uow.commit()
        self.log_completed(
            "change_status", request_id=str(request.id), status=request.status.value
        )
        return request


def apply_status(
    request: ServiceRequest, status: RequestStatus, *, reason: str | None = None
) -> None:
    """Check the move against the table and stamp the response and closing times."""
    ensure_transition(request.status, status)
    now = datetime.now(UTC)
    if request.first_response_at is None and status in RESPONDED:
        request.first_response_at = now
    if status not in {RequestStatus.NEW, RequestStatus.CONTACTED}:
        request.closed_at = now
        request.close_reason = reason
    request.status = status
