"""Customer read models (``customers/queries.py``) against the ORM rules they replace.

The read models answer ``GET /customers``, ``/customers/{id}`` and ``/history`` with
hand-written SQL; these tests hold them to the ORM rules (visibility, access codes,
history contents) and check the SQL-only parts: totals, paging past the end, the
search paths, decryption, and the real asyncpg pool.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStaff,
    AppointmentStatus,
)
from grins_platform.customers.access import (
    CODES_VISIBLE_PROPERTY_IDS_SQL,
    VISIBLE_CUSTOMER_IDS_SQL,
    VISIBLE_PROPERTY_IDS_SQL,
    business_today,
    may_see_access_codes,
    visible_customer_ids_for,
    visible_customers_clause,
    visible_properties_clause,
    visible_property_ids_for,
)
from grins_platform.customers.consent import consent_state
from grins_platform.customers.errors import CustomerNotFound
from grins_platform.customers.models import (
    ConsentChannel,
    ConsentPurpose,
    Customer,
    CustomerConsent,
)
from grins_platform.customers.queries import CustomerQueries
from grins_platform.customers.repository import ConsentRepository, CustomerRepository
from grins_platform.customers.schemas import (
    ConsentRead,
    CustomerHistoryRead,
    CustomerRead,
    CustomerSort,
)
from grins_platform.customers.search import CustomerQuery
from grins_platform.db.reads import SessionReads
from grins_platform.jobs.access import visible_job_ids
from grins_platform.jobs.models import Job, JobStatus
from grins_platform.jobs.repository import JobRepository
from grins_platform.jobs.schemas import JobSummary
from grins_platform.properties.models import Property
from grins_platform.properties.repository import PropertyRepository
from grins_platform.properties.schemas import PropertyRead
from grins_platform.requests.models import RequestStatus
from grins_platform.requests.repository import ServiceRequestRepository
from grins_platform.requests.schemas import ServiceRequestRead
from grins_platform.staff.models import StaffMember
from grins_platform.users.models import Role, User
from tests.conftest import remember_secret
from tests.factories import (
    login,
    make_customer,
    make_property,
    make_service_request,
    make_user,
)
from tests.scheduling_factories import make_appointment, make_job, make_site, make_staff

pytestmark = pytest.mark.integration
CHICAGO = ZoneInfo("America/Chicago")


def _today() -> date:
    return datetime.now(UTC).astimezone(CHICAGO).date()


async def _visit(
    session: AsyncSession,
    member: StaffMember,
    day: date,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
    site: Property | None = None,
) -> tuple[Property, Job, Appointment]:
    site = site or await make_site(session, gate_code=remember_secret("1357-Gate"))
    job = await make_job(session, site=site, status=JobStatus.SCHEDULED)
    start = datetime.combine(day, time(10), CHICAGO)
    visit = await make_appointment(
        session, job, member, start, start + timedelta(hours=1), status=status, day=day
    )
    return site, job, visit


@dataclass
class World:
    """A technician's appointments: what they may and may not see."""

    me: User
    today: Property
    later: Property
    crew: Property
    released: Property
    cancelled: Property
    theirs: Property
    second: Property
    """Another property of ``today``'s customer, with only someone else's visit."""

    @property
    def sites(self) -> list[Property]:
        return [
            self.today,
            self.later,
            self.crew,
            self.released,
            self.cancelled,
            self.theirs,
            self.second,
        ]


async def _world(session: AsyncSession) -> World:
    me = await make_user(session, role=Role.TECHNICIAN)
    mine = await make_staff(session, user_id=me.id)
    other = await make_staff(
        session, user_id=(await make_user(session, role=Role.TECHNICIAN)).id
    )
    today, _, _ = await _visit(session, mine, _today())
    later, _, _ = await _visit(session, mine, _today() + timedelta(days=3))
    crew, _, crew_visit = await _visit(session, other, _today())
    session.add(AppointmentStaff(appointment_id=crew_visit.id, staff_id=mine.id))
    released, _, _ = await _visit(
        session, mine, _today(), status=AppointmentStatus.NO_SHOW
    )
    cancelled, _, _ = await _visit(
        session, mine, _today(), status=AppointmentStatus.CANCELLED
    )
    theirs, _, _ = await _visit(session, other, _today())
    owner = await session.get(Customer, today.customer_id)
    assert owner is not None
    second = await make_property(
        session, owner, is_primary=False, gate_code=remember_secret("2468-Other")
    )
    await _visit(session, other, _today(), site=second)
    return World(me, today, later, crew, released, cancelled, theirs, second)


async def _orm_history(
    session: AsyncSession, customer_id: uuid.UUID, user: User
) -> CustomerHistoryRead:
    """The history as the ORM path built it (repositories, access functions)."""
    customer = await CustomerRepository(session).get_live(
        customer_id, visible=visible_customer_ids_for(user)
    )
    assert customer is not None
    properties = await PropertyRepository(session).list_for_customer(
        customer.id, visible=visible_property_ids_for(user)
    )
    shown = {
        p.id for p in properties if await may_see_access_codes(session, user, p.id)
    }
    requests = await ServiceRequestRepository(session).list_for_customer(customer.id)
    ledger = await ConsentRepository(session).ledger(customer.id)
    jobs = await JobRepository(session).history_for(
        customer_id=customer.id, visible_ids=visible_job_ids(user)
    )
    return CustomerHistoryRead(
        customer=CustomerRead.model_validate(customer),
        properties=[
            PropertyRead.from_property(p, show_codes=p.id in shown) for p in properties
        ],
        requests=[ServiceRequestRead.model_validate(r) for r in requests],
        jobs=[JobSummary.model_validate(j) for j in jobs],
        consent=consent_state([ConsentRead.model_validate(k) for k in ledger]),
    )


async def _ids(session: AsyncSession, sql: str, *args: object) -> set[uuid.UUID]:
    return {row[0] for row in await SessionReads(session).fetch(sql, *args)}


async def test_sql_visibility_rules_select_what_the_orm_rules_select(
    session: AsyncSession,
) -> None:
    world = await _world(session)
    me = world.me
    customers = visible_customer_ids_for(me)
    properties = visible_property_ids_for(me)
    assert customers is not None
    assert properties is not None
    seen = {world.today, world.later, world.crew, world.released}
    orm_customers = set((await session.scalars(customers)).all())
    sql_customers = await _ids(
        session, VISIBLE_CUSTOMER_IDS_SQL.format(user="$1"), me.id
    )
    assert orm_customers == sql_customers == {p.customer_id for p in seen}
    orm_properties = set((await session.scalars(properties)).all())
    sql_properties = await _ids(
        session, VISIBLE_PROPERTY_IDS_SQL.format(user="$1"), me.id
    )
    assert orm_properties == sql_properties == {p.id for p in seen}
    orm_codes = {
        p.id for p in world.sites if await may_see_access_codes(session, me, p.id)
    }
    sql_codes = await _ids(
        session,
        CODES_VISIBLE_PROPERTY_IDS_SQL.format(user="$1", day="$2"),
        me.id,
        business_today(),
    )
    assert orm_codes == sql_codes == {world.today.id, world.crew.id}

    office = await make_user(session, role=Role.MANAGER)
    assert visible_customer_ids_for(office) is None
    assert visible_customers_clause(office, "c.id", "$1") is None
    assert visible_properties_clause(office, "p.id", "$1") is None


async def test_a_technicians_reads_match_the_orm_path(session: AsyncSession) -> None:
    world = await _world(session)
    me = world.me
    queries = CustomerQueries(SessionReads(session))
    listed = await queries.page(CustomerQuery(), me, limit=10, offset=0)
    visible = {world.today, world.later, world.crew, world.released}
    assert {c.id for c in listed.items} == {p.customer_id for p in visible}
    assert listed.total == 4
    for hidden in (world.cancelled, world.theirs):
        with pytest.raises(CustomerNotFound) as raised:
            await queries.get(hidden.customer_id, me)
        assert "merged_into_id" not in raised.value.extra
        with pytest.raises(CustomerNotFound):
            await queries.history(hidden.customer_id, me)

    read = await queries.history(world.today.customer_id, me)
    assert [p.id for p in read.properties] == [world.today.id]  # not ``second``
    assert read.properties[0].gate_code == "1357-Gate"
    assert len(read.jobs) == 1
    later = await queries.history(world.later.customer_id, me)
    assert later.properties[0].gate_code is None
    assert later.properties[0].has_gate_code is True
    for site in visible:
        expected = await queries.history(site.customer_id, me)
        session.expunge_all()  # the ORM path reads back what is stored
        orm = await _orm_history(session, site.customer_id, me)
        assert expected.model_dump(mode="json") == orm.model_dump(mode="json")
        assert (await queries.get(site.customer_id, me)) == orm.customer


async def test_a_technicians_word_search_finds_only_their_customers(
    session: AsyncSession,
) -> None:
    """Both ways a word search finds a customer (own fields, a property) hide the
    customers a technician may not see, in the page and in the total."""
    world = await _world(session)
    stem = f"qy{uuid.uuid4().hex[:6]}"
    for site in world.sites:
        site.address = f"{world.sites.index(site)} {stem}a Ave"
        owner = await session.get(Customer, site.customer_id)
        assert owner is not None
        owner.company = f"{stem}b Co"
    await session.flush()
    queries = CustomerQueries(SessionReads(session))
    visible = {world.today, world.later, world.crew, world.released}
    for q in (stem, f"{stem}a", f"{stem}b"):
        mine = await queries.page(CustomerQuery(q=q), world.me, limit=2, offset=0)
        rest = await queries.page(CustomerQuery(q=q), world.me, limit=2, offset=2)
        assert mine.total == rest.total == 4, q
        found = {c.id for c in (*mine.items, *rest.items)}
        assert found == {p.customer_id for p in visible}, q
    office = await make_user(session, role=Role.MANAGER)
    everyone = await queries.page(CustomerQuery(q=stem), office, limit=10, offset=0)
    assert everyone.total == len({p.customer_id for p in world.sites})


async def test_the_office_history_decrypts_codes_and_matches_the_orm_path(
    session: AsyncSession,
) -> None:
    office = await make_user(session, role=Role.MANAGER)
    customer = await make_customer(
        session, phone="+16125550155", alt_phone="+19525550166", email="h@x.org"
    )
    home = await make_property(
        session, customer, gate_code=remember_secret("G-77#"), lockbox_code="L-1"
    )
    await make_property(session, customer, is_primary=False)
    gone = await make_property(session, customer, is_primary=False)
    gone.deleted_at = datetime.now(UTC)
    await make_service_request(
        session,
        customer_id=customer.id,
        status=RequestStatus.CONTACTED,
        first_response_at=datetime.now(UTC) + timedelta(minutes=90),
    )
    for ip, granted in (("10.0.0.7", True), ("192.168.0.0/24", False), (None, True)):
        session.add(
            CustomerConsent(
                customer_id=customer.id,
                channel=ConsentChannel.SMS,
                purpose=ConsentPurpose.MARKETING,
                granted=granted,
                source="staff",
                ip=ip,
            )
        )
    await make_job(session, site=home)
    await make_job(session, site=home, status=JobStatus.COMPLETED)
    await session.flush()
    stored = await session.scalar(
        text("SELECT gate_code FROM properties WHERE id = :id"), {"id": home.id}
    )
    assert stored is not None
    assert stored.startswith("v1:")
    assert "G-77#" not in stored

    read = await CustomerQueries(SessionReads(session)).history(customer.id, office)
    assert read.customer.phone_display == "(612) 555-0155"
    assert read.properties[0].id == home.id
    assert len(read.properties) == 2
    assert (read.properties[0].gate_code, read.properties[0].lockbox_code) == (
        "G-77#",
        "L-1",
    )
    assert read.requests[0].response_minutes is not None
    assert {k.ip for k in read.consent.ledger} == {"10.0.0.7", "192.168.0.0/24", None}
    assert len(read.jobs) == 2
    session.expunge_all()
    orm = await _orm_history(session, customer.id, office)
    assert read.model_dump(mode="json") == orm.model_dump(mode="json")


async def test_a_merged_or_deleted_customer_is_404_naming_the_survivor(
    session: AsyncSession,
) -> None:
    office = await make_user(session, role=Role.MANAGER)
    survivor = await make_customer(session)
    merged = await make_customer(
        session, deleted_at=datetime.now(UTC), merged_into_id=survivor.id
    )
    deleted = await make_customer(session, deleted_at=datetime.now(UTC))
    queries = CustomerQueries(SessionReads(session))
    for read in (queries.get, queries.history):
        with pytest.raises(CustomerNotFound) as raised:
            await read(merged.id, office)
        assert raised.value.extra["merged_into_id"] == str(survivor.id)
        with pytest.raises(CustomerNotFound) as raised:
            await read(deleted.id, office)
        assert "merged_into_id" not in raised.value.extra


async def test_list_totals_and_pages_past_the_end(session: AsyncSession) -> None:
    office = await make_user(session, role=Role.MANAGER)
    tag = f"total-{uuid.uuid4().hex[:8]}"
    made = [
        await make_customer(session, name=f"Paged {n}", lead_source=tag)
        for n in range(5)
    ]
    made[2].deleted_at = datetime.now(UTC)
    await session.flush()
    queries = CustomerQueries(SessionReads(session))
    tagged = CustomerQuery(lead_source=tag.upper(), sort=CustomerSort.NAME_DESC)
    pages = [
        await queries.page(tagged, office, limit=2, offset=offset)
        for offset in (0, 2, 4, 40)
    ]
    assert [p.total for p in pages] == [4, 4, 4, 4]
    assert [[c.name for c in p.items] for p in pages] == [
        ["Paged 4", "Paged 3"],
        ["Paged 1", "Paged 0"],
        [],
        [],
    ]
    live = await session.scalar(
        select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None))
    )
    everyone = await queries.page(CustomerQuery(), office, limit=1, offset=0)
    assert everyone.total == live
    past = await queries.page(CustomerQuery(), office, limit=5, offset=(live or 0) + 3)
    assert (past.items, past.total) == ([], live)
    none = await queries.page(
        CustomerQuery(lead_source="nobody"), office, limit=5, offset=0
    )
    assert (none.items, none.total) == ([], 0)


async def test_search_by_name_prefix_and_phone_through_the_read_model(
    session: AsyncSession,
) -> None:
    office = await make_user(session, role=Role.MANAGER)
    for n in range(3):
        await make_customer(session, name=f"Quillon Tester {n}")
    await make_customer(session, name="Ann Quillfeather")
    await make_customer(session, name="Aquilo Other")
    alt = await make_customer(
        session, name="Pho Alt", phone="+16515550101", alt_phone="+17635550202"
    )
    queries = CustomerQueries(SessionReads(session))

    async def names(q: str, limit: int = 10, offset: int = 0) -> tuple[list[str], int]:
        page = await queries.page(
            CustomerQuery(q=q), office, limit=limit, offset=offset
        )
        return [c.name for c in page.items], page.total

    assert await names("quil") == (
        [
            "Ann Quillfeather",
            "Quillon Tester 0",
            "Quillon Tester 1",
            "Quillon Tester 2",
        ],
        4,
    )
    assert await names("QUILLON t", limit=2, offset=2) == (["Quillon Tester 2"], 3)
    assert await names("quil", limit=2, offset=8) == ([], 4)  # past the end
    assert await names("(763) 555-0202") == (["Pho Alt"], 1)  # whole, alternate
    assert await names("555-0101") == (["Pho Alt"], 1)  # a fragment
    assert await names("0202") == (["Pho Alt"], 1)
    assert await names("100%_") == ([], 0)
    blank = await queries.page(CustomerQuery(q="   "), office, limit=100, offset=0)
    assert alt.id in {c.id for c in blank.items}


async def test_a_customer_read_through_the_real_pool(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as own:
        manager = await make_user(own, role=Role.MANAGER)
        await own.commit()
    caller = await login(committed_client, manager)
    created = await committed_client.post(
        "/api/v1/customers",
        headers=caller.headers,
        json={"name": "Pooled Reader", "phone": "612 555 0177", "email": "p@x.org"},
    )
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]
    one = await committed_client.get(
        f"/api/v1/customers/{customer_id}", headers=caller.headers
    )
    assert one.status_code == 200
    assert one.json() == created.json()
    found = await committed_client.get(
        "/api/v1/customers", headers=caller.headers, params={"q": "612-555-0177"}
    )
    assert found.json()["total"] == 1
    assert found.json()["items"] == [created.json()]
    history = await committed_client.get(
        f"/api/v1/customers/{customer_id}/history", headers=caller.headers
    )
    assert history.status_code == 200
    assert history.json()["customer"] == created.json()
    missing = await committed_client.get(
        f"/api/v1/customers/{uuid.uuid4()}", headers=caller.headers
    )
    assert missing.status_code == 404
    async with engine.connect() as conn:
        readers = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                " current_database() AND application_name = 'grins-platform-reads'"
            )
        )
    assert readers  # the answers came from the read-model pool, not the session
