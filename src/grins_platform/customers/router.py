"""``/api/v1/customers``: the customer book, consent ledger, duplicates and merge.

Reads and updates are open to every signed-in user for the customers they may see
(technicians: only those behind their own appointments, others are 404); creating,
deleting and merging are for the office.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from grins_platform.audit.service import Actor
from grins_platform.auth.dependencies import ClientDep, CurrentUser, ManagerUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.customers.consent import consent_state
from grins_platform.customers.dependencies import (
    ConsentServiceDep,
    CustomerQueriesDep,
    CustomerServiceDep,
    MergeServiceDep,
)
from grins_platform.customers.schemas import (
    ConsentCreate,
    ConsentRead,
    ConsentState,
    CustomerCreate,
    CustomerHistoryRead,
    CustomerRead,
    CustomerSort,
    CustomerUpdate,
    DuplicateCandidate,
    MergeRequest,
)
from grins_platform.customers.search import CustomerQuery
from grins_platform.customers.service import CustomerService
from grins_platform.customers.writes import CustomerWrites
from grins_platform.db.session import ReadsDep, SessionOpenerDep

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", response_model=CustomerRead, status_code=status.HTTP_201_CREATED)
async def create_customer(
    body: CustomerCreate,
    user: ManagerUser,
    client: ClientDep,
    reads: ReadsDep,
    sessions: SessionOpenerDep,
) -> CustomerRead:
    """Office. Add a customer; a known phone or email is 409 with ``existing_id``.

    One statement (``customers/writes.py``); when it adds nothing, the ORM use case
    answers (the 409 naming what is taken, or the 422).
    """
    created = await CustomerWrites(reads).create(body, Actor.of(user, client.ip))
    if created is not None:
        return created
    service = CustomerService(await sessions())
    customer = await service.create_customer(body, user=user, ip=client.ip)
    return CustomerRead.model_validate(customer)


@router.get("", response_model=Page[CustomerRead])
async def list_customers(
    *,
    user: CurrentUser,
    queries: CustomerQueriesDep,
    page: PageDep,
    q: Annotated[
        str | None,
        Query(max_length=100, description="name, phone (any format), email, street"),
    ] = None,
    is_priority: Annotated[bool | None, Query()] = None,
    is_red_flag: Annotated[bool | None, Query()] = None,
    is_slow_payer: Annotated[bool | None, Query()] = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    lead_source: Annotated[str | None, Query(max_length=50)] = None,
    has_open_work: Annotated[
        bool | None, Query(description="open requests (and, later, jobs)")
    ] = None,
    sort: Annotated[CustomerSort, Query()] = CustomerSort.NAME,
) -> Page[CustomerRead]:
    """Search and filter the customers the caller may see."""
    query = CustomerQuery(
        q=q,
        is_priority=is_priority,
        is_red_flag=is_red_flag,
        is_slow_payer=is_slow_payer,
        city=city,
        lead_source=lead_source,
        has_open_work=has_open_work,
        sort=sort,
    )
    return await queries.page(query, user, limit=page.limit, offset=page.offset)


@router.get("/{customer_id}", response_model=CustomerRead)
async def get_customer(
    customer_id: uuid.UUID, user: CurrentUser, queries: CustomerQueriesDep
) -> CustomerRead:
    """One customer (a merged one is 404 naming ``merged_into_id``)."""
    return await queries.get(customer_id, user)


@router.patch("/{customer_id}", response_model=CustomerRead)
async def update_customer(
    customer_id: uuid.UUID,
    body: CustomerUpdate,
    user: CurrentUser,
    client: ClientDep,
    service: CustomerServiceDep,
) -> CustomerRead:
    """Change a customer the caller may see."""
    customer = await service.update_customer(customer_id, body, user=user, ip=client.ip)
    return CustomerRead.model_validate(customer)


@router.delete("/{customer_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_customer(
    customer_id: uuid.UUID,
    user: ManagerUser,
    client: ClientDep,
    service: CustomerServiceDep,
) -> Response:
    """Office. Soft-delete a customer (kept for history)."""
    await service.delete_customer(customer_id, user=user, ip=client.ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{customer_id}/history", response_model=CustomerHistoryRead)
async def get_customer_history(
    customer_id: uuid.UUID, user: CurrentUser, queries: CustomerQueriesDep
) -> CustomerHistoryRead:
    """The customer with properties, requests, jobs and consent."""
    return await queries.history(customer_id, user)


@router.post(
    "/{customer_id}/consents",
    response_model=ConsentRead,
    status_code=status.HTTP_201_CREATED,
)
async def record_consent(
    customer_id: uuid.UUID,
    body: ConsentCreate,
    user: CurrentUser,
    client: ClientDep,
    service: ConsentServiceDep,
) -> ConsentRead:
    """Append an opt-in or opt-out to the ledger (never edited afterwards)."""
    row = await service.record_consent(customer_id, body, user=user, ip=client.ip)
    return ConsentRead.model_validate(row)


@router.get("/{customer_id}/consents", response_model=ConsentState)
async def get_consents(
    customer_id: uuid.UUID, user: CurrentUser, service: ConsentServiceDep
) -> ConsentState:
    """The consent in force per channel and purpose, and the whole ledger."""
    ledger = await service.ledger(customer_id, user=user)
    return consent_state([ConsentRead.model_validate(row) for row in ledger])


@router.get("/{customer_id}/duplicates", response_model=list[DuplicateCandidate])
async def list_duplicate_candidates(
    customer_id: uuid.UUID, user: ManagerUser, service: MergeServiceDep
) -> list[DuplicateCandidate]:
    """Office. Customers that may be the same: phone, email, or name + ZIP/street."""
    return [
        DuplicateCandidate(
            customer=CustomerRead.model_validate(c.customer), reasons=c.reasons
        )
        for c in await service.find_duplicates(customer_id, user=user)
    ]


@router.post("/{customer_id}/merge", response_model=CustomerRead)
async def merge_customer(
    customer_id: uuid.UUID,
    body: MergeRequest,
    user: ManagerUser,
    client: ClientDep,
    service: MergeServiceDep,
) -> CustomerRead:
    """Office. Merge ``duplicate_id`` into this customer, moving everything."""
    survivor = await service.merge_customers(
        customer_id, body.duplicate_id, user=user, ip=client.ip
    )
    return CustomerRead.model_validate(survivor)
