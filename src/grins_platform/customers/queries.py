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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
    TextQuery,
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


def _phone_match(text: TextQuery, arg: Params) -> str | None:
    """Where a whole number or a fragment is either phone; ``None`` for words."""
    if text.number is not None:
        number = arg(text.number)
        return f"(c.phone = {number} OR c.alt_phone = {number})"
    if text.digits is not None:
        inside = arg(f"%{_escape_like(text.digits)}%")
        return (
            f"(c.phone LIKE {inside} ESCAPE '/'"
            f" OR c.alt_phone LIKE {inside} ESCAPE '/')"
        )
    return None


def _late(arg: Params, value: object, kind: str) -> str:
    """``value`` as a parameter PostgreSQL reads when it runs, not when it plans.

    ``(SELECT $n::kind)`` is an init plan whose value the planner does not see, so
    every search gets the same plan: after five runs on a connection PostgreSQL
    keeps the generic plan and stops planning the statement (0.4-0.5 ms, as long
    as a typical search takes to run). The plan's shape is set by the statement
    (bitmap scans, primary-key lookups), not by estimates for one term.
    """
    return f"(SELECT {arg(value)}::{kind})"


def _starts_with(text: TextQuery, arg: Params) -> Callable[[str], str]:
    """Writes "``column`` starts with the term" for ``text_pattern_ops`` columns.

    An index range when the term has an upper bound (``search.py``): PostgreSQL
    turns ``LIKE 'smit%'`` into the same range but then lower-cases every row it
    reads to test the pattern again (3 ms instead of 0.6 ms for the customer rows
    of a 1,900-match prefix on the benchmark database). A ``LIKE`` pattern is
    bound as is: the planner needs it to use the index.
    """
    if text.upper is not None:
        low, high = _late(arg, text.term, "text"), _late(arg, text.upper, "text")
        return lambda column: f"({column} ~>=~ {low} AND {column} ~<~ {high})"
    pattern = arg(f"{_escape_like(text.term or '')}%")
    return lambda column: f"{column} LIKE {pattern} ESCAPE '/'"


def _matches(text: TextQuery, where: str, key: str, arg: Params) -> str:
    """``(id, k)`` once per customer in ``where`` that words ``text`` match.

    ``k`` is the sort key. A customer matches by a name, email or company word
    (``customers/search.py``) or by a live property's city prefix or street words:
    the same customers as the union of the ids each way finds, read more cheaply.
    One bitmap scan of customers ORs the index ranges, the GIN words and the
    primary keys of the customers found through a property (``c.id =
    ANY(ARRAY(...))``, which PostgreSQL estimates at ten rows, so it never scans
    every customer for it): each matching row is read once, with its sort key,
    and nothing is tested again. ``OFFSET 0`` keeps the page's ``ORDER BY ...
    LIMIT`` out of that scan: PostgreSQL would walk the name index testing every
    customer to stop at the 25th match (85 ms for "john" on the benchmark
    database), though the exact count needs every match anyway.

    A ``LIKE`` is re-tested on every row the scan reads, and ``= ANY`` of an array
    parameter is a linear search, so with a ``LIKE`` the property matches are a
    second scan joined by ``UNION`` instead.
    """
    starts = _starts_with(text, arg)
    own = [starts("lower(c.name)"), starts("lower(c.email)")]
    places = [starts("lower(a.city)")]
    if text.words is not None:
        words = f"to_tsquery('simple', {_late(arg, text.words, 'text')})"
        own.append(f"c.search_vector @@ {words}")
        places.append(f"to_tsvector('simple'::regconfig, a.address) @@ {words}")
    through_property = (
        "c.id = ANY(ARRAY(SELECT a.customer_id FROM properties a"
        f" WHERE a.deleted_at IS NULL AND ({' OR '.join(places)})))"
    )
    found = f"SELECT c.id, {key} AS k FROM customers c WHERE {where}"
    if text.upper is None:
        return f"{found} AND ({' OR '.join(own)}) UNION {found} AND {through_property}"
    return f"{found} AND ({' OR '.join([*own, through_property])}) OFFSET 0"


LIVE: Final = "c.deleted_at IS NULL"


def _where(
    query: CustomerQuery, text: TextQuery | None, caller: User, arg: Params
) -> str:
    """The live customers passing ``query``'s filters that ``caller`` may see.

    A phone ``text`` is one more clause; words are matched by ``_matches``.
    """
    clauses = [LIVE]
    phone = None if text is None else _phone_match(text, arg)
    if phone is not None:
        clauses.append(phone)
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


def _sort_key(sort: CustomerSort) -> tuple[str, str]:
    """The sort key's expression and its direction."""
    key = sort.value.removeprefix("-")
    return SORT_KEYS[key], "DESC" if sort.value.startswith("-") else "ASC"


def _order_by(sort: CustomerSort) -> str:
    """The sort key, then the id (stable pages)."""
    key, direction = _sort_key(sort)
    return f"{key} {direction}, c.id {direction}"


@dataclass(frozen=True, slots=True)
class ListStatements:
    """A list page's statement, and the count for a page past the end."""

    page: str
    values: list[Any]
    count: str
    count_values: list[Any]


def list_statements(
    query: CustomerQuery, caller: User, *, limit: int, offset: int
) -> ListStatements:
    """The statements of ``CustomerQueries.page`` (its docstring says why).

    Public so a test or an ``EXPLAIN`` can see exactly what a page runs.
    """
    arg = Params()
    text = None if query.text is None else read_text(query.text)
    where = _where(query, text, caller, arg)
    if text is not None and text.term is not None:
        key, way = _sort_key(query.sort)
        found = _matches(text, where, key, arg)
        filters = list(arg.values)
        return ListStatements(
            f"SELECT {CUSTOMER_COLUMNS}, f.total AS total_rows FROM"
            f" (SELECT id, k, count(*) OVER () AS total FROM ({found}) m"
            f" ORDER BY k {way}, id {way} LIMIT {_late(arg, limit, 'bigint')}"
            f" OFFSET {_late(arg, offset, 'bigint')}) f"
            f" JOIN customers c ON c.id = f.id ORDER BY f.k {way}, f.id {way}",
            arg.values,
            f"SELECT count(*) AS n FROM ({found}) m",
            filters,
        )
    filters = list(arg.values)
    if text is not None:
        total = "count(*) OVER ()"
    elif where == LIVE:  # every live customer: the trigger-kept total
        total = "(SELECT coalesce(sum(live), 0) FROM customer_totals)"
    else:
        total = f"(SELECT count(*) FROM customers c WHERE {where})"
    return ListStatements(
        f"SELECT {CUSTOMER_COLUMNS}, {total} AS total_rows FROM customers c"
        f" WHERE {where} ORDER BY {_order_by(query.sort)}"
        f" LIMIT {arg(limit)} OFFSET {arg(offset)}",
        arg.values,
        f"SELECT count(*) AS n FROM customers c WHERE {where}",
        filters,
    )


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
        once, not twice); a word search sorts and counts just ids and sort keys,
        fetches only the page's rows and is planned once per connection
        (``_matches``, ``_late``); a filtered list counts in a subquery PostgreSQL
        runs once, so the page itself still walks an index in order; the whole list
        takes its total from ``customer_totals`` (kept exact by triggers). A page
        past the end has no row to carry the total: it is counted.
        """
        statements = list_statements(query, caller, limit=limit, offset=offset)
        async with self.reads.connection() as conn:
            rows = await conn.fetch(statements.page, *statements.values)
            if rows:
                count = int(rows[0]["total_rows"])
            elif offset == 0:
                count = 0
            else:
                counted = await conn.fetchrow(
                    statements.count, *statements.count_values
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
