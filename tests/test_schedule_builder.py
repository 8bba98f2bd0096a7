"""The problem builder, without a database: clock, windows, crews, city penalty."""

from __future__ import annotations

import uuid
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from grins_platform.jobs.models import Job, JobStatus
from grins_platform.scheduling.builder import build, job_windows
from grins_platform.scheduling.repository import JobInput
from grins_platform.scheduling.units import Clock, Inputs, make_units, preference_window
from grins_platform.staff.models import Crew, StaffMember

pytestmark = pytest.mark.unit
TZ = ZoneInfo("America/Chicago")
MONDAY = date(2026, 12, 7)
HOURS = {"mon": {"start": "08:00:00", "end": "17:00:00"}}


def _staff(
    hours: dict[str, dict[str, str]] = HOURS, skills: list[str] | None = None
) -> StaffMember:
    return StaffMember(
        id=uuid.uuid4(),
        name="T",
        skills=skills or [],
        equipment=[],
        home_latitude=44.85,
        home_longitude=-93.47,
        working_hours=hours,
        lunch_start=time(11),
        lunch_end=time(13),
        lunch_minutes=30,
    )


def _job(
    city: str,
    lat: float,
    *,
    target: date | None = None,
    pref: str | None = None,
    staff_needed: int = 1,
) -> JobInput:
    job = Job(
        id=uuid.uuid4(),
        title="x",
        status=JobStatus.APPROVED,
        estimated_minutes=60,
        priority=1,
        staff_needed=staff_needed,
        required_skills=[],
        required_equipment=[],
        target_week=target,
    )
    return JobInput(job, city, lat, -93.45, pref)


def test_clock_counts_real_seconds_across_the_dst_change() -> None:
    clock = Clock(date(2026, 3, 7), TZ)
    assert clock.at(date(2026, 3, 7), time(8)) == 8 * 3600
    assert clock.at(date(2026, 3, 9), time(8)) == 2 * 86400 + 8 * 3600 - 3600
    assert clock.of(clock.moment(12345)) == 12345


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("Morning", (time(8), time(12))),
        ("afternoon if possible", (time(12), time(17))),
        ("p.m.", (time(12), time(17))),
        ("any", None),
        (None, None),
    ],
)
def test_preferences(text: str | None, window: tuple[time, time] | None) -> None:
    assert preference_window(text) == window


def test_windows_follow_the_target_week_and_preference() -> None:
    clock = Clock(MONDAY, TZ)
    days = [MONDAY, date(2026, 12, 8)]
    assert job_windows(_job("A", 45.0), clock, days) == []
    later = _job("A", 45.0, target=date(2026, 12, 16))
    assert job_windows(later, clock, days) is None
    morning = _job("A", 45.0, target=date(2026, 12, 9), pref="morning")
    assert job_windows(morning, clock, days) == [
        (8 * 3600, 12 * 3600),
        (86400 + 8 * 3600, 86400 + 12 * 3600),
    ]


def test_crew_vehicle_only_when_needed_with_overlapping_hours() -> None:
    early = _staff({"mon": {"start": "07:00:00", "end": "15:00:00"}})
    late = _staff({"mon": {"start": "09:00:00", "end": "18:00:00"}})
    crew = Crew(id=uuid.uuid4(), name="C", is_active=True)
    inputs = Inputs(
        start=MONDAY,
        end=MONDAY,
        tz=TZ,
        staff=[early, late],
        away={},
        crews=[(crew, [early.id, late.id])],
        jobs=[],
        fixed=[],
    )
    clock = Clock(MONDAY, TZ)
    assert len(make_units(inputs, clock, need_crews=False)) == 2
    (unit,) = make_units(inputs, clock, need_crews=True)
    assert unit.crew_id == crew.id
    assert unit.shift == (9 * 3600, 15 * 3600)
    assert "team:2" in unit.codes


def test_city_changes_cost_extra_only_for_the_solver() -> None:
    inputs = Inputs(
        start=MONDAY,
        end=MONDAY,
        tz=TZ,
        staff=[_staff()],
        away={},
        crews=[],
        jobs=[_job("Plymouth", 45.01), _job("Rogers", 45.18), _job("Plymouth", 45.02)],
        fixed=[],
        city_penalty=300,
    )
    built = build(inputs)
    assert built.problem is not None
    solver = built.problem.matrix
    assert solver is not None
    a, b, c = (built.locations[i] for i in range(3))
    assert solver[a][b] == built.matrix[a][b] + 300
    assert solver[a][c] == built.matrix[a][c]
    assert solver[0][a] == built.matrix[0][a]
    (vehicle,) = built.problem.vehicles
    assert vehicle.breaks[0].windows == [(11 * 3600, 12 * 3600 + 1800)]
    assert vehicle.breaks[0].service == 1800


def test_nobody_working_builds_no_problem() -> None:
    inputs = Inputs(
        start=date(2026, 12, 12),
        end=date(2026, 12, 12),
        tz=TZ,
        staff=[_staff()],
        away={},
        crews=[],
        jobs=[_job("A", 45.0)],
        fixed=[],
    )
    assert build(inputs).problem is None
