"""Customer read models: the list and its search, one customer, and the history.

The office's busiest customer reads skip the ORM (``db/reads.py`` says why); each
answer is one statement. A history's properties, requests, consent ledger and jobs
come as arrays of rows (anonymous records, decoded by asyncpg in C as tuples, their
enum columns as text) next to the customer's columns. Visibility is the same rule as
the ORM path (``customers/access.py``, ``jobs/access.py``); access codes are
decrypted as the ORM column type does it (``core/crypto.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Enum, Table

from grins_platform.core.crypto import EncryptedString, get_cipher
from grins_platform.core.pagination import Page
from grins_platform.customers.access import (
    CODES_VISIBLE_PROPERTY_IDS_SQL,
    business_today,
    is_office,
    visible_customers_clause,
    visible_properties_clause,
)
from grins_platform.customers.consent import consent_state
from grins_platform.customers.errors import CustomerNotFound
from grins_platform.customers.models import CustomerConsent
from grins_platform.customers.schemas import (
    ConsentRead,
    CustomerHistoryRead,
    CustomerRead,
    CustomerSort,
)
from grins_platform.customers.search import (
    OPEN_REQUEST_STATUSES,
    CustomerQuery,
    read_text,
)
from grins_platform.db.reads import Params, Reads
from grins_platform.jobs.access import visible_jobs_clause
from grins_platform.jobs.models import Job
from grins_platform.jobs.repository import HISTORY_LIMIT
from grins_platform.jobs.schemas import JobSummary
from grins_platform.jobs.workflow import OPEN_STATUSES
from grins_platform.properties.models import Property
from grins_platform.properties.schemas import PropertyRead
from grins_platform.requests.models import ServiceRequest
from grins_platform.requests.schemas import ServiceRequestRead
from grins_platform.users.models import User


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _columns(
    model: type[Any], alias: str, names: Iterable[str], *, named: bool = False
) -> str:
    """``alias.name, ...``, enum columns as text (``named``: ``AS name`` too).

    asyncpg cannot decode an enum inside an anonymous record.
    """
    table = _table(model)
    return ", ".join(
        f"{alias}.{name}::text{f' AS {name}' if named else ''}"
        if isinstance(table.c[name].type, Enum)
        else f"{alias}.{name}"
        for name in names
    )


def _literals(values: Iterable[StrEnum]) -> str:
    """Enum values as SQL string literals (constants of the code, not input)."""
    return ", ".join(f"'{value.value}'" for value in sorted(values))


def _encrypted(column: str) -> EncryptedString:
    kind = _table(Property).c[column].type
    if not isinstance(kind, EncryptedString):
        msg = f"properties.{column} is not an encrypted column"
        raise TypeError(msg)
    return kind


CUSTOMER_FIELDS: Final = tuple(CustomerRead.model_fields)
CUSTOMER_COLUMNS: Final = ", ".join(f"c.{name}" for name in CUSTOMER_FIELDS)
_CODE_FIELDS: Final = frozenset(
    {"has_gate_code", "has_lockbox_code", "access_codes_visible"}
)
PROPERTY_FIELDS: Final = tuple(
    n for n in PropertyRead.model_fields if n not in _CODE_FIELDS
)
REQUEST_FIELDS: Final = tuple(
    n for n in ServiceRequestRead.model_fields if n != "response_minutes"
)
CONSENT_FIELDS: Final = tuple(ConsentRead.model_fields)
JOB_FIELDS: Final = tuple(JobSummary.model_fields)
GATE_CODE: Final = _encrypted("gate_code")
LOCKBOX_CODE: Final = _encrypted("lockbox_code")

SORT_KEYS: Final = {
    "name": "lower(c.name)",
    "created_at": "c.created_at",
    "updated_at": "c.updated_at",
}
OPEN_WORK: Final = (
    "(EXISTS (SELECT 1 FROM service_requests r WHERE r.customer_id = c.id"
    f" AND r.status IN ({_literals(OPEN_REQUEST_STATUSES)}))"
    " OR EXISTS (SELECT 1 FROM jobs j WHERE j.customer_id = c.id"
    f" AND j.status IN ({_literals(OPEN_STATUSES)})))"
)
"""``has_open_work``: an open service request or an open job."""

PROPERTIES: Final = (
    f"(SELECT array_agg(ROW({_columns(Property, 'p', PROPERTY_FIELDS)})"
    " ORDER BY p.is_primary DESC, p.created_at, p.id)"
    " FROM properties p WHERE p.customer_id = c.id AND p.deleted_at IS NULL{visible})"
    " AS properties"
)
REQUESTS: Final = (
    f"(SELECT array_agg(ROW({_columns(ServiceRequest, 'r', REQUEST_FIELDS)})"
    " ORDER BY r.created_at DESC, r.id DESC)"
    " FROM service_requests r WHERE r.customer_id = c.id) AS requests"
)
CONSENTS: Final = (
    f"(SELECT array_agg(ROW({_columns(CustomerConsent, 'k', CONSENT_FIELDS)})"
    " ORDER BY k.recorded_at DESC, k.id DESC)"
    " FROM customer_consents k WHERE k.customer_id = c.id) AS consents"
)
JOBS: Final = (
    "(SELECT array_agg(x ORDER BY x.created_at DESC, x.id DESC) FROM"
    f" (SELECT {_columns(Job, 'j', JOB_FIELDS, named=True)} FROM jobs j"
    " WHERE j.customer_id = c.id{visible}"
    f" ORDER BY j.created_at DESC, j.id DESC LIMIT {HISTORY_LIMIT}) x) AS jobs"
)
"""The newest jobs (as ``JobRepository.history_for``)."""


def _escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards escaped (``ESCAPE '/'``)."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _text_match(q: str, arg: Params) -> str:
    """Where ``q`` matches a customer (``customers/search.py``).

    Each way of matching by words is its own index-backed query (name and email
    prefixes on ``text_pattern_ops`` indexes, words on GIN indexes, city prefix);
    the customer matches if their id is in the union. ``c.id = ANY(ARRAY(union))``:
    the union runs once and the matches are fetched by primary key (``id IN
    (union)`` made PostgreSQL hash-join a scan of every customer; one ``OR`` across
    the tables would test every customer row).
    """
    text = read_text(q)
    if text.number is not None:
        number = arg(text.number)
        return f"(c.phone = {number} OR c.alt_phone = {number})"
    if text.digits is not None:
        inside = arg(f"%{_escape_like(text.digits)}%")
        return (
            f"(c.phone LIKE {inside} ESCAPE '/'"
            f" OR c.alt_phone LIKE {inside} ESCAPE '/')"
        )
    prefix = arg(f"{_escape_like(text.term or '')}%")
    candidates = [
        f"SELECT n.id FROM customers n WHERE lower(n.name) LIKE {prefix} ESCAPE '/'",
        f"SELECT e.id FROM customers e WHERE lower(e.email) LIKE {prefix} ESCAPE '/'",
        (
            "SELECT t.customer_id FROM properties t WHERE t.deleted_at IS NULL"
            f" AND lower(t.city) LIKE {prefix} ESCAPE '/'"
        ),
    ]
    if text.words is not None:
        words = f"to_tsquery('simple', {arg(text.words)})"
        candidates += [
            f"SELECT w.id FROM customers w WHERE w.search_vector @@ {words}",
            (
                "SELECT a.customer_id FROM properties a WHERE a.deleted_at IS NULL"
                f" AND to_tsvector('simple'::regconfig, a.address) @@ {words}"
            ),
        ]
    return f"c.id = ANY(ARRAY({' UNION '.join(candidates)}))"


LIVE: Final = "c.deleted_at IS NULL"


def _where(query: CustomerQuery, caller: User, arg: Params) -> str:
    """The live customers matching ``query`` that ``caller`` may see."""
    clauses = [LIVE]
    if query.text is not None:
        clauses.append(_text_match(query.text, arg))
    flags = {
        "is_priority": query.is_priority,
        "is_red_flag": query.is_red_flag,
        "is_slow_payer": query.is_slow_payer,
    }
    clauses += [
        f"c.{flag} IS {'TRUE' if wanted else 'FALSE'}"
        for flag, wanted in flags.items()
        if wanted is not None
    ]
    if query.city:
        clauses.append(
            "EXISTS (SELECT 1 FROM properties p WHERE p.customer_id = c.id"
            " AND p.deleted_at IS NULL"
            f" AND lower(p.city) = {arg(query.city.strip().lower())})"
        )
    if query.lead_source:
        clauses.append(
            f"lower(c.lead_source) = {arg(query.lead_source.strip().lower())}"
        )
    if query.has_open_work is not None:
        clauses.append(OPEN_WORK if query.has_open_work else f"NOT {OPEN_WORK}")
    visible = visible_customers_clause(caller, "c.id", f"${len(arg.values) + 1}")
    if visible is not None:
        arg(caller.id)
        clauses.append(visible)
    return " AND ".join(clauses)


def _order_by(sort: CustomerSort) -> str:
    """The sort key, then the id (stable pages)."""
    key = sort.value.removeprefix("-")
    direction = "DESC" if sort.value.startswith("-") else "ASC"
    return f"{SORT_KEYS[key]} {direction}, c.id {direction}"


def _rows(
    names: Sequence[str], rows: Sequence[tuple[Any, ...]] | None
) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in rows or ()]


def _decrypted(column: EncryptedString, value: str | None) -> str | None:
    if value is None:
        return None
    return get_cipher(column.purpose).decrypt(
        value, associated_data=column.associated_data
    )


def _property(data: dict[str, Any], *, show_codes: bool) -> dict[str, Any]:
    """``PropertyRead``'s input: codes decrypted, withheld unless ``show_codes``."""
    gate = _decrypted(GATE_CODE, data["gate_code"])
    lockbox = _decrypted(LOCKBOX_CODE, data["lockbox_code"])
    data["has_gate_code"] = gate is not None
    data["has_lockbox_code"] = lockbox is not None
    data["access_codes_visible"] = show_codes
    data["gate_code"] = gate if show_codes else None
    data["lockbox_code"] = lockbox if show_codes else None
    return data


def _consent(data: dict[str, Any]) -> ConsentRead:
    ip = data["ip"]
    if ip is not None:
        data["ip"] = str(ip)
    return ConsentRead.model_validate(data)


class CustomerQueries:
    """Reads of customers for the API, straight from PostgreSQL."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads

    async def page(
        self, query: CustomerQuery, caller: User, *, limit: int, offset: int
    ) -> Page[CustomerRead]:
        """A page of the visible live customers matching ``query``, with the total.

        One statement. A search counts its matches with ``count(*) OVER ()`` (found
        once, not twice); a filtered list counts in a subquery PostgreSQL runs once,
        so the page itself still walks an index in order; the whole list takes its
        total from ``customer_totals`` (kept exact by triggers). A page past the end
        has no row to carry the total: it is counted.
        """
        arg = Params()
        where = _where(query, caller, arg)
        filters = list(arg.values)
        if query.text is not None:
            total = "count(*) OVER ()"
        elif where == LIVE:  # every live customer: the trigger-kept total
            total = "(SELECT coalesce(sum(live), 0) FROM customer_totals)"
        else:
            total = f"(SELECT count(*) FROM customers c WHERE {where})"
        sql = (
            f"SELECT {CUSTOMER_COLUMNS}, {total} AS total_rows FROM customers c"
            f" WHERE {where} ORDER BY {_order_by(query.sort)}"
            f" LIMIT {arg(limit)} OFFSET {arg(offset)}"
        )
        async with self.reads.connection() as conn:
            rows = await conn.fetch(sql, *arg.values)
            if rows:
                count = int(rows[0]["total_rows"])
            elif offset == 0:
                count = 0
            else:
                counted = await conn.fetchrow(
                    f"SELECT count(*) AS n FROM customers c WHERE {where}", *filters
                )
                count = int(counted["n"]) if counted is not None else 0
        return Page[CustomerRead].model_validate(
            {
                "items": [dict(row) for row in rows],
                "total": count,
                "limit": limit,
                "offset": offset,
            }
        )

    async def get(self, customer_id: uuid.UUID, caller: User) -> CustomerRead:
        """A live customer the caller may see; else 404 (naming a survivor)."""
        arg = Params()
        where, _ = self._live_and_visible(customer_id, caller, arg)
        row = await self.reads.fetchrow(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE {where}", *arg.values
        )
        if row is None:
            raise await self._not_found(customer_id, caller)
        return CustomerRead.model_validate(dict(row))

    async def history(
        self, customer_id: uuid.UUID, caller: User
    ) -> CustomerHistoryRead:
        """The customer with properties, requests, jobs and consent, in one read.

        Technicians see only their properties and jobs, and the access codes only
        of a property where they have a live appointment today.
        """
        arg = Params()
        where, user = self._live_and_visible(customer_id, caller, arg)
        properties = visible_properties_clause(caller, "p.id", user)
        jobs = visible_jobs_clause(caller, "j.id", user)
        columns = [
            CUSTOMER_COLUMNS,
            PROPERTIES.format(visible=f" AND {properties}" if properties else ""),
            REQUESTS,
            CONSENTS,
            JOBS.format(visible=f" AND {jobs}" if jobs else ""),
        ]
        if not is_office(caller):
            codes = CODES_VISIBLE_PROPERTY_IDS_SQL.format(
                user=user, day=arg(business_today())
            )
            columns.append(f"ARRAY({codes}) AS codes_visible")
        row = await self.reads.fetchrow(
            f"SELECT {', '.join(columns)} FROM customers c WHERE {where}", *arg.values
        )
        if row is None:
            raise await self._not_found(customer_id, caller)
        return self._history(dict(row), caller)

    @staticmethod
    def _history(data: dict[str, Any], caller: User) -> CustomerHistoryRead:
        codes_visible = frozenset(data.pop("codes_visible", ()) or ())
        office = is_office(caller)
        properties = [
            _property(p, show_codes=office or p["id"] in codes_visible)
            for p in _rows(PROPERTY_FIELDS, data.pop("properties"))
        ]
        requests = _rows(REQUEST_FIELDS, data.pop("requests"))
        ledger = [_consent(k) for k in _rows(CONSENT_FIELDS, data.pop("consents"))]
        jobs = _rows(JOB_FIELDS, data.pop("jobs"))
        return CustomerHistoryRead.model_validate(
            {
                "customer": data,
                "properties": properties,
                "requests": requests,
                "jobs": jobs,
                "consent": consent_state(ledger),
            }
        )

    @staticmethod
    def _live_and_visible(
        customer_id: uuid.UUID, caller: User, arg: Params
    ) -> tuple[str, str]:
        """The WHERE of one visible live customer, and the caller's id placeholder.

        The id is bound only for a technician (the office sees everything).
        """
        clauses = [f"c.id = {arg(customer_id)}", "c.deleted_at IS NULL"]
        user = f"${len(arg.values) + 1}"
        visible = visible_customers_clause(caller, "c.id", user)
        if visible is not None:
            arg(caller.id)
            clauses.append(visible)
        return " AND ".join(clauses), user

    async def _not_found(
        self, customer_id: uuid.UUID, caller: User
    ) -> CustomerNotFound:
        """The 404; the office learns which customer a merged one went into."""
        if not is_office(caller):
            return CustomerNotFound()
        row = await self.reads.fetchrow(
            "SELECT merged_into_id FROM customers WHERE id = $1", customer_id
        )
        return CustomerNotFound(row["merged_into_id"] if row is not None else None)
