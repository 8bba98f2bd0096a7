"""Builders for catalog and job tests: ``await make_offering(session, ...)``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.catalog.models import Offering, OfferingCategory, PricingModel
from grins_platform.catalog.seed import seed_reference_catalog
from grins_platform.customers.models import Customer
from grins_platform.jobs.models import Job, JobCategory, JobSource, JobStatus
from grins_platform.properties.models import Property
from tests.factories import fake


async def seed_catalog(session: AsyncSession) -> dict[str, Offering]:
    """The reference catalog, by code."""
    from sqlalchemy import select  # noqa: PLC0415

    await seed_reference_catalog(session)
    rows = (await session.scalars(select(Offering))).all()
    return {o.code: o for o in rows}


async def make_offering(
    session: AsyncSession,
    *,
    code: str | None = None,
    pricing_model: PricingModel = PricingModel.PER_ZONE,
    category: OfferingCategory = OfferingCategory.SEASONAL,
    **fields: Any,
) -> Offering:
    """A saved offering (defaults: $50 + $10/zone, 30 min + 3/zone)."""
    values: dict[str, Any] = {
        "code": code or f"offering_{fake.unique.random_int(1, 10**9)}",
        "name": fake.catch_phrase()[:100],
        "category": category,
        "pricing_model": pricing_model,
        "base_price_cents": 5000,
        "per_zone_price_cents": 1000,
        "base_minutes": 30,
        "per_zone_minutes": 3,
    }
    values.update(fields)
    offering = Offering(**values)
    session.add(offering)
    await session.flush()
    return offering


async def make_client(
    session: AsyncSession, *, active: bool = True, **fields: Any
) -> Customer:
    """A saved customer (minimal, for catalog/job tests)."""
    values: dict[str, Any] = {
        "name": fake.name(),
        "phone": f"+1612{fake.unique.random_int(2000000, 9999999)}",
        "email": fake.unique.email(),
        "is_active": active,
    }
    values.update(fields)
    customer = Customer(**values)
    session.add(customer)
    await session.flush()
    return customer


async def make_site(
    session: AsyncSession,
    customer: Customer | None = None,
    *,
    zone_count: int | None = 8,
    city: str = "Plymouth",
    **fields: Any,
) -> Property:
    """A saved property (creating its customer when none is given)."""
    owner = customer or await make_client(session)
    values: dict[str, Any] = {
        "customer_id": owner.id,
        "is_primary": True,
        "address": fake.street_address(),
        "city": city,
        "zip_code": "55447",
        "zone_count": zone_count,
        "latitude": 45.02,
        "longitude": -93.45,
    }
    values.update(fields)
    prop = Property(**values)
    session.add(prop)
    await session.flush()
    return prop


async def make_job(
    session: AsyncSession,
    *,
    site: Property | None = None,
    offering: Offering | None = None,
    status: JobStatus = JobStatus.APPROVED,
    target_week: date | None = None,
    **fields: Any,
) -> Job:
    """A saved job (on a new property unless one is given)."""
    prop = site or await make_site(session)
    values: dict[str, Any] = {
        "customer_id": prop.customer_id,
        "property_id": prop.id,
        "offering_id": offering.id if offering else None,
        "title": offering.name if offering else "Repair",
        "category": JobCategory.READY_TO_SCHEDULE,
        "status": status,
        "source": JobSource.STAFF,
        "zone_count": prop.zone_count,
        "quoted_price_cents": 13000,
        "estimated_minutes": 54,
        "target_week": target_week,
    }
    values.update(fields)
    job = Job(**values)
    session.add(job)
    await session.flush()
    return job
