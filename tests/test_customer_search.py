"""Customer word search: what a term finds, whichever way the SQL reads it.

``customers/queries.py`` matches a word search with one bitmap scan of customers
(index ranges, the GIN words, the primary keys of customers found through a
property) that is planned once per connection. These tests hold it to the plain
definition (one union of matching ids, sorted), check each way of matching on a
small world, the plan that does not depend on the term, and the upper bound that
turns a prefix into an index range."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.customers.models import Customer
from grins_platform.customers.queries import (
    SORT_KEYS,
    CustomerQueries,
    list_statements,
)
from grins_platform.customers.schemas import CustomerSort
from grins_platform.customers.search import (
    CustomerQuery,
    prefix_upper_bound,
    prefix_words,
    read_text,
)
from grins_platform.db.reads import SessionReads
from grins_platform.properties.models import Property
from grins_platform.users.models import Role, User
from tests.factories import make_customer, make_property, make_user

REFERENCE = """
SELECT c.id FROM customers c
WHERE c.deleted_at IS NULL AND c.id IN (
    SELECT id FROM customers
    WHERE lower(name) LIKE $1 ESCAPE '/' OR lower(email) LIKE $1 ESCAPE '/'
       OR search_vector @@ to_tsquery('simple', $2)
    UNION
    SELECT customer_id FROM properties
    WHERE deleted_at IS NULL AND (
        lower(city) LIKE $1 ESCAPE '/'
        OR to_tsvector('simple', address) @@ to_tsquery('simple', $2)))
ORDER BY {key} {way}, c.id {way}
"""
"""What a word search finds, written the plain way (the union of matching ids)."""


@pytest.mark.unit
@pytest.mark.parametrize(
    ("prefix", "bound"),
    [("smit", "smiu"), ("a", "b"), ("ab~", "ab\x7f"), ("o'b", "o'c"), ("zz", "z{")],
)
def test_an_ascii_ending_prefix_has_the_next_string_as_its_bound(
    prefix: str, bound: str
) -> None:
    assert prefix_upper_bound(prefix) == bound
    assert read_text(f"  {prefix} ").upper == bound


@pytest.mark.unit
@pytest.mark.parametrize("prefix", ["", "josé", "café", "a\x7f", "東京"])
def test_other_prefixes_have_no_bound_and_stay_a_like(prefix: str) -> None:
    assert prefix_upper_bound(prefix) is None


@pytest.mark.unit
@given(
    head=st.text(max_size=6),
    last=st.characters(max_codepoint=0x7E),
    other=st.text(max_size=10),
)
def test_the_bound_range_is_exactly_the_strings_with_the_prefix(
    head: str, last: str, other: str
) -> None:
    prefix = head + last
    bound = prefix_upper_bound(prefix)
    assert bound is not None
    for candidate in (other, prefix + other, head + other, bound + other):
        in_range = prefix.encode() <= candidate.encode() < bound.encode()
        assert in_range == candidate.startswith(prefix)


async def _found(session: AsyncSession, q: str, caller: User) -> tuple[set[str], int]:
    """The names a search finds (the reference test checks the order), the total."""
    page = await CustomerQueries(SessionReads(session)).page(
        CustomerQuery(q=q), caller, limit=100, offset=0
    )
    return {c.name for c in page.items}, page.total


async def _reference(
    session: AsyncSession, q: str, sort: CustomerSort
) -> list[uuid.UUID]:
    term = read_text(q).term
    assert term is not None
    pattern = term.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    key = SORT_KEYS[sort.value.removeprefix("-")]
    way = "DESC" if sort.value.startswith("-") else "ASC"
    rows = await SessionReads(session).fetch(
        REFERENCE.format(key=key, way=way), pattern, prefix_words(term)
    )
    return [row["id"] for row in rows]


@dataclass
class World:
    office: User
    stem: str
    gone: Customer


async def _world(session: AsyncSession) -> World:
    """Customers a unique ``stem`` finds each way, and some it must not find."""
    stem = f"qz{uuid.uuid4().hex[:6]}"
    office = await make_user(session, role=Role.MANAGER)
    await make_customer(session, name=f"Ann {stem.title()}")  # a name word
    await make_customer(session, name=f"{stem.title()}er Bo")  # a name prefix
    await make_customer(session, name="Cy Doe", email=f"{stem}y@example.org")
    await make_customer(session, name="Di Roe", company=f"{stem.title()}field Farms")
    street = await make_customer(session, name="Ed Poe")
    await make_property(session, street, address=f"12 {stem.title()} Ave")
    town = await make_customer(session, name="Fay Loe")
    await make_property(session, town, address="7 Elm St", city=f"{stem}town")
    both = await make_customer(session, name=f"Gus {stem.title()}")  # two ways
    await make_property(session, both, address=f"40 {stem.title()} Ave")
    await make_property(
        session, both, address=f"41 {stem.title()} Ave", is_primary=False
    )
    gone = await make_customer(session, name="Hal Moe")  # deleted, live property
    await make_property(session, gone, address=f"5 {stem.title()} Ave")
    gone.deleted_at = datetime.now(UTC)
    moved = await make_customer(session, name="Ida Noe")  # live, property deleted
    await make_property(
        session,
        moved,
        address=f"9 {stem.title()} Ave",
        deleted_at=datetime.now(UTC),
    )
    await make_customer(session, name=f"Émile {stem.title()}son")
    await make_customer(session, name=f"José {stem}")
    await make_customer(session, name=f"Zoë {stem.title()}")
    await make_customer(session, name="Jo Jones", email="jo@example.org")
    await session.flush()
    return World(office, stem, gone)


@pytest.mark.integration
async def test_a_prefix_finds_names_emails_companies_streets_and_cities_once(
    session: AsyncSession,
) -> None:
    world = await _world(session)
    stem, office = world.stem, world.office
    title = stem.title()
    every = {
        f"Ann {title}",  # a name word
        f"{title}er Bo",  # the name's start
        "Cy Doe",  # the email's start
        "Di Roe",  # a company word
        "Ed Poe",  # a street word
        "Fay Loe",  # a city's start
        f"Gus {title}",  # the name and two streets: once
        f"Émile {title}son",
        f"José {stem}",
        f"Zoë {title}",
    }
    assert await _found(session, stem, office) == (every, len(every))
    assert await _found(session, f" {stem.upper()} ", office) == (every, len(every))
    assert await _found(session, f"{stem} ave", office) == (
        {"Ed Poe", f"Gus {title}"},
        2,
    )
    assert await _found(session, f"{stem}town", office) == ({"Fay Loe"}, 1)
    assert await _found(session, f"{stem}y@exa", office) == ({"Cy Doe"}, 1)
    assert await _found(session, f"{stem} zoë", office) == ({f"Zoë {title}"}, 1)
    assert await _found(session, f"émile {stem[:3]}", office) == (
        {f"Émile {title}son"},
        1,
    )
    assert await _found(session, f"{stem[:3]}%{stem[4:]}", office) == (set(), 0)


@pytest.mark.integration
async def test_every_sort_and_page_of_a_search_is_the_plain_union_of_matches(
    session: AsyncSession,
) -> None:
    world = await _world(session)
    stem, office = world.stem, world.office
    terms = [stem, stem[:4], f"{stem} ave", f"{stem} zoë", "josé", "jo", "ann ", "o'b"]
    for q in terms:
        for sort in CustomerSort:
            expected = await _reference(session, q, sort)
            queries = CustomerQueries(SessionReads(session))
            pages = [
                await queries.page(
                    CustomerQuery(q=q, sort=sort), office, limit=3, offset=offset
                )
                for offset in range(0, len(expected) + 3, 3)
            ]
            assert {p.total for p in pages} == {len(expected)}, (q, sort)
            assert [c.id for p in pages for c in p.items] == expected, (q, sort)
    assert world.gone.id not in await _reference(session, stem, CustomerSort.NAME)


@pytest.mark.integration
async def test_the_word_indexes_have_no_pending_list(session: AsyncSession) -> None:
    """Every search would read it (migrations 0012n and 0013p, the models' indexes)."""
    for model, name in (
        (Customer, "ix_customers_search"),
        (Property, "ix_properties_address_search"),
    ):
        options = await session.scalar(
            text("SELECT reloptions FROM pg_class WHERE relname = :name"),
            {"name": name},
        )
        assert options == ["fastupdate=off"], name
        table = model.__table__
        assert isinstance(table, Table)
        declared = next(i for i in table.indexes if i.name == name)
        assert declared.dialect_options["postgresql"]["with"] == {"fastupdate": "off"}


@pytest.mark.integration
async def test_a_word_search_is_planned_once_per_connection(
    session: AsyncSession,
) -> None:
    """Every term gets the same plan, so PostgreSQL keeps it (``queries._late``)."""
    world = await _world(session)
    await session.execute(text("ANALYZE customers"))  # estimates that vary by term
    await session.execute(text("ANALYZE properties"))
    reads = SessionReads(session)
    terms = (world.stem, "ann", "jo", "zz", "smit", "o'b", "doe", "fay")
    costs = set()
    for q in terms:
        page = list_statements(CustomerQuery(q=q), world.office, limit=25, offset=0)
        plan = await reads.fetchrow(f"EXPLAIN (FORMAT JSON) {page.page}", *page.values)
        assert plan is not None
        doc = json.loads(plan[0]) if isinstance(plan[0], str) else plan[0]
        costs.add(doc[0]["Plan"]["Total Cost"])
    assert len(costs) == 1
    queries = CustomerQueries(reads)
    for q in terms:
        await queries.page(CustomerQuery(q=q), world.office, limit=25, offset=0)
    plans = await reads.fetch(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
        " WHERE statement = $1",
        page.page,
    )
    assert len(plans) == 1
    assert plans[0]["custom_plans"] == 5  # PostgreSQL's five tries, then...
    assert plans[0]["generic_plans"] >= 3  # ...the generic plan from then on
