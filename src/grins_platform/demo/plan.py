"""How much demo data a scale means, the five seasons, and shared generator helpers."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")
SEASON_COUNT: Final = 5
SEASON_GROWTH: Final = (0.16, 0.18, 0.20, 0.22, 0.24)
"""Share of all jobs per season, oldest first: the business grows every year."""
FORWARD_BOOK_SHARE: Final = 0.12
"""Of the current season's jobs, next spring's start-ups already on the books (from
September on, the office batch-creates them ahead of time)."""


@dataclass(frozen=True, slots=True)
class DemoSize:
    """Row counts for one scale (scale 1 = the DESIGN.md §5 dataset)."""

    customers: int
    staff: int
    jobs: int
    appointments: int

    @classmethod
    def for_scale(cls, scale: float) -> DemoSize:
        """20,000 customers, 10 staff, 100,000 jobs, 60,000 appointments per unit."""
        if scale <= 0:
            msg = "scale must be greater than 0"
            raise ValueError(msg)
        return cls(
            customers=max(20, round(20_000 * scale)),
            staff=10 if scale <= 1 else round(10 * scale),
            jobs=max(50, round(100_000 * scale)),
            appointments=max(30, round(60_000 * scale)),
        )


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What to generate: scale, seed and the day the data is "as of"."""

    scale: float = 1.0
    seed: int = 2026
    as_of: date | None = None
    timezone: str = "America/Chicago"

    @property
    def size(self) -> DemoSize:
        """Row counts for the scale."""
        return DemoSize.for_scale(self.scale)

    @property
    def today(self) -> date:
        """The as-of date (today unless given)."""
        return self.as_of or date.today()  # noqa: DTZ011 - a business date

    @property
    def tz(self) -> ZoneInfo:
        """The business time zone."""
        return ZoneInfo(self.timezone)


def current_season(today: date) -> int:
    """The season (year) in progress or just finished; Jan-Feb belong to last year."""
    return today.year if today.month >= 3 else today.year - 1  # noqa: PLR2004


def season_years(today: date) -> list[int]:
    """The five seasons, oldest first, ending with the current one."""
    last = current_season(today)
    return list(range(last - SEASON_COUNT + 1, last + 1))


def new_id(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from the seeded generator (reproducible, unlike uuid4)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def at(day: date, minute_of_day: int, tz: ZoneInfo) -> datetime:
    """``day`` at ``minute_of_day`` minutes after midnight, business time."""
    return datetime.combine(day, time(0, 0), tzinfo=tz) + timedelta(
        minutes=minute_of_day
    )


def work_day(day: date) -> date:
    """``day``, or the Monday after when it is a Sunday (no field work on Sundays)."""
    return day + timedelta(days=1) if day.weekday() == 6 else day  # noqa: PLR2004


def monday(day: date) -> date:
    """The Monday of ``day``'s ISO week (a job's target week)."""
    return day - timedelta(days=day.weekday())


def pick_weighted(rng: random.Random, items: Sequence[tuple[T, float]]) -> T:
    """One of ``items`` by weight."""
    values = [item for item, _ in items]
    weights = [weight for _, weight in items]
    return rng.choices(values, weights)[0]
