"""Turn staff, crews, approved jobs and fixed appointments into an engine problem.

One vehicle per staff member (or crew) per working day; times are seconds from
midnight of the first day in the business time zone. Skills and equipment become the
engine's integer skills, a job needing *n* people needs a crew of *n*, and every
pinned visit (an existing appointment, or an item the manager locked) gets a skill
only its own vehicle has and a zero-width window at its time. Travel is haversine,
plus a small charge whenever a leg changes city so that same-city work stays together
(the charge is never reported as driving).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from grins_platform.scheduling.problem import Break, Job, Problem, Vehicle
from grins_platform.scheduling.proposals import ProposalItem, UnassignedJob
from grins_platform.scheduling.repository import JobInput
from grins_platform.scheduling.travel import HaversineTravel
from grins_platform.scheduling.units import (
    PIN_SKILL,
    Built,
    Clock,
    Inputs,
    Ref,
    days_of,
    job_codes,
    make_units,
    preference_window,
)


def job_windows(
    job: JobInput, clock: Clock, days: list[date]
) -> list[tuple[int, int]] | None:
    """Start windows from the target week and the customer's preference.

    ``[]`` means any time in the period; ``None`` that no day of the period fits.
    """
    target = job.job.target_week
    week_start = target - timedelta(days=target.weekday()) if target else None
    allowed = [d for d in days if week_start is None or d >= week_start]
    if not allowed:
        return None
    preferred = preference_window(job.preferred_time)
    if week_start is None and preferred is None:
        return []
    windows: list[tuple[int, int]] = []
    for day in allowed:
        if preferred is None:
            windows.append((clock.at(day, time(0)), clock.at(day, time(23, 59))))
        else:
            windows.append((clock.at(day, preferred[0]), clock.at(day, preferred[1])))
    return windows


def _priority(job: JobInput, start: date) -> int:
    overdue = job.job.target_week is not None and job.job.target_week < start
    return min(99, 20 + 25 * job.job.priority + (5 if overdue else 0))


class _Builder:
    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.clock = Clock(inputs.start, inputs.tz)
        need_crews = any(j.job.staff_needed > 1 for j in inputs.jobs)
        self.units = make_units(inputs, self.clock, need_crews)
        self.held: set[str] = set[str]().union(*(u.codes for u in self.units))
        wanted = set[str]().union(*(job_codes(j) for j in inputs.jobs))
        self.code_ids = {c: i + 1 for i, c in enumerate(sorted(self.held | wanted))}
        self.points: list[tuple[float, float]] = [u.home for u in self.units]
        self.cities: list[str | None] = [None] * len(self.units)
        self.jobs: list[Job] = []
        self.refs: dict[int, Ref] = {}
        self.locations: dict[int, int] = {}
        self.unassigned: list[UnassignedJob] = []

    def add(
        self, ref: Ref, where: tuple[float, float], city: str, **job: object
    ) -> None:
        eid = len(self.jobs)
        self.locations[eid] = len(self.points)
        self.points.append(where)
        self.cities.append(city.strip().lower())
        self.jobs.append(
            Job.model_validate({"id": eid, "location": self.locations[eid], **job})
        )
        self.refs[eid] = ref

    def pin_fixed(self) -> None:
        for vi, unit in enumerate(self.units):
            seen: set[uuid.UUID] = set()
            for visit in self.inputs.fixed:
                local_day = visit.start.astimezone(self.inputs.tz).date()
                if visit.staff_id not in unit.staff_ids or local_day != unit.day:
                    continue
                if visit.appointment_id in seen:
                    continue
                seen.add(visit.appointment_id)
                at = self.clock.of(visit.start)
                where = (
                    visit.longitude or unit.home[0],
                    visit.latitude or unit.home[1],
                )
                self.add(
                    Ref("fixed", fixed=visit),
                    where,
                    visit.city,
                    service=max(0, self.clock.of(visit.end) - at),
                    time_windows=[(at, at)],
                    skills=[PIN_SKILL + vi],
                    priority=100,
                )

    def add_jobs(self) -> None:
        days = days_of(self.inputs.start, self.inputs.end)
        by_key = {u.key: i for i, u in enumerate(self.units)}
        for item in self.inputs.jobs:
            job = item.job
            if item.latitude is None or item.longitude is None:
                self.unassigned.append(
                    UnassignedJob(
                        job_id=job.id,
                        code="no_location",
                        reason="the property has no coordinates; geocode or enter them",
                    )
                )
                continue
            where = (item.longitude, item.latitude)
            lock = self.inputs.locked.get(job.id)
            if lock is not None and lock[0] in by_key:
                at = self.clock.of(lock[1])
                self.add(
                    Ref("locked", job=item),
                    where,
                    item.city,
                    service=job.estimated_minutes * 60,
                    time_windows=[(at, at)],
                    skills=[PIN_SKILL + by_key[lock[0]]],
                    priority=100,
                )
                continue
            windows = job_windows(item, self.clock, days)
            if windows is None:
                self.unassigned.append(
                    UnassignedJob(
                        job_id=job.id,
                        code="target_week_later",
                        reason="its target week starts after this period",
                    )
                )
                continue
            self.add(
                Ref("job", job=item),
                where,
                item.city,
                service=job.estimated_minutes * 60,
                time_windows=windows,
                skills=sorted(self.code_ids[c] for c in job_codes(item)),
                priority=_priority(item, self.inputs.start),
            )

    def vehicles(self) -> list[Vehicle]:
        out: list[Vehicle] = []
        for vi, unit in enumerate(self.units):
            breaks: list[Break] = []
            if unit.lunch is not None:
                low = max(unit.lunch[0], unit.shift[0])
                high = min(unit.lunch[1], unit.shift[1] - unit.lunch[2])
                if high >= low:
                    breaks.append(Break(windows=[(low, high)], service=unit.lunch[2]))
            out.append(
                Vehicle(
                    id=vi,
                    start=vi,
                    end=vi,
                    shift=unit.shift,
                    breaks=breaks,
                    skills=sorted(
                        {self.code_ids[c] for c in unit.codes} | {PIN_SKILL + vi}
                    ),
                )
            )
        return out

    def penalised(self, matrix: list[list[int]]) -> list[list[int]]:
        penalty = self.inputs.city_penalty
        cities = self.cities
        return [
            [
                cell + penalty
                if cities[i] is not None
                and cities[j] is not None
                and cities[i] != cities[j]
                else cell
                for j, cell in enumerate(row)
            ]
            for i, row in enumerate(matrix)
        ]


def build(inputs: Inputs) -> Built:
    """The engine problem for ``inputs`` and the keys to read its solution."""
    builder = _Builder(inputs)
    builder.pin_fixed()
    builder.add_jobs()
    matrix = HaversineTravel().matrix(builder.points)
    problem = None
    if builder.units:
        problem = Problem(
            vehicles=builder.vehicles(),
            jobs=builder.jobs,
            matrix=builder.penalised(matrix),
        )
    return Built(
        problem=problem,
        units=builder.units,
        refs=builder.refs,
        matrix=matrix,
        locations=builder.locations,
        clock=builder.clock,
        pre_unassigned=builder.unassigned,
        held_codes=builder.held,
    )


def locked_items(
    items: Sequence[tuple[str, ProposalItem]],
) -> dict[uuid.UUID, tuple[str, datetime]]:
    """The locked items of a proposal as ``job_id -> (route key, eta)``."""
    return {item.job_id: (key, item.eta) for key, item in items if item.locked}
