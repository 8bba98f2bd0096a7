"""Demo jobs over five seasons with the real seasonal shape, and their statuses.

Spring start-ups peak in late April, fall winterizations in mid-October, summer
brings tune-ups and repairs. Jobs dated well before the as-of day are done (past
seasons: closed or cancelled; the current season: some still waiting to be closed),
jobs around it are in the field, later ones wait to be approved or scheduled.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final

from grins_platform.catalog.pricing import OfferingTerms, quote
from grins_platform.demo.people import PropertyRef
from grins_platform.demo.plan import (
    FORWARD_BOOK_SHARE,
    SEASON_GROWTH,
    DemoOptions,
    at,
    new_id,
    pick_weighted,
    work_day,
)


@dataclass(frozen=True, slots=True)
class OfferingInfo:
    """What a job copies from its offering."""

    id: uuid.UUID
    code: str
    name: str
    terms: OfferingTerms
    staff_needed: int
    skills: list[str]
    equipment: list[str]
    weather_sensitive: bool


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of work: its offering code, share of jobs and date window."""

    code: str
    share: float
    first: tuple[int, int]
    last: tuple[int, int]
    peak: tuple[int, int]


KINDS: Final = (
    Kind("spring_startup", 0.36, (3, 10), (6, 10), (4, 25)),
    Kind("fall_winterization", 0.40, (9, 1), (12, 5), (10, 15)),
    Kind("summer_tuneup", 0.08, (6, 1), (8, 31), (7, 15)),
    Kind("head_replacement", 0.08, (4, 15), (10, 15), (7, 1)),
    Kind("diagnostic", 0.04, (4, 15), (10, 15), (7, 1)),
    Kind("backflow_test", 0.03, (5, 1), (9, 30), (6, 15)),
    Kind("new_system", 0.01, (4, 15), (9, 30), (5, 15)),
)
SEASONAL: Final = frozenset({"spring_startup", "fall_winterization", "summer_tuneup"})
ESTIMATE_ONLY: Final = "new_system"
IN_THE_FIELD_DAYS: Final = 14


Change = tuple[str | None, str, datetime]
"""One move of a job: from, to, when."""


@dataclass(slots=True)
class JobDraft:
    """A job being generated; the schedule fills in its appointment times."""

    id: uuid.UUID
    prop: PropertyRef
    offering: OfferingInfo
    day: date
    status: str
    source: str
    created: datetime
    priority: int
    price: int | None
    minutes: int
    batch_key: str | None = None
    before_hold: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    season: int = 0
    changes: list[Change] = field(default_factory=list["Change"])


def make_jobs(
    options: DemoOptions,
    years: list[int],
    refs: list[PropertyRef],
    offerings: dict[str, OfferingInfo],
    rng: random.Random,
) -> list[JobDraft]:
    """All jobs, season by season, for properties of customers who had joined."""
    total = options.size.jobs
    counts = [round(total * share / sum(SEASON_GROWTH)) for share in SEASON_GROWTH]
    counts[-1] += total - sum(counts)
    drafts: list[JobDraft] = []
    batch_keys: set[tuple[uuid.UUID, str]] = set()
    for season, count in enumerate(counts):
        eligible = [ref for ref in refs if ref.joined <= season] or refs
        latest = season == len(years) - 1
        forward = 0
        if latest and options.today.month >= 9:  # noqa: PLR2004
            forward = round(count * FORWARD_BOOK_SHARE)
        for index in range(count):
            ahead = index < forward
            year = years[season] + (1 if ahead else 0)
            kind = (
                KINDS[0] if ahead else pick_weighted(rng, [(k, k.share) for k in KINDS])
            )
            prop = rng.choice(eligible)
            if kind.code == "backflow_test" and not prop.backflow:
                kind = KINDS[3]
            draft = _draft(
                options, rng, prop, offerings[kind.code], year, kind, latest=latest
            )
            draft.season = season
            _batch(draft, year, batch_keys)
            drafts.append(draft)
    return drafts


def _draft(
    options: DemoOptions,
    rng: random.Random,
    prop: PropertyRef,
    offering: OfferingInfo,
    year: int,
    kind: Kind,
    *,
    latest: bool,
) -> JobDraft:
    first, last, peak = (date(year, *md) for md in (kind.first, kind.last, kind.peak))
    offset = rng.triangular(0, (last - first).days, (peak - first).days)
    day = work_day(first + timedelta(days=int(offset)))
    priced = quote(offering.terms, prop.zone_count)
    seasonal = kind.code in SEASONAL
    lead = timedelta(days=rng.randint(20, 45) if seasonal else rng.randint(1, 14))
    created = at(day, 9 * 60, options.tz) - lead
    now = at(options.today, 12 * 60, options.tz)
    if created >= now:  # booked ahead: created in the last weeks
        created = now - timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600))
    status = _status(rng, options.today, day, kind.code, latest=latest)
    return JobDraft(
        id=new_id(rng),
        prop=prop,
        offering=offering,
        day=day,
        status=status,
        source="seasonal_batch" if seasonal else rng.choice(("request", "staff")),
        created=max(created, prop.since),
        priority=pick_weighted(rng, ((0, 0.1), (1, 0.75), (2, 0.12), (3, 0.03))),
        price=priced.price_cents,
        minutes=priced.minutes,
        before_hold="approved" if status == "on_hold" else None,
    )


Mix = tuple[tuple[str, float], ...]
AHEAD_SOON: Final[Mix] = (
    ("scheduled", 0.5), ("approved", 0.35), ("requested", 0.1), ("on_hold", 0.05)
)  # fmt: skip
AHEAD_LATER: Final[Mix] = (
    ("approved", 0.55), ("requested", 0.35), ("on_hold", 0.05), ("cancelled", 0.05)
)  # fmt: skip
PAST_SEASON: Final[Mix] = (("closed", 0.91), ("cancelled", 0.09))
TODAY: Final[Mix] = (("in_progress", 0.3), ("completed", 0.6), ("cancelled", 0.1))
LAST_DAYS: Final[Mix] = (("completed", 0.55), ("closed", 0.35), ("cancelled", 0.1))
EARLIER: Final[Mix] = (("closed", 0.85), ("completed", 0.07), ("cancelled", 0.08))


def _status(
    rng: random.Random, today: date, day: date, code: str, *, latest: bool
) -> str:
    """The status a job dated ``day`` has on ``today``."""
    if code == ESTIMATE_ONLY:  # quotes: still open, or declined
        return "requested" if day >= today else "cancelled"
    ahead = (day - today).days
    if ahead >= 0:
        mix = AHEAD_SOON if ahead <= IN_THE_FIELD_DAYS else AHEAD_LATER
    elif not latest:
        mix = PAST_SEASON
    elif -ahead <= 1:
        mix = TODAY
    else:
        mix = LAST_DAYS if -ahead <= IN_THE_FIELD_DAYS else EARLIER
    return pick_weighted(rng, mix)


def _batch(draft: JobDraft, year: int, seen: set[tuple[uuid.UUID, str]]) -> None:
    """Seasonal work comes from the season's batch: one per property and season."""
    if draft.source != "seasonal_batch":
        return
    key = f"{draft.offering.code}-{year}"
    if (draft.prop.id, key) in seen:
        draft.source = "staff"
        return
    seen.add((draft.prop.id, key))
    draft.batch_key = key
