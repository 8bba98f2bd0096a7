"""``/api/v1/jobs``: creation and pricing, workflow, lists, line items, batches."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.catalog.models import Offering, PriceOverride, ServicePlan
from grins_platform.jobs.models import Job, JobStatus, JobStatusChange
from grins_platform.users.models import Role
from tests.factories import LoggedIn, logged_in, login, make_user
from tests.job_factories import make_client, make_job, make_site, seed_catalog

pytestmark = pytest.mark.api
JOBS = "/api/v1/jobs"


@pytest.fixture
async def catalog(session: AsyncSession) -> dict[str, Offering]:
    return await seed_catalog(session)


@pytest.fixture
async def manager(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.MANAGER)


@pytest.fixture
async def tech(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.TECHNICIAN)


async def test_create_from_offering_is_priced_and_ready(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
) -> None:
    site = await make_site(session, zone_count=12)
    response = await app_client.post(
        JOBS,
        headers=manager.headers,
        json={
            "property_id": str(site.id),
            "offering_id": str(catalog["fall_winterization"].id),
            "target_week": "2026-W41",
            "priority": 2,
        },
    )
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["category"] == "ready_to_schedule"
    assert job["status"] == "requested"
    assert job["quoted_price_cents"] == 6000 + 12 * 1200
    assert job["estimated_minutes"] == 25 + 2 * 12
    assert job["required_equipment"] == ["compressor"]
    assert job["target_week"] == "2026-10-05"
    assert job["target_week_label"] == "2026-W41"
    assert job["customer_id"] == str(site.customer_id)
    assert job["allowed_next"] == ["approved", "on_hold", "cancelled"]
    assert job["total_cents"] == job["quoted_price_cents"]
    entries = await session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "job.created")
    )
    assert entries == 1


async def test_custom_and_free_text_jobs_need_an_estimate(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
) -> None:
    site = await make_site(session, zone_count=6)
    custom = await app_client.post(
        JOBS,
        headers=manager.headers,
        json={
            "property_id": str(site.id),
            "offering_id": str(catalog["new_system"].id),
        },
    )
    assert custom.json()["category"] == "requires_estimate"
    assert custom.json()["quoted_price_cents"] is None
    assert custom.json()["total_cents"] is None
    assert custom.json()["staff_needed"] == 3
    free = await app_client.post(
        JOBS,
        headers=manager.headers,
        json={"property_id": str(site.id), "title": "Sprinklers spray the house"},
    )
    assert free.json()["category"] == "requires_estimate"
    # Approving needs a price first; pricing it makes it ready.
    job_id = custom.json()["id"]
    refused = await app_client.post(
        f"{JOBS}/{job_id}/transitions",
        headers=manager.headers,
        json={"to_status": "approved"},
    )
    assert refused.status_code == 422
    priced = await app_client.patch(
        f"{JOBS}/{job_id}", headers=manager.headers, json={"quoted_price_cents": 420000}
    )
    assert priced.json()["category"] == "ready_to_schedule"
    approved = await app_client.post(
        f"{JOBS}/{job_id}/transitions",
        headers=manager.headers,
        json={"to_status": "approved"},
    )
    assert approved.status_code == 200


async def test_override_prices_the_job(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
) -> None:
    builder = await make_client(session, name="Lakeview Builders")
    site = await make_site(session, builder, zone_count=10)
    session.add(
        PriceOverride(
            customer_id=builder.id,
            offering_id=catalog["new_system"].id,
            per_zone_price_cents=70000,
        )
    )
    await session.flush()
    response = await app_client.post(
        JOBS,
        headers=manager.headers,
        json={
            "property_id": str(site.id),
            "offering_id": str(catalog["new_system"].id),
        },
    )
    assert response.json()["quoted_price_cents"] == 700000
    assert response.json()["category"] == "ready_to_schedule"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"priority": 7}, "priority"),
        ({"target_week": "2026-W60"}, "target_week"),
        ({"span_days": 0}, "span_days"),
        ({"required_skills": ["juggling"]}, "required_skills"),
        ({"offering_id": "00000000-0000-0000-0000-000000000000"}, "offering_id"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_create_422_names_the_field(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
    extra: dict[str, object],
    field: str,
) -> None:
    site = await make_site(session)
    payload = {
        "property_id": str(site.id),
        "offering_id": str(catalog["head_replacement"].id),
    }
    response = await app_client.post(
        JOBS, headers=manager.headers, json={**payload, **extra}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


async def test_create_errors(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
) -> None:
    no_zones = await make_site(session, zone_count=None)
    response = await app_client.post(
        JOBS,
        headers=manager.headers,
        json={
            "property_id": str(no_zones.id),
            "offering_id": str(catalog["spring_startup"].id),
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "zone_count"
    no_title = await app_client.post(
        JOBS, headers=manager.headers, json={"property_id": str(no_zones.id)}
    )
    assert no_title.json()["detail"][0]["field"] == "title"
    missing = await app_client.post(
        JOBS,
        headers=manager.headers,
        json={"property_id": str(uuid.uuid4()), "title": "x"},
    )
    assert missing.status_code == 404


async def test_walk_every_legal_transition_and_refuse_illegal_ones(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
) -> None:
    job = await make_job(
        session, offering=catalog["head_replacement"], status=JobStatus.REQUESTED
    )
    url = f"{JOBS}/{job.id}/transitions"

    async def move(target: str, reason: str | None = None) -> dict[str, object]:
        response = await app_client.post(
            url, headers=manager.headers, json={"to_status": target, "reason": reason}
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    await move("approved")
    held = await move("on_hold", "customer travelling")
    assert held["allowed_next"] == ["approved", "cancelled"]
    wrong = await app_client.post(
        url, headers=manager.headers, json={"to_status": "scheduled"}
    )
    assert wrong.status_code == 409
    assert wrong.json()["current_status"] == "on_hold"
    assert wrong.json()["allowed"] == ["approved", "cancelled"]
    await move("approved")
    await move("scheduled")
    await move("in_progress")
    await move("completed")
    closed = await move("closed")
    assert closed["allowed_next"] == []
    history = closed["history"]
    assert isinstance(history, list)
    assert [h["to_status"] for h in history] == [
        "approved",
        "on_hold",
        "approved",
        "scheduled",
        "in_progress",
        "completed",
        "closed",
    ]
    assert history[1]["reason"] == "customer travelling"
    assert history[0]["changed_by_id"] == str(manager.user.id)
    final = await app_client.post(
        url, headers=manager.headers, json={"to_status": "cancelled"}
    )
    assert final.status_code == 409
    assert "none (final status)" in final.json()["detail"]
    frozen = await app_client.patch(
        f"{JOBS}/{job.id}", headers=manager.headers, json={"notes": "x"}
    )
    assert frozen.status_code == 422
    bad = await app_client.post(
        url, headers=manager.headers, json={"to_status": "finished"}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "to_status"
    audits = await session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == "job.status_changed", AuditEntry.entity_id == job.id
        )
    )
    assert audits == 7


async def test_cancel_from_any_open_state(
    app_client: AsyncClient, manager: LoggedIn, session: AsyncSession
) -> None:
    for status in (
        JobStatus.REQUESTED,
        JobStatus.APPROVED,
        JobStatus.SCHEDULED,
        JobStatus.IN_PROGRESS,
    ):
        job = await make_job(session, status=status)
        response = await app_client.post(
            f"{JOBS}/{job.id}/transitions",
            headers=manager.headers,
            json={"to_status": "cancelled", "reason": "customer moved"},
        )
        assert response.status_code == 200, status
    done = await make_job(session, status=JobStatus.COMPLETED)
    refused = await app_client.post(
        f"{JOBS}/{done.id}/transitions",
        headers=manager.headers,
        json={"to_status": "cancelled"},
    )
    assert refused.status_code == 409


async def test_two_concurrent_transitions_cannot_both_succeed(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as setup:
        user = await make_user(setup, role=Role.MANAGER)
        job = await make_job(setup, status=JobStatus.APPROVED)
        await setup.commit()
    me = await login(committed_client, user)
    url = f"{JOBS}/{job.id}/transitions"
    # Four clerks schedule the same approved job at once: the row lock lets one
    # through; the others find it already scheduled (scheduled -> scheduled is illegal).
    responses = await asyncio.gather(
        *[
            committed_client.post(
                url, headers=me.headers, json={"to_status": "scheduled"}
            )
            for _ in range(4)
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409]
    async with engine.connect() as conn:
        changes = await conn.scalar(
            select(func.count())
            .select_from(JobStatusChange)
            .where(JobStatusChange.job_id == job.id)
        )
    assert changes == 1


async def test_line_items_and_totals(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
) -> None:
    job = await make_job(
        session, offering=catalog["head_replacement"], quoted_price_cents=5000
    )
    url = f"{JOBS}/{job.id}/line-items"
    first = await app_client.post(
        url,
        headers=manager.headers,
        json={
            "description": "Extra rotor heads",
            "quantity": 3,
            "unit_price_cents": 2500,
        },
    )
    assert first.status_code == 201
    credit = await app_client.post(
        url,
        headers=manager.headers,
        json={"description": "Loyalty credit", "unit_price_cents": -1000},
    )
    body = credit.json()
    assert body["total_cents"] == 5000 + 3 * 2500 - 1000
    item_id = body["line_items"][0]["id"]
    removed = await app_client.delete(f"{url}/{item_id}", headers=manager.headers)
    assert removed.json()["total_cents"] == 5000 - 1000
    again = await app_client.delete(f"{url}/{item_id}", headers=manager.headers)
    assert again.status_code == 404
    zero = await app_client.post(
        url,
        headers=manager.headers,
        json={"description": "x", "quantity": 0, "unit_price_cents": 1},
    )
    assert zero.status_code == 422
    assert zero.json()["detail"][0]["field"] == "quantity"
    final = await app_client.patch(
        f"{JOBS}/{job.id}", headers=manager.headers, json={"final_price_cents": 4500}
    )
    assert final.json()["total_cents"] == 4500 - 1000


async def test_working_lists_filters_sorting_counts(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
) -> None:
    week41, week42 = date(2026, 10, 5), date(2026, 10, 12)
    rogers = await make_site(session, city="Rogers")
    plymouth = await make_site(session, city="Plymouth")
    urgent = await make_job(
        session,
        site=rogers,
        target_week=week41,
        priority=3,
        offering=catalog["fall_winterization"],
    )
    normal = await make_job(session, site=plymouth, target_week=week41, priority=1)
    await make_job(session, site=plymouth, target_week=week42)
    await make_job(
        session, site=plymouth, target_week=week41, status=JobStatus.REQUESTED
    )
    estimate = await make_job(
        session,
        site=rogers,
        category="requires_estimate",
        status=JobStatus.REQUESTED,
        quoted_price_cents=None,
    )
    ready = await app_client.get(
        f"{JOBS}/ready", headers=manager.headers, params={"week": "2026-W41"}
    )
    assert [j["id"] for j in ready.json()["items"]] == [str(urgent.id), str(normal.id)]
    needs = await app_client.get(
        JOBS, headers=manager.headers, params={"category": "requires_estimate"}
    )
    assert [j["id"] for j in needs.json()["items"]] == [str(estimate.id)]
    in_rogers = await app_client.get(
        JOBS, headers=manager.headers, params={"city": "ROGERS"}
    )
    assert in_rogers.json()["total"] == 2
    by_offering = await app_client.get(
        JOBS,
        headers=manager.headers,
        params={"offering_id": str(catalog["fall_winterization"].id)},
    )
    assert by_offering.json()["total"] == 1
    two_statuses = await app_client.get(
        JOBS,
        headers=manager.headers,
        params=[("status", "requested"), ("status", "approved")],
    )
    assert two_statuses.json()["total"] == 5
    paged = await app_client.get(
        JOBS,
        headers=manager.headers,
        params={"sort": "priority", "order": "asc", "limit": 2},
    )
    assert paged.json()["total"] == 5
    assert len(paged.json()["items"]) == 2
    counts = await app_client.get(f"{JOBS}/counts", headers=manager.headers)
    as_map = {c["status"]: c["count"] for c in counts.json()}
    assert as_map["approved"] == 3
    assert as_map["requested"] == 2
    assert as_map["closed"] == 0
    bad = await app_client.get(JOBS, headers=manager.headers, params={"sort": "name"})
    assert bad.status_code == 422


async def test_technicians_see_no_jobs_without_appointments(
    app_client: AsyncClient, tech: LoggedIn, session: AsyncSession
) -> None:
    job = await make_job(session)
    assert (
        await app_client.get(f"{JOBS}/{job.id}", headers=tech.headers)
    ).status_code == 404
    listed = await app_client.get(JOBS, headers=tech.headers)
    assert listed.json()["total"] == 0
    assert (
        await app_client.post(
            f"{JOBS}/{job.id}/transitions",
            headers=tech.headers,
            json={"to_status": "cancelled"},
        )
    ).status_code == 403
    assert (
        await app_client.post(
            f"{JOBS}/{job.id}/transitions",
            headers=tech.headers,
            json={"to_status": "in_progress"},
        )
    ).status_code == 404
    assert (
        await app_client.patch(
            f"{JOBS}/{job.id}", headers=tech.headers, json={"quoted_price_cents": 1}
        )
    ).status_code == 404
    for method, url in [
        ("POST", JOBS),
        ("GET", f"{JOBS}/ready"),
        ("POST", f"{JOBS}/seasonal-batch"),
        ("DELETE", f"{JOBS}/{job.id}/line-items/{uuid.uuid4()}"),
    ]:
        response = await app_client.request(method, url, headers=tech.headers, json={})
        assert response.status_code == 403, (method, url)


async def test_jobs_require_authentication(app_client: AsyncClient) -> None:
    for method, url in [
        ("GET", JOBS),
        ("POST", JOBS),
        ("GET", f"{JOBS}/counts"),
        ("GET", f"{JOBS}/{uuid.uuid4()}"),
        ("POST", f"{JOBS}/seasonal-batch"),
    ]:
        assert (await app_client.request(method, url, json={})).status_code == 401


async def test_seasonal_batch_dry_run_then_twice_for_real(
    app_client: AsyncClient,
    manager: LoggedIn,
    session: AsyncSession,
    catalog: dict[str, Offering],
) -> None:
    winter = catalog["fall_winterization"]
    last_year = datetime(2025, 10, 20, tzinfo=UTC)
    # Had it last year (two cities), on a plan, already has an open one, inactive.
    for city in ("Rogers", "Plymouth", "Rogers"):
        site = await make_site(session, city=city, zone_count=10)
        await make_job(
            session,
            site=site,
            offering=winter,
            status=JobStatus.CLOSED,
            completed_at=last_year,
        )
    planned = await make_client(session)
    await make_site(session, planned, city="Maple Grove", zone_count=4)
    session.add(ServicePlan(customer_id=planned.id, offering_id=winter.id))
    busy_site = await make_site(session, zone_count=8)
    await make_job(
        session,
        site=busy_site,
        offering=winter,
        status=JobStatus.CLOSED,
        completed_at=last_year,
    )
    await make_job(session, site=busy_site, offering=winter, status=JobStatus.APPROVED)
    gone = await make_client(session, active=False)
    gone_site = await make_site(session, gone)
    await make_job(
        session,
        site=gone_site,
        offering=winter,
        status=JobStatus.CLOSED,
        completed_at=last_year,
    )
    await session.flush()
    body = {
        "offering_code": "fall_winterization",
        "year": 2026,
        "first_week": 41,
        "last_week": 44,
    }

    dry = await app_client.post(
        f"{JOBS}/seasonal-batch", headers=manager.headers, json=body
    )
    assert dry.status_code == 200, dry.text
    result = dry.json()
    assert result["dry_run"] is True
    assert result["candidates"] == 4
    assert result["created"] == 0
    assert result["total_value_cents"] == 3 * (6000 + 10 * 1200) + (6000 + 4 * 1200)
    reasons = sorted(i["reason"] for i in result["items"])
    assert reasons == ["last_year", "last_year", "last_year", "service_plan"]
    weeks = {i["city"]: i["target_week"] for i in result["items"]}
    assert set(weeks.values()) <= {
        "2026-10-05",
        "2026-10-12",
        "2026-10-19",
        "2026-10-26",
    }
    rogers_weeks = {i["target_week"] for i in result["items"] if i["city"] == "Rogers"}
    assert len(rogers_weeks) <= 2  # same-city work kept together
    before = await session.scalar(select(func.count()).select_from(Job))

    real = await app_client.post(
        f"{JOBS}/seasonal-batch",
        headers=manager.headers,
        json={**body, "dry_run": False},
    )
    assert real.json()["created"] == 4
    assert (
        await session.scalar(select(func.count()).select_from(Job)) == (before or 0) + 4
    )
    batch_jobs = (
        await session.scalars(select(Job).where(Job.batch_key.is_not(None)))
    ).all()
    assert {j.status for j in batch_jobs} == {JobStatus.APPROVED}
    assert all(j.batch_key == "fall_winterization:2026" for j in batch_jobs)

    again = await app_client.post(
        f"{JOBS}/seasonal-batch",
        headers=manager.headers,
        json={**body, "dry_run": False},
    )
    assert again.json()["created"] == 0
    assert (
        await session.scalar(select(func.count()).select_from(Job)) == (before or 0) + 4
    )


async def test_seasonal_batch_validation(
    app_client: AsyncClient, manager: LoggedIn, catalog: dict[str, Offering]
) -> None:
    base = {
        "offering_code": "fall_winterization",
        "year": 2026,
        "first_week": 44,
        "last_week": 41,
    }
    backwards = await app_client.post(
        f"{JOBS}/seasonal-batch", headers=manager.headers, json=base
    )
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["field"] == "last_week"
    unknown = await app_client.post(
        f"{JOBS}/seasonal-batch",
        headers=manager.headers,
        json={**base, "offering_code": "snow_removal", "first_week": 1, "last_week": 2},
    )
    assert unknown.json()["detail"][0]["field"] == "offering_code"
    no_week_53 = await app_client.post(
        f"{JOBS}/seasonal-batch",
        headers=manager.headers,
        json={**base, "year": 2025, "first_week": 52, "last_week": 53},
    )
    assert no_week_53.status_code == 422


async def test_technician_sees_and_works_only_jobs_on_own_appointments(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    from tests.scheduling_factories import make_appointment, make_staff, utc  # noqa: PLC0415

    me = await logged_in(app_client, session, Role.TECHNICIAN)
    other_user = await make_user(session, role=Role.TECHNICIAN)
    mine_staff = await make_staff(session, user_id=me.user.id)
    other_staff = await make_staff(session, user_id=other_user.id)
    mine = await make_job(session, status=JobStatus.SCHEDULED)
    theirs = await make_job(session, status=JobStatus.SCHEDULED)
    await make_appointment(
        session, mine, mine_staff, utc(2026, 5, 4, 14), utc(2026, 5, 4, 15)
    )
    await make_appointment(
        session, theirs, other_staff, utc(2026, 5, 4, 14), utc(2026, 5, 4, 15)
    )
    listed = await app_client.get(JOBS, headers=me.headers)
    assert [j["id"] for j in listed.json()["items"]] == [str(mine.id)]
    counts = {
        c["status"]: c["count"]
        for c in (await app_client.get(f"{JOBS}/counts", headers=me.headers)).json()
    }
    assert counts["scheduled"] == 1
    assert (
        await app_client.get(f"{JOBS}/{theirs.id}", headers=me.headers)
    ).status_code == 404
    started = await app_client.post(
        f"{JOBS}/{mine.id}/transitions",
        headers=me.headers,
        json={"to_status": "in_progress"},
    )
    assert started.status_code == 200
    price = await app_client.patch(
        f"{JOBS}/{mine.id}", headers=me.headers, json={"final_price_cents": 1}
    )
    assert price.status_code == 403
    notes = await app_client.patch(
        f"{JOBS}/{mine.id}", headers=me.headers, json={"notes": "replaced 2 heads"}
    )
    assert notes.status_code == 200
    extra = await app_client.post(
        f"{JOBS}/{mine.id}/line-items",
        headers=me.headers,
        json={"description": "Rotor head", "quantity": 2, "unit_price_cents": 2500},
    )
    assert extra.status_code == 201
    done = await app_client.post(
        f"{JOBS}/{mine.id}/transitions",
        headers=me.headers,
        json={"to_status": "completed"},
    )
    assert done.status_code == 200
    close = await app_client.post(
        f"{JOBS}/{mine.id}/transitions",
        headers=me.headers,
        json={"to_status": "closed"},
    )
    assert close.status_code == 403
    other = await app_client.post(
        f"{JOBS}/{theirs.id}/transitions",
        headers=me.headers,
        json={"to_status": "in_progress"},
    )
    assert other.status_code == 404


async def test_office_counts_are_exact_whoever_writes(
    app_client: AsyncClient, manager: LoggedIn, session: AsyncSession
) -> None:
    def counted(response: Response) -> dict[str, int]:
        return {c["status"]: c["count"] for c in response.json()}

    before = counted(await app_client.get(f"{JOBS}/counts", headers=manager.headers))
    job = await make_job(session, status=JobStatus.APPROVED)
    other = await make_job(session, status=JobStatus.APPROVED)  # behind the API's back
    now = counted(await app_client.get(f"{JOBS}/counts", headers=manager.headers))
    assert now["approved"] == before["approved"] + 2
    moved = await app_client.post(
        f"{JOBS}/{job.id}/transitions",
        headers=manager.headers,
        json={"to_status": "scheduled"},
    )
    assert moved.status_code == 200
    other.notes = "an edit that moves no status"
    await session.delete(await make_job(session, status=JobStatus.CANCELLED))
    await session.flush()
    after = counted(await app_client.get(f"{JOBS}/counts", headers=manager.headers))
    assert after["approved"] == before["approved"] + 1
    assert after["scheduled"] == before["scheduled"] + 1
    assert after["cancelled"] == before["cancelled"]
    assert set(after) == {s.value for s in JobStatus}
    from sqlalchemy import text  # noqa: PLC0415

    stored = await session.execute(
        text("SELECT status::text, count(*) FROM jobs GROUP BY status")
    )
    assert {k: v for k, v in after.items() if v} == dict(stored.tuples().all())


async def test_customer_history_includes_jobs_newest_first(
    app_client: AsyncClient, manager: LoggedIn, session: AsyncSession
) -> None:
    from tests.scheduling_factories import make_appointment, make_staff, utc  # noqa: PLC0415

    site = await make_site(session)
    older = await make_job(
        session,
        site=site,
        title="Spring start-up",
        created_at=datetime(2025, 4, 1, tzinfo=UTC),
    )
    newer = await make_job(session, site=site, title="Fall winterization")
    url = f"/api/v1/customers/{site.customer_id}/history"
    history = await app_client.get(url, headers=manager.headers)
    assert history.status_code == 200
    jobs = history.json()["jobs"]
    assert [j["id"] for j in jobs] == [str(newer.id), str(older.id)]
    assert jobs[0]["status"] == "approved"
    # A technician sees the customer (they have a visit there) but only that job.
    tech = await logged_in(app_client, session, Role.TECHNICIAN)
    staff = await make_staff(session, user_id=tech.user.id)
    await make_appointment(
        session, newer, staff, utc(2026, 10, 5, 14), utc(2026, 10, 5, 15)
    )
    theirs = await app_client.get(url, headers=tech.headers)
    assert theirs.status_code == 200
    assert [j["id"] for j in theirs.json()["jobs"]] == [str(newer.id)]


async def test_property_history_lists_its_jobs(
    app_client: AsyncClient, manager: LoggedIn, session: AsyncSession
) -> None:
    site = await make_site(session)
    here = await make_job(session, site=site)
    elsewhere = await make_job(session)
    response = await app_client.get(
        f"/api/v1/properties/{site.id}/history", headers=manager.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["property"]["id"] == str(site.id)
    assert [j["id"] for j in body["jobs"]] == [str(here.id)]
    assert str(elsewhere.id) not in {j["id"] for j in body["jobs"]}
    tech = await logged_in(app_client, session, Role.TECHNICIAN)
    hidden = await app_client.get(
        f"/api/v1/properties/{site.id}/history", headers=tech.headers
    )
    assert hidden.status_code == 404
    missing = await app_client.get(
        f"/api/v1/properties/{uuid.uuid4()}/history", headers=manager.headers
    )
    assert missing.status_code == 404
    assert (
        await app_client.get(f"/api/v1/properties/{site.id}/history")
    ).status_code == 401


async def test_customers_with_open_jobs_have_open_work(
    app_client: AsyncClient, manager: LoggedIn, session: AsyncSession
) -> None:
    busy = await make_client(session, name="Busy Bee")
    await make_job(
        session, site=await make_site(session, busy), status=JobStatus.SCHEDULED
    )
    done = await make_client(session, name="Done Dan")
    await make_job(
        session, site=await make_site(session, done), status=JobStatus.CLOSED
    )
    response = await app_client.get(
        "/api/v1/customers", headers=manager.headers, params={"has_open_work": "true"}
    )
    names = [c["name"] for c in response.json()["items"]]
    assert "Busy Bee" in names
    assert "Done Dan" not in names
