"""The consent ledger: append opt-ins and opt-outs, derive the consent in force.

Rows are never updated or deleted. The consent in force for a channel and purpose
is the newest row; with no row at all there is no consent.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService, snapshot
from grins_platform.core.log_config import LoggerMixin
from grins_platform.customers.models import (
    ConsentChannel,
    ConsentPurpose,
    CustomerConsent,
)
from grins_platform.customers.repository import ConsentRepository
from grins_platform.customers.schemas import (
    ConsentCreate,
    ConsentRead,
    ConsentState,
    CurrentConsent,
)
from grins_platform.customers.service import CustomerService
from grins_platform.db.uow import UnitOfWork
from grins_platform.users.models import User

_TICK = timedelta(microseconds=1)


def consent_state(ledger: Sequence[ConsentRead]) -> ConsentState:
    """The consent in force, read off the ledger (newest first): no second query."""
    newest: dict[tuple[ConsentChannel, ConsentPurpose], ConsentRead] = {}
    for row in ledger:
        newest.setdefault((row.channel, row.purpose), row)
    current: list[CurrentConsent] = []
    for channel, purpose in itertools.product(ConsentChannel, ConsentPurpose):
        last = newest.get((channel, purpose))
        current.append(
            CurrentConsent(
                channel=channel,
                purpose=purpose,
                granted=last.granted if last else False,
                recorded_at=last.recorded_at if last else None,
                source=last.source if last else None,
                wording_version=last.wording_version if last else None,
            )
        )
    return ConsentState(current=current, ledger=list(ledger))


class ConsentService(LoggerMixin):
    """Record and read consent; every row is audited."""

    DOMAIN = "customers"
    COMPONENT = "consent"

    def __init__(self, session: AsyncSession) -> None:
        self.uow = UnitOfWork(session)
        self.consents = ConsentRepository(session)
        self.customers = CustomerService(session)
        self.audit = AuditService(session)

    async def record_consent(
        self,
        customer_id: uuid.UUID,
        data: ConsentCreate,
        *,
        user: User,
        ip: str | None = None,
    ) -> CustomerConsent:
        """Append one opt-in or opt-out for a customer the caller may see."""
        customer = await self.customers.load_visible(customer_id, user)
        row = await self.stage_consent(
            customer.id,
            data,
            actor=Actor.of(user, ip),
        )
        await self.uow.commit()
        self.log_completed(
            "record",
            customer_id=str(customer.id),
            consent_id=str(row.id),
            channel=row.channel.value,
            granted=row.granted,
        )
        return row

    async def stage_consent(
        self, customer_id: uuid.UUID, data: ConsentCreate, *, actor: Actor
    ) -> CustomerConsent:
        """Append a row without committing (conversion of a request, merges)."""
        recorded_at = datetime.now(UTC)
        latest = await self.consents.latest_time(customer_id)
        if latest is not None and latest >= recorded_at:
            recorded_at = latest + _TICK  # strictly newest, even within one instant
        row = CustomerConsent(
            customer_id=customer_id,
            channel=data.channel,
            purpose=data.purpose,
            granted=data.granted,
            source=data.source,
            wording_version=data.wording_version,
            recorded_at=recorded_at,
            recorded_by_id=actor.user_id,
            ip=actor.ip,
        )
        await self.consents.add(row)
        await self.audit.record(
            actor, "consent.recorded", "customer", customer_id, after=snapshot(row)
        )
        return row

    async def ledger(
        self, customer_id: uuid.UUID, *, user: User
    ) -> Sequence[CustomerConsent]:
        """The whole ledger of a customer the caller may see, newest first."""
        customer = await self.customers.load_visible(customer_id, user)
        return await self.consents.ledger(customer.id)
