"""Customer search: free text, filters and whitelisted sorting, as one ``Select``.

Free text ``q`` is read as a phone fragment when it is only digits and phone
punctuation (``555-0123`` matches ``+16125550123``); otherwise it matches a name or
company word prefix (full-text, ``simple`` dictionary), an email prefix, the words
of a live property's street address (word prefixes: ``77 lake`` finds
``77 Lakeview Dr``) or its city prefix. No ``pg_trgm``: plain ``lower()`` indexes
and the built-in full-text search only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    any_,
    exists,
    func,
    literal_column,
    or_,
    select,
    union,
)

from grins_platform.core.phones import phone_search_digits
from grins_platform.customers.models import Customer
from grins_platform.customers.schemas import CustomerSort
from grins_platform.jobs.models import Job
from grins_platform.jobs.workflow import OPEN_STATUSES
from grins_platform.properties.models import Property
from grins_platform.requests.models import RequestStatus, ServiceRequest

OPEN_REQUEST_STATUSES: Final = (RequestStatus.NEW, RequestStatus.CONTACTED)
_WORD: Final = re.compile(r"\w+")
_MAX_WORDS: Final = 8
_NANP_DIGITS: Final = 10


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """What the customer list asks for; ``None`` means "any"."""

    q: str | None = None
    is_priority: bool | None = None
    is_red_flag: bool | None = None
    is_slow_payer: bool | None = None
    city: str | None = None
    lead_source: str | None = None
    has_open_work: bool | None = None
    sort: CustomerSort = CustomerSort.NAME


def has_open_work() -> ColumnElement[bool]:
    """The customer has open work: an open service request or an open job."""
    return or_(
        exists(
            select(ServiceRequest.id).where(
                ServiceRequest.customer_id == Customer.id,
                ServiceRequest.status.in_(OPEN_REQUEST_STATUSES),
            )
        ),
        exists(
            select(Job.id).where(
                Job.customer_id == Customer.id, Job.status.in_(OPEN_STATUSES)
            )
        ),
    )


def _live_property(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(
        select(Property.id).where(
            Property.customer_id == Customer.id,
            Property.deleted_at.is_(None),
            *conditions,
        )
    )


def whole_nanp_number(digits: str) -> str | None:
    """``+1NXXNXXXXXX`` when the digits are a whole North American number.

    Ten digits (or eleven starting with the country code 1) whose area code and
    exchange start with 2-9 are stored exactly like that, so they are looked up by
    equality instead of as a fragment.
    """
    with_country = _NANP_DIGITS + 1
    national = (
        digits[1:] if len(digits) == with_country and digits[0] == "1" else digits
    )
    if len(national) != _NANP_DIGITS or national[0] in "01" or national[3] in "01":
        return None
    return f"+1{national}"


def prefix_tsquery(text: str) -> ColumnElement[Any] | None:
    """``to_tsquery('simple', 'word1:* & word2:*')`` of the words of ``text``."""
    words = _WORD.findall(text.lower())[:_MAX_WORDS]
    if not words:
        return None
    return func.to_tsquery("simple", " & ".join(f"{w}:*" for w in words))


def address_vector() -> ColumnElement[Any]:
    """The street address as full-text words (``ix_properties_address_search``)."""
    return func.to_tsvector(literal_column("'simple'::regconfig"), Property.address)


def text_match(q: str) -> ColumnElement[bool]:
    """Where ``q`` matches a customer (see the module docstring).

    Each way of matching is its own index-backed query (name and email prefixes on
    ``text_pattern_ops`` indexes, words on GIN indexes, city prefix); the customer
    matches if their id is in the union. One ``OR`` across the tables would make
    PostgreSQL test every customer row instead.
    """
    digits = phone_search_digits(q)
    if digits is not None:
        number = whole_nanp_number(digits)
        if number is not None:
            # A whole number (caller id, a number read out): exact, on indexes.
            return or_(Customer.phone == number, Customer.alt_phone == number)
        return or_(
            Customer.phone.contains(digits, autoescape=True),
            Customer.alt_phone.contains(digits, autoescape=True),
        )
    term = q.strip().lower()
    live = Property.deleted_at.is_(None)
    candidates = [
        select(Customer.id).where(
            func.lower(Customer.name).startswith(term, autoescape=True)
        ),
        select(Customer.id).where(
            func.lower(Customer.email).startswith(term, autoescape=True)
        ),
        select(Property.customer_id).where(
            live, func.lower(Property.city).startswith(term, autoescape=True)
        ),
    ]
    tsquery = prefix_tsquery(term)
    if tsquery is not None:
        candidates.append(
            select(Customer.id).where(Customer.search_vector.bool_op("@@")(tsquery))
        )
        candidates.append(
            select(Property.customer_id).where(
                live, address_vector().bool_op("@@")(tsquery)
            )
        )
    # ``id = ANY(ARRAY(union))``: the union runs once and the matches are fetched by
    # primary key; ``id IN (union)`` made PostgreSQL hash-join a scan of every
    # customer (3 of the 6 ms of a four-letter search on 20,000 customers).
    return Customer.id == any_(func.array(union(*candidates).scalar_subquery()))


def _ordered(stmt: Select[Any], sort: CustomerSort) -> Select[Any]:
    descending = sort.value.startswith("-")
    key = sort.value.removeprefix("-")
    column: SQLColumnExpression[Any] = {
        "name": func.lower(Customer.name),
        "created_at": Customer.created_at,
        "updated_at": Customer.updated_at,
    }[key]
    if descending:
        return stmt.order_by(column.desc(), Customer.id.desc())
    return stmt.order_by(column.asc(), Customer.id.asc())


def customer_search(query: CustomerQuery) -> Select[tuple[Customer]]:
    """Live customers matching ``query``, in its order (ties broken by id)."""
    stmt = select(Customer).where(Customer.deleted_at.is_(None))
    if query.q and query.q.strip():
        stmt = stmt.where(text_match(query.q))
    flags = {
        Customer.is_priority: query.is_priority,
        Customer.is_red_flag: query.is_red_flag,
        Customer.is_slow_payer: query.is_slow_payer,
    }
    for column, wanted in flags.items():
        if wanted is not None:
            stmt = stmt.where(column.is_(wanted))
    if query.city:
        stmt = stmt.where(
            _live_property(func.lower(Property.city) == query.city.strip().lower())
        )
    if query.lead_source:
        stmt = stmt.where(
            func.lower(Customer.lead_source) == query.lead_source.strip().lower()
        )
    if query.has_open_work is not None:
        open_work = has_open_work()
        stmt = stmt.where(open_work if query.has_open_work else ~open_work)
    return _ordered(stmt, query.sort)
