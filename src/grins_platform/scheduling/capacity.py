"""Capacity: free staff hours per day for the coming weeks, and "booked out until"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.core.config import Settings
from grins_platform.core.log_config import LoggerMixin
from grins_platform.scheduling.repository import ScheduleRepository
from grins_platform.scheduling.units import days_of, hours_on
from grins_platform.staff.models import StaffMember, StaffTimeOff


class DayCapacity(BaseModel):
    """One business day."""

    day: date
    staff_working: int
    available_hours: float = Field(description="Working hours minus lunch, all staff.")
    booked_hours: float = Field(description="Held by live appointments.")
    free_hours: float


class Capacity(BaseModel):
    """Free time per day and the first day with room."""

    start: date
    end: date
    booked_out_until: date | None = Field(
        description="Last working day before the first one with free time; null "
        "when the first working day still has room."
    )
    first_open_day: date | None = Field(
        description="First working day with at least the threshold free; null if none."
    )
    days: list[DayCapacity]


def _available_minutes(member: StaffMember, day: date) -> int:
    hours = hours_on(member, day)
    if hours is None:
        return 0
    start = hours[0].hour * 60 + hours[0].minute
    end = hours[1].hour * 60 + hours[1].minute
    lunch = member.lunch_minutes if member.lunch_start is not None else 0
    return max(0, end - start - lunch)


def _away(entries: Sequence[StaffTimeOff]) -> set[tuple[object, date]]:
    out: set[tuple[object, date]] = set()
    for entry in entries:
        out.update(
            (entry.staff_id, d) for d in days_of(entry.start_date, entry.end_date)
        )
    return out


class CapacityService(LoggerMixin):
    """Reads capacity; never writes."""

    DOMAIN = "scheduling"
    COMPONENT = "capacity"

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.settings = settings
        self.repo = ScheduleRepository(session)

    async def capacity(self, weeks: int, start: date | None = None) -> Capacity:
        """Free hours per day for ``weeks`` weeks from ``start`` (default today)."""
        first = start or datetime.now(UTC).astimezone(self.settings.tz).date()
        last = first + timedelta(days=7 * weeks - 1)
        staff = await self.repo.active_staff()
        away = _away(await self.repo.time_off(first, last))
        booked = await self.repo.booked_minutes_by_day(first, last)
        days: list[DayCapacity] = []
        for day in days_of(first, last):
            working = [m for m in staff if (m.id, day) not in away]
            minutes = [_available_minutes(m, day) for m in working]
            available = sum(minutes)
            used = min(available, booked.get(day, 0))
            days.append(
                DayCapacity(
                    day=day,
                    staff_working=sum(1 for m in minutes if m > 0),
                    available_hours=round(available / 60, 2),
                    booked_hours=round(used / 60, 2),
                    free_hours=round((available - used) / 60, 2),
                )
            )
        threshold = self.settings.capacity_free_threshold_minutes / 60
        open_day = next(
            (d for d in days if d.available_hours > 0 and d.free_hours >= threshold),
            None,
        )
        booked_out = _booked_out_until(days, open_day)
        self.log_completed("capacity", weeks=weeks)
        return Capacity(
            start=first,
            end=last,
            booked_out_until=booked_out,
            first_open_day=open_day.day if open_day else None,
            days=days,
        )


def _booked_out_until(
    days: list[DayCapacity], open_day: DayCapacity | None
) -> date | None:
    working = [d for d in days if d.available_hours > 0]
    if open_day is None:
        return working[-1].day if working else None
    before = [d for d in working if d.day < open_day.day]
    return before[-1].day if before else None
