"""Two bookings of one slot at the same moment: PostgreSQL lets exactly one through.

No ``btree_gist`` is involved (the embedded server has none): the staff row lock plus
the overlap check in one transaction is the whole guarantee, in both test modes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import time
from typing import Any

import bcrypt
import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grins_platform.appointments.models import Appointment
from grins_platform.users.models import Role, User
from tests.conftest import remember_secret
from tests.factories import DEFAULT_PASSWORD
from tests.scheduling_factories import make_crew, make_job, make_staff

pytestmark = pytest.mark.integration
SLOT = "2026-12-07T09:00:00-06:00"


async def _setup(engine: AsyncEngine) -> tuple[list[str], list[str], str]:
    """A committed manager, two staff in a crew and four approved jobs."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        session.add(
            User(
                email="office@example.com",
                name="Office",
                role=Role.MANAGER,
                password_hash=bcrypt.hashpw(
                    DEFAULT_PASSWORD.encode(), bcrypt.gensalt(rounds=4)
                ).decode(),
            )
        )
        staff = [
            await make_staff(session, lunch=(time(11), time(13), 30)) for _ in range(2)
        ]
        crew = await make_crew(session, staff, name="Race crew")
        jobs = [await make_job(session) for _ in range(4)]
        await session.commit()
        return [str(s.id) for s in staff], [str(j.id) for j in jobs], str(crew.id)


async def _headers(client: AsyncClient) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": "office@example.com", "password": DEFAULT_PASSWORD},
    )
    token = remember_secret(response.json()["access_token"])
    remember_secret(response.json()["refresh_token"])
    return {"Authorization": f"Bearer {token}"}


async def test_parallel_bookings_of_one_slot_give_one_201_and_one_409(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    staff, jobs, crew = await _setup(engine)
    headers = await _headers(committed_client)

    def book(job: str, **who: str) -> Coroutine[Any, Any, Response]:
        return committed_client.post(
            "/api/v1/appointments",
            headers=headers,
            json={"job_id": job, "planned_start": SLOT, **who},
        )

    solo = await asyncio.gather(
        book(jobs[0], staff_id=staff[0]),
        book(jobs[1], staff_id=staff[0]),
    )
    assert sorted(r.status_code for r in solo) == [201, 409]
    crew_race = await asyncio.gather(
        book(jobs[2], crew_id=crew),
        book(jobs[3], staff_id=staff[1]),
    )
    assert sorted(r.status_code for r in crew_race) == [201, 409]
    async with AsyncSession(engine) as session:
        count = await session.scalar(select(func.count()).select_from(Appointment))
    assert count == 2
