"""The vehicles of a schedule problem: a person (or crew) on a working day.

Also the clock (seconds from midnight of the first day, business time) and the
inputs a solve starts from. See :mod:`grins_platform.scheduling.builder`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo

from grins_platform.scheduling.problem import Problem
from grins_platform.scheduling.proposals import UnassignedJob
from grins_platform.scheduling.repository import FixedVisit, JobInput
from grins_platform.staff.models import Crew, StaffMember
from grins_platform.staff.schemas import WEEKDAYS

PIN_SKILL = 100_000
DAY = 86_400
PREFERENCES: dict[str, tuple[time, time]] = {
    "morning": (time(8), time(12)),
    "am": (time(8), time(12)),
    "afternoon": (time(12), time(17)),
    "pm": (time(12), time(17)),
    "evening": (time(16), time(19)),
}


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything a solve starts from (loaded by the service)."""

    start: date
    end: date
    tz: ZoneInfo
    staff: Sequence[StaffMember]
    away: dict[uuid.UUID, set[date]]
    crews: list[tuple[Crew, list[uuid.UUID]]]
    jobs: list[JobInput]
    fixed: list[FixedVisit]
    locked: dict[uuid.UUID, tuple[str, datetime]] = field(
        default_factory=dict[uuid.UUID, tuple[str, datetime]]
    )
    city_penalty: int = 300


@dataclass(slots=True)
class Unit:
    """One vehicle: a person (or crew) on one day."""

    key: str
    staff_id: uuid.UUID | None
    crew_id: uuid.UUID | None
    staff_ids: list[uuid.UUID]
    name: str
    day: date
    shift: tuple[int, int]
    home: tuple[float, float]
    codes: set[str]
    lunch: tuple[int, int, int] | None
    """(earliest start, latest start, seconds) of the lunch break."""


@dataclass(frozen=True, slots=True)
class Ref:
    """What an engine job stands for."""

    kind: Literal["job", "locked", "fixed"]
    job: JobInput | None = None
    fixed: FixedVisit | None = None


@dataclass(slots=True)
class Built:
    """The problem and what is needed to read its solution back."""

    problem: Problem | None
    """None when nobody works in the period."""
    units: list[Unit]
    refs: dict[int, Ref]
    matrix: list[list[int]]
    locations: dict[int, int]
    clock: Clock
    pre_unassigned: list[UnassignedJob]
    held_codes: set[str]


class Clock:
    """Seconds from midnight (business time) of the first day, and back."""

    def __init__(self, start: date, tz: ZoneInfo) -> None:
        self.tz = tz
        self.origin = datetime.combine(start, time(0), tz).astimezone(UTC)

    def at(self, day: date, clock: time) -> int:
        """Seconds of a business-time ``clock`` on ``day``."""
        local = datetime.combine(day, clock, self.tz)
        return int((local.astimezone(UTC) - self.origin).total_seconds())

    def of(self, moment: datetime) -> int:
        """Seconds of an aware datetime."""
        return int((moment.astimezone(UTC) - self.origin).total_seconds())

    def moment(self, seconds: int) -> datetime:
        """The aware (UTC) datetime of ``seconds``."""
        return self.origin + timedelta(seconds=seconds)


def days_of(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def hours_on(member: StaffMember, day: date) -> tuple[time, time] | None:
    """A staff member's working hours on ``day`` (business time), or None."""
    hours: object = member.working_hours.get(WEEKDAYS[day.weekday()])
    if not isinstance(hours, dict):
        return None
    span = cast("dict[str, object]", hours)
    return time.fromisoformat(str(span["start"])), time.fromisoformat(str(span["end"]))


def lunch_of(
    member: StaffMember, clock: Clock, day: date
) -> tuple[int, int, int] | None:
    """The lunch break of a staff member on ``day`` as engine seconds."""
    if (
        not member.lunch_minutes
        or member.lunch_start is None
        or member.lunch_end is None
    ):
        return None
    service = member.lunch_minutes * 60
    earliest = clock.at(day, member.lunch_start)
    latest = clock.at(day, member.lunch_end) - service
    return (earliest, latest, service) if latest >= earliest else None


def skill_codes(member: StaffMember) -> set[str]:
    """The capability codes a staff member brings."""
    return {f"skill:{c}" for c in member.skills} | {
        f"equip:{c}" for c in member.equipment
    }


def job_codes(job: JobInput) -> set[str]:
    """The capability codes a job needs."""
    codes = {f"skill:{c}" for c in job.job.required_skills}
    codes |= {f"equip:{c}" for c in job.job.required_equipment}
    if job.job.staff_needed > 1:
        codes.add(f"team:{job.job.staff_needed}")
    return codes


def preference_window(text: str | None) -> tuple[time, time] | None:
    """The start window a customer's free-text time preference asks for."""
    if not text:
        return None
    lowered = text.lower()
    for word, window in PREFERENCES.items():
        if word in lowered.replace(".", "").split() or lowered.startswith(word):
            return window
    return None


def make_units(inputs: Inputs, clock: Clock, need_crews: bool) -> list[Unit]:
    """One vehicle per crew or person per working day (crews first, if needed)."""
    members = {m.id: m for m in inputs.staff}
    units: list[Unit] = []
    for day in days_of(inputs.start, inputs.end):
        free = {
            sid
            for sid, m in members.items()
            if day not in inputs.away.get(sid, set()) and hours_on(m, day) is not None
        }
        if need_crews:
            for crew, ids in inputs.crews:
                unit = _crew_unit(crew, ids, members, free, clock, day)
                if unit is not None:
                    units.append(unit)
                    free -= set(ids)
        units.extend(_solo_unit(members[sid], clock, day) for sid in sorted(free))
    return units


def _solo_unit(member: StaffMember, clock: Clock, day: date) -> Unit:
    hours = hours_on(member, day)
    assert hours is not None  # noqa: S101 - only working members get here
    return Unit(
        key=f"staff:{member.id}:{day.isoformat()}",
        staff_id=member.id,
        crew_id=None,
        staff_ids=[member.id],
        name=member.name,
        day=day,
        shift=(clock.at(day, hours[0]), clock.at(day, hours[1])),
        home=(member.home_longitude, member.home_latitude),
        codes=skill_codes(member),
        lunch=lunch_of(member, clock, day),
    )


def _crew_unit(
    crew: Crew,
    ids: list[uuid.UUID],
    members: dict[uuid.UUID, StaffMember],
    free: set[uuid.UUID],
    clock: Clock,
    day: date,
) -> Unit | None:
    if len(ids) < 2 or not set(ids) <= free:  # noqa: PLR2004 - a crew is 2+
        return None
    people = [members[i] for i in ids]
    spans = [hours_on(p, day) for p in people]
    start = max(s[0] for s in spans if s is not None)
    end = min(s[1] for s in spans if s is not None)
    if end <= start:
        return None
    codes = set[str]().union(*(skill_codes(p) for p in people))
    codes |= {f"team:{n}" for n in range(2, len(ids) + 1)}
    return Unit(
        key=f"crew:{crew.id}:{day.isoformat()}",
        staff_id=None,
        crew_id=crew.id,
        staff_ids=list(ids),
        name=crew.name,
        day=day,
        shift=(clock.at(day, start), clock.at(day, end)),
        home=(people[0].home_longitude, people[0].home_latitude),
        codes=codes,
        lunch=lunch_of(people[0], clock, day),
    )
