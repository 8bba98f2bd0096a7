"""Converting a request into a customer and a property, in one transaction.

The customer and property are matched or created, then the conversion hooks run
(the jobs domain adds job creation there).

To add work to a conversion, append a :data:`ConversionHook` to
:data:`CONVERSION_HOOKS`; it runs inside the same transaction, before the commit,
so a failing hook converts nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService
from grins_platform.core.errors import ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.customers.consent import ConsentService
from grins_platform.customers.errors import CustomerNotFound
from grins_platform.customers.models import ConsentChannel, ConsentPurpose, Customer
from grins_platform.customers.schemas import ConsentCreate, CustomerCreate
from grins_platform.customers.service import CustomerService
from grins_platform.db.uow import UnitOfWork
from grins_platform.geocoding import Geocoder
from grins_platform.properties.models import Property
from grins_platform.properties.schemas import PropertyCreate
from grins_platform.properties.service import PropertyService
from grins_platform.requests.models import RequestStatus, ServiceRequest
from grins_platform.requests.schemas import RequestConvert
from grins_platform.requests.service import RequestNotFound, apply_status
from grins_platform.requests.transitions import ensure_transition
from grins_platform.users.models import User


@dataclass(frozen=True, slots=True)
class Conversion:
    """What a conversion produced."""

    request: ServiceRequest
    customer: Customer
    property: Property | None
    customer_created: bool
    property_created: bool


ConversionHook = Callable[[AsyncSession, Conversion, Actor], Awaitable[None]]
CONVERSION_HOOKS: Final[list[ConversionHook]] = []
"""Run inside the conversion's transaction, in order (e.g. create the job)."""


class RequestConversionService(LoggerMixin):
    """The cross-domain use case: request → customer (+ property)."""

    DOMAIN = "requests"
    COMPONENT = "conversion"

    def __init__(self, session: AsyncSession, geocoder: Geocoder) -> None:
        self.session = session
        self.uow = UnitOfWork(session)
        self.customers = CustomerService(session)
        self.properties = PropertyService(session, geocoder)
        self.consents = ConsentService(session)
        self.audit = AuditService(session)

    async def convert(
        self,
        request_id: uuid.UUID,
        data: RequestConvert,
        *,
        user: User,
        ip: str | None = None,
    ) -> Conversion:
        """Convert an open request (409 if it is closed already)."""
        request = await self.customers.session.get(
            ServiceRequest, request_id, with_for_update=True
        )
        if request is None:
            raise RequestNotFound
        ensure_transition(request.status, RequestStatus.CONVERTED)
        actor = Actor.of(user, ip)
        place = _property_body(request, data)
        customer, customer_created = await self._customer(request, data, actor)
        prop, property_created = await self._property(customer, place, actor)
        apply_status(request, RequestStatus.CONVERTED)
        if request.sms_consent:
            await self.consents.stage_consent(
                customer.id,
                ConsentCreate(
                    channel=ConsentChannel.SMS,
                    purpose=ConsentPurpose.TRANSACTIONAL,
                    granted=True,
                    source=request.source.value,
                    wording_version=request.consent_wording_version,
                ),
                actor=Actor.public(str(request.ip) if request.ip else None),
            )
        request.customer_id = customer.id
        request.property_id = prop.id if prop else None
        await self.session.flush()
        conversion = Conversion(
            request, customer, prop, customer_created, property_created
        )
        await self.audit.record(
            actor,
            "service_request.converted",
            "service_request",
            request.id,
            before={"status": "open"},
            after={
                "status": request.status,
                "customer_id": customer.id,
                "property_id": prop.id if prop else None,
                "customer_created": customer_created,
                "property_created": property_created,
            },
        )
        for hook in CONVERSION_HOOKS:
            await hook(self.session, conversion, actor)
        await self.uow.commit()
        self.log_completed(
            "convert",
            request_id=str(request.id),
            customer_id=str(customer.id),
            customer_created=customer_created,
        )
        return conversion

    async def _customer(
        self, request: ServiceRequest, data: RequestConvert, actor: Actor
    ) -> tuple[Customer, bool]:
        repo = self.customers.customers
        if data.customer_id is not None:
            found = await repo.get_live(data.customer_id, for_update=True)
            if found is None:
                raise CustomerNotFound
            return found, False
        match = None
        if request.phone:
            match = await repo.find_by_phone(request.phone)
        if match is None and request.email:
            match = await repo.find_by_email(request.email)
        if match is not None:
            locked = await repo.get_live(match.id, for_update=True)
            return locked or match, False
        created = await self.customers.stage_create(
            CustomerCreate(
                name=request.name,
                phone=request.phone,
                email=request.email,
                lead_source=request.source.value,
                notes=request.message,
            ),
            actor,
        )
        return created, True

    async def _property(
        self, customer: Customer, place: PropertyCreate | None, actor: Actor
    ) -> tuple[Property | None, bool]:
        if place is None:
            return None, False
        existing = await self.session.scalar(
            select(Property).where(
                Property.customer_id == customer.id,
                Property.deleted_at.is_(None),
                func.lower(Property.address) == place.address.lower(),
            )
        )
        if existing is not None:
            return existing, False
        return await self.properties.stage_create(customer, place, actor), True


def _property_body(
    request: ServiceRequest, data: RequestConvert
) -> PropertyCreate | None:
    """The property to match or create, or ``None`` without an address.

    Raises:
        ValidationFailed: The address lacks the city or a valid ZIP.
    """
    address = data.address or request.address
    if address is None:
        return None
    try:
        return PropertyCreate.model_validate(
            {
                "address": address,
                "city": data.city or request.city,
                "zip_code": data.zip_code or request.zip_code,
                "state": data.state or "MN",
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "address"
        raise ValidationFailed(
            field, f"needed for the property: {first['msg']}"
        ) from None
