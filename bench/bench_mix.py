"""The request mix of ``api_bench.py``: what an office does all day, by weight.

Reads dominate (lists, searches, a customer's history, a job, the counts); writes
create customers and jobs, move jobs through the workflow and, now and then, change a
price in the catalog (which empties the catalog's cache entry, so the next catalog read
loads it again and sets it: the mix's cache sets).
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from bench_stats import OpStats
from http_client import HttpClientError, HttpConnection

READS: dict[str, int] = {
    "health": 6,
    "customers: first page": 10,
    "customers: search name prefix": 10,
    "customers: search phone": 8,
    "customer history": 10,
    "jobs ready for a week": 10,
    "job": 12,
    "dashboard counts": 8,
    "catalog for the job form": 4,
}
WRITES: dict[str, int] = {
    "create customer": 4,
    "create job": 5,
    "job transition": 5,
    "catalog price change": 1,
}
PRICED_OFFERING = "backflow_test"
"""The offering whose price the mix changes: not one that "create job" uses, so the
workers' remembered offerings (``jobs/writes.py``) stay valid for the job creates."""


@dataclass(slots=True)
class Samples:
    """Real identifiers and search terms from the bench database."""

    customer_ids: list[str]
    name_prefixes: list[str]
    phones: list[str]
    weeks: list[str]
    job_ids: list[str]
    properties: list[tuple[str, int]]
    offering_ids: list[str]
    priced_offering_ids: list[str]
    requested: deque[str]
    used_phones: set[str]
    run: str = field(default_factory=lambda: str(int(time.time())))
    created: int = 0


async def load_samples(conn: Any) -> Samples:
    """Sample ids and terms (random, so the caches and pages are not all warm)."""
    rows = await conn.fetch(
        "SELECT id::text, name, phone FROM customers WHERE deleted_at IS NULL "
        "ORDER BY random() LIMIT 2000"
    )
    weeks = await conn.fetch(
        "SELECT to_char(target_week, 'IYYY-\"W\"IW') AS w FROM jobs "
        "WHERE status = 'approved' AND category = 'ready_to_schedule' "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 12"
    )
    jobs = await conn.fetch("SELECT id::text FROM jobs ORDER BY random() LIMIT 2000")
    props = await conn.fetch(
        "SELECT id::text, coalesce(zone_count, 6) AS z FROM properties "
        "WHERE deleted_at IS NULL ORDER BY random() LIMIT 2000"
    )
    offerings = await conn.fetch(
        "SELECT id::text FROM offerings WHERE code IN "
        "('spring_startup', 'summer_tuneup', 'head_replacement', 'diagnostic')"
    )
    priced = await conn.fetch(
        "SELECT id::text FROM offerings WHERE code = $1", PRICED_OFFERING
    )
    requested = await conn.fetch(
        "SELECT id::text FROM jobs WHERE status = 'requested' "
        "AND category = 'ready_to_schedule' LIMIT 5000"
    )
    used = await conn.fetch("SELECT phone FROM customers WHERE phone LIKE '+1___555%'")
    return Samples(
        customer_ids=[r["id"] for r in rows],
        # Surnames only: the customers earlier runs created ("Bench Customer 3-17")
        # would make a "name prefix" such as "3-17", a phone-fragment search.
        name_prefixes=[
            prefix
            for prefix in (r["name"].split()[-1][:4].lower() for r in rows)
            if prefix.isalpha()
        ],
        phones=[f"{p[2:5]}-{p[5:8]}-{p[8:]}" for p in (r["phone"] for r in rows) if p],
        weeks=[r["w"] for r in weeks],
        job_ids=[r["id"] for r in jobs],
        properties=[(r["id"], int(r["z"])) for r in props],
        offering_ids=[r["id"] for r in offerings],
        priced_offering_ids=[r["id"] for r in priced],
        requested=deque(r["id"] for r in requested),
        used_phones={r["phone"] for r in used},
    )


class Mix:
    """One closed-loop client: pick an operation by weight, send, wait, repeat."""

    def __init__(self, samples: Samples, seed: int) -> None:
        self.samples = samples
        self.rng = random.Random(seed)
        weights = {**READS, **WRITES}
        self.names = list(weights)
        self.cum_weights = list(accumulate(weights.values()))

    async def run(
        self, client: HttpConnection, deadline: float, stats: dict[str, OpStats]
    ) -> None:
        """Send requests on this client's connection until ``deadline``.

        ``deadline`` is a ``time.perf_counter`` value. A status >= 400 or a failed
        connection counts as an error of the operation.
        """
        choices, names, cum = self.rng.choices, self.names, self.cum_weights
        clock = time.perf_counter
        while clock() < deadline:
            name = choices(names, cum_weights=cum)[0]
            method, url, body = self.request(name)
            started = clock()
            try:
                response = await client.request(method, url, body)
                error = None
                if response.status >= 400:
                    error = f"{response.status} {response.text[:200]}"
                elif name == "create job":
                    self.samples.requested.append(str(response.json()["id"]))
            except HttpClientError as exc:
                error = str(exc)
            stats[name].add((clock() - started) * 1000, error)

    def request(self, name: str) -> tuple[str, str, dict[str, Any] | None]:
        """Method, URL and JSON body of one operation."""
        s, pick = self.samples, self.rng.choice
        simple: dict[str, str] = {
            "health": "/health",
            "customers: first page": "/api/v1/customers",
            "customers: search name prefix": f"/api/v1/customers?q={pick(s.name_prefixes)}",
            "customers: search phone": f"/api/v1/customers?q={pick(s.phones)}",
            "customer history": f"/api/v1/customers/{pick(s.customer_ids)}/history",
            "jobs ready for a week": f"/api/v1/jobs/ready?week={pick(s.weeks)}",
            "job": f"/api/v1/jobs/{pick(s.job_ids)}",
            "dashboard counts": "/api/v1/jobs/counts",
            "catalog for the job form": "/api/v1/catalog/offerings?active=true",
        }
        if name in simple:
            return "GET", simple[name], None
        if name == "create customer":
            return "POST", "/api/v1/customers", self.new_customer()
        if name == "create job":
            prop, zones = pick(s.properties)
            body = {"property_id": prop, "offering_id": pick(s.offering_ids),
                    "zone_count": zones, "target_week": pick(s.weeks)}  # fmt: skip
            return "POST", "/api/v1/jobs", body
        if name == "catalog price change":
            # A price between $90.00 and $90.99: audited, the cache entry dropped.
            body = {"base_price_cents": 9000 + self.rng.randrange(100)}
            return (
                "PATCH",
                f"/api/v1/catalog/offerings/{s.priced_offering_ids[0]}",
                body,
            )
        job = s.requested.popleft() if s.requested else pick(s.job_ids)
        body = {"to_status": "approved", "reason": "benchmark"}
        return "POST", f"/api/v1/jobs/{job}/transitions", body

    def new_customer(self) -> dict[str, Any]:
        """A new customer with a phone and email nobody has (555 exchange)."""
        s = self.samples
        while True:
            phone = f"+1{self.rng.choice(('612', '651', '763', '952'))}555"
            phone += f"{self.rng.randint(0, 9999):04d}"
            if phone not in s.used_phones:
                s.used_phones.add(phone)
                break
        s.created += 1
        return {
            "name": f"Bench Customer {s.run}-{s.created}",
            "phone": phone,
            "email": f"bench-{s.run}-{s.created}@example.org",
            "lead_source": "website",
        }
