"""The one-statement customer create (``customers/writes.py``) against the ORM's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor
from grins_platform.customers.models import ContactChannel, Customer
from grins_platform.customers.schemas import CustomerCreate
from grins_platform.customers.service import CustomerService
from grins_platform.customers.writes import CustomerWrites
from grins_platform.db.reads import SessionReads
from grins_platform.users.models import Role
from tests.factories import audit_entries_of, make_user

_MADE_HERE = {"id", "created_at", "updated_at"}


async def test_a_created_customer_and_its_audit_entry_are_the_orm_use_cases(
    session: AsyncSession,
) -> None:
    office = await make_user(session, role=Role.MANAGER)
    actor = Actor.of(office, "192.0.2.8")
    writes = CustomerWrites(SessionReads(session))
    service = CustomerService(session)
    pairs = [
        (
            CustomerCreate(name="Ada Fast", phone="612 555 0101", lead_source="web"),
            CustomerCreate(name="Ada Slow", phone="612 555 0102", lead_source="web"),
        ),
        (
            CustomerCreate(
                name="Bo Fast",
                company="Lakes HOA",
                email="Bo.Fast@Example.com",
                alt_phone="952 555 0111",
                preferred_channel=ContactChannel.EMAIL,
                is_priority=True,
                notes="gate on the left",
            ),
            CustomerCreate(
                name="Bo Slow",
                company="Lakes HOA",
                email="bo.slow@example.com",
                alt_phone="952 555 0112",
                preferred_channel=ContactChannel.EMAIL,
                is_priority=True,
                notes="gate on the left",
            ),
        ),
    ]
    for fast_data, slow_data in pairs:
        fast = await writes.create(fast_data, actor)
        assert fast is not None
        slow = await service.stage_create(slow_data, actor)
        await session.flush()
        stored = await session.get(Customer, fast.id)
        assert stored is not None
        await session.refresh(stored)
        assert (fast.created_at, fast.updated_at) == (
            stored.created_at,
            stored.updated_at,
        )
        skip = {*_MADE_HERE, "name", "phone", "alt_phone", "email", "search_vector"}
        columns = [c.key for c in Customer.__table__.columns if c.key not in skip]
        assert {c: getattr(stored, c) for c in columns} == {
            c: getattr(slow, c) for c in columns
        }
        fast_entry, slow_entry = await audit_entries_of(session, fast.id, slow.id)
        fast_after, slow_after = fast_entry.after, slow_entry.after
        assert fast_after is not None
        assert slow_after is not None
        assert set(fast_after) == set(slow_after)
        assert fast_after["name"] == fast_data.name
        assert fast_after["phone"] == fast_data.phone
        assert fast_entry.action == "customer.created"
        assert str(fast_entry.ip) == "192.0.2.8"
        assert fast_entry.actor_id == office.id


async def test_a_taken_phone_or_email_adds_nothing(session: AsyncSession) -> None:
    writes = CustomerWrites(SessionReads(session))
    actor = Actor.system()
    first = await writes.create(
        CustomerCreate(name="Cy", phone="612 555 0121", email="cy@example.com"), actor
    )
    assert first is not None
    for taken in (
        CustomerCreate(name="Dup phone", phone="612 555 0121"),
        CustomerCreate(
            name="Dup as alt", phone="612 555 0199", alt_phone="612 555 0121"
        ),
        CustomerCreate(name="Dup email", email="CY@example.com"),
        CustomerCreate(name="Nothing to reach them by"),
    ):
        assert await writes.create(taken, actor) is None, taken.name
    names = (
        await session.scalars(select(Customer.name).where(Customer.name.like("Dup%")))
    ).all()
    assert names == []
