"""The consent ledger: append opt-ins and opt-outs, derive the consent in force.

Rows are never updated or deleted. The consent in force for a channel and purpose
is the newest row; with no row at all there is no consent.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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
from grins_platform.customers.schemas import ConsentCreate
from grins_platform.customers.service import CustomerService
from grins_platform.db.uow import UnitOfWork
from grins_platform.users.models import User

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class ConsentView:
    """The consent in force per channel and purpose, and the whole ledger."""

    current: dict[tuple[ConsentChannel, ConsentPurpose], CustomerConsent | None]
    ledger: Sequence[CustomerConsent]


def consent_view(ledger: Sequence[CustomerConsent]) -> ConsentView:
    """The consent in force, read off the ledger (newest first): no second query."""
    newest: dict[tuple[ConsentChannel, ConsentPurpose], CustomerConsent] = {}
    for row in ledger:
        newest.setdefault((row.channel, row.purpose), row)
    current: dict[tuple[ConsentChannel, ConsentPurpose], CustomerConsent | None] = {
        key: newest.get(key)
        for key in itertools.product(ConsentChannel, ConsentPurpose)
    }
    return ConsentView(current=current, ledger=ledger)


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

    async def consent_state(self, customer_id: uuid.UUID, *, user: User) -> ConsentView:
        """The consent in force for every channel and purpose, and the ledger."""
        customer = await self.customers.load_visible(customer_id, user)
        return consent_view(await self.consents.ledger(customer.id))
