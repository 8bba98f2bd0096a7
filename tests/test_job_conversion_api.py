"""Converting a service request creates its job in the same transaction."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.catalog.models import Offering
from grins_platform.jobs.models import Job, JobCategory, JobSource, JobStatus
from grins_platform.properties.models import Property
from grins_platform.users.models import Role
from tests.factories import LoggedIn, logged_in, make_service_request
from tests.job_factories import seed_catalog

pytestmark = pytest.mark.api
REQUESTS = "/api/v1/requests"


@pytest.fixture
async def office(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    await seed_catalog(session)
    return await logged_in(app_client, session, Role.MANAGER)


async def _convert(
    app_client: AsyncClient, office: LoggedIn, request_id: uuid.UUID
) -> dict[str, object]:
    response = await app_client.post(
        f"{REQUESTS}/{request_id}/convert", headers=office.headers, json={}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def _job_of(session: AsyncSession, request_id: uuid.UUID) -> Job:
    return (
        await session.scalars(select(Job).where(Job.request_id == request_id))
    ).one()


async def test_known_offering_becomes_a_priced_job(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    request = await make_service_request(
        session,
        address="77 Lakeview Dr",
        city="Rogers",
        zip_code="55374",
        service_wanted="Fall Winterization",
        message="gate on the left",
        preferred_week=date(2026, 10, 14),
    )
    await _convert(app_client, office, request.id)
    job = await _job_of(session, request.id)
    prop = await session.get(Property, job.property_id)
    assert prop is not None
    prop.zone_count = None  # the new property's zone count is unknown...
    offering = (
        await session.scalars(
            select(Offering).where(Offering.code == "fall_winterization")
        )
    ).one()
    # ...so a per-zone offering cannot be priced yet: an estimate is needed.
    assert job.offering_id is None
    assert job.title == offering.name
    assert job.category is JobCategory.REQUIRES_ESTIMATE
    assert job.source is JobSource.REQUEST
    assert job.status is JobStatus.REQUESTED
    assert job.target_week == date(2026, 10, 12)
    assert job.description == "gate on the left"


async def test_flat_offering_is_ready_to_schedule(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    request = await make_service_request(
        session,
        address="12 Elm St",
        city="Plymouth",
        zip_code="55447",
        service_wanted="head_replacement",
    )
    body = await _convert(app_client, office, request.id)
    job = await _job_of(session, request.id)
    assert job.category is JobCategory.READY_TO_SCHEDULE
    assert job.quoted_price_cents == 5000
    customer = body["customer"]
    assert isinstance(customer, dict)
    assert str(job.customer_id) == customer["id"]


async def test_free_text_wish_needs_an_estimate(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    request = await make_service_request(
        session,
        address="5 Oak Ave",
        city="Maple Grove",
        zip_code="55369",
        service_wanted="sprinkler sprays the driveway",
    )
    await _convert(app_client, office, request.id)
    job = await _job_of(session, request.id)
    assert job.category is JobCategory.REQUIRES_ESTIMATE
    assert job.title == "sprinkler sprays the driveway"
    assert job.quoted_price_cents is None


async def test_no_address_means_no_job(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    request = await make_service_request(session, service_wanted="diagnostic")
    body = await _convert(app_client, office, request.id)
    assert body["property"] is None
    jobs = (
        await session.scalars(select(Job).where(Job.request_id == request.id))
    ).all()
    assert jobs == []
