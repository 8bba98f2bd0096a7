"""Injected customer services and reads (``CustomerServiceDep`` and friends)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from grins_platform.customers.consent import ConsentService
from grins_platform.customers.merge import MergeService
from grins_platform.customers.queries import CustomerQueries
from grins_platform.customers.service import CustomerService
from grins_platform.db.session import ReadsDep, SessionDep


def get_customer_service(session: SessionDep) -> CustomerService:
    """The customer service for this request."""
    return CustomerService(session)


def get_consent_service(session: SessionDep) -> ConsentService:
    """The consent service for this request."""
    return ConsentService(session)


def get_merge_service(session: SessionDep) -> MergeService:
    """The duplicate/merge service for this request."""
    return MergeService(session)


async def get_customer_queries(reads: ReadsDep) -> CustomerQueries:
    """Customer reads for this request (read models, no ORM session)."""
    return CustomerQueries(reads)


CustomerServiceDep = Annotated[CustomerService, Depends(get_customer_service)]
ConsentServiceDep = Annotated[ConsentService, Depends(get_consent_service)]
MergeServiceDep = Annotated[MergeService, Depends(get_merge_service)]
CustomerQueriesDep = Annotated[CustomerQueries, Depends(get_customer_queries)]
