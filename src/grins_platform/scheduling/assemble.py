"""Read a solved problem back into a proposal: routes, totals and human reasons."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from grins_platform.appointments.booking import arrival_window
from grins_platform.scheduling.problem import (
    Route,
    Solution,
    Unassigned,
    UnassignedCode,
)
from grins_platform.scheduling.proposals import (
    ProposalBody,
    ProposalItem,
    ProposalRoute,
    Totals,
    UnassignedJob,
)
from grins_platform.scheduling.units import Built, Inputs, Ref, Unit, job_codes


def _minutes(seconds: int) -> int:
    return round(seconds / 60)


def _weeks(days: list[date]) -> str:
    weeks = sorted({d.isocalendar().week for d in days})
    if len(weeks) == 1:
        return f"week {weeks[0]}"
    return f"weeks {weeks[0]}-{weeks[-1]}"


def _route(built: Built, route: Route, window_minutes: int) -> ProposalRoute:
    vi = int(route.vehicle)
    unit = built.units[vi]
    items: list[ProposalItem] = []
    previous, drive, work = vi, 0, 0
    for step in route.steps:
        eid = int(step.job)
        ref = built.refs[eid]
        where = built.locations[eid]
        leg = built.matrix[previous][where]
        previous, drive = where, drive + leg
        work += step.end - step.start
        if ref.job is None:
            continue
        eta = built.clock.moment(step.start)
        window = arrival_window(eta, built.clock.tz, window_minutes)
        items.append(
            ProposalItem(
                job_id=ref.job.job.id,
                order=len(items) + 1,
                eta=eta,
                planned_end=built.clock.moment(step.end),
                window_start=window[0],
                window_end=window[1],
                travel_minutes=_minutes(leg),
                city=ref.job.city,
                latitude=float(ref.job.latitude or 0),
                longitude=float(ref.job.longitude or 0),
                title=ref.job.job.title,
                locked=ref.kind == "locked",
            )
        )
    drive += built.matrix[previous][vi]
    planned = _route_of(unit, built, items, drive, work)
    if route.breaks:
        planned.lunch_start = built.clock.moment(route.breaks[0].start)
        planned.lunch_end = built.clock.moment(route.breaks[0].end)
    return planned


def _route_of(
    unit: Unit, built: Built, items: list[ProposalItem], drive: int, work: int
) -> ProposalRoute:
    lunch = unit.lunch[2] if unit.lunch else 0
    available = max(0, unit.shift[1] - unit.shift[0] - lunch)
    return ProposalRoute(
        key=unit.key,
        staff_id=unit.staff_id,
        crew_id=unit.crew_id,
        staff_ids=unit.staff_ids,
        name=unit.name,
        day=unit.day,
        shift_start=built.clock.moment(unit.shift[0]),
        shift_end=built.clock.moment(unit.shift[1]),
        home_latitude=unit.home[1],
        home_longitude=unit.home[0],
        items=items,
        drive_minutes=_minutes(drive),
        work_minutes=_minutes(work),
        available_minutes=_minutes(available),
        utilisation=round((drive + work) / available, 3) if available else 0.0,
    )


def reason(built: Built, inputs: Inputs, ref: Ref, left: Unassigned) -> UnassignedJob:
    """The code and words for a job the solver left out."""
    assert ref.job is not None  # noqa: S101 - only jobs are explained
    job_id = ref.job.job.id
    if ref.kind == "locked":
        text = "its locked place can no longer be kept; unlock or move it"
        return UnassignedJob(job_id=job_id, code="locked_conflict", reason=text)
    if left.code is UnassignedCode.MISSING_SKILL:
        return UnassignedJob(
            job_id=job_id, code=left.code.value, reason=_missing(built, ref)
        )
    if left.code is UnassignedCode.NO_CAPACITY_LEFT:
        target = ref.job.job.target_week
        days = [d for d in _days(inputs) if target is None or d >= target]
        text = f"no capacity left in {_weeks(days or _days(inputs))}"
        return UnassignedJob(job_id=job_id, code=left.code.value, reason=text)
    if left.code is UnassignedCode.WINDOW_OUTSIDE_SHIFTS and ref.job.preferred_time:
        text = (
            "no one with the needed skills works during the customer's preferred "
            f"time ({ref.job.preferred_time})"
        )
        return UnassignedJob(job_id=job_id, code=left.code.value, reason=text)
    return UnassignedJob(job_id=job_id, code=left.code.value, reason=left.reason)


def _days(inputs: Inputs) -> list[date]:
    count = (inputs.end - inputs.start).days + 1
    return [inputs.start + timedelta(days=i) for i in range(count)]


def _missing(built: Built, ref: Ref) -> str:
    assert ref.job is not None  # noqa: S101
    missing = sorted(job_codes(ref.job) - built.held_codes)
    parts: list[str] = []
    for code in missing:
        kind, _, name = code.partition(":")
        if kind == "skill":
            parts.append(f"no one has the skill {name}")
        elif kind == "equip":
            parts.append(f"no one carries the equipment {name}")
        else:
            parts.append(f"it needs a crew of {name} and none is working then")
    if parts:
        return "; ".join(parts)
    return "no one working then has all of: " + ", ".join(
        code.partition(":")[2] for code in sorted(job_codes(ref.job))
    )


def _drop_clashes(
    routes: list[ProposalRoute], inputs: Inputs, unassigned: list[UnassignedJob]
) -> None:
    """Items overlapping an existing appointment the solver could not keep go out."""
    for route in routes:
        busy = [
            (v.start, v.end)
            for v in inputs.fixed
            if v.staff_id in route.staff_ids
            and v.start.astimezone(inputs.tz).date() == route.day
        ]
        kept: list[ProposalItem] = []
        for item in route.items:
            if any(item.eta < end and item.planned_end > start for start, end in busy):
                unassigned.append(
                    UnassignedJob(
                        job_id=item.job_id,
                        code="clashes_with_appointment",
                        reason="it would overlap an existing appointment",
                    )
                )
            else:
                kept.append(item.model_copy(update={"order": len(kept) + 1}))
        route.items = kept


def assemble(
    built: Built, inputs: Inputs, solution: Solution | None, window_minutes: int
) -> ProposalBody:
    """The proposal body of a solution (``None``: nobody works in the period)."""
    routes = [
        _route(built, r, window_minutes) for r in (solution.routes if solution else [])
    ]
    unassigned = list(built.pre_unassigned)
    for left in solution.unassigned if solution else []:
        ref = built.refs[int(left.job)]
        if ref.job is not None:
            unassigned.append(reason(built, inputs, ref, left))
    if solution is None:
        unassigned += [
            UnassignedJob(
                job_id=j.job.id,
                code="no_staff",
                reason="no one is working in this period",
            )
            for j in inputs.jobs
            if j.job.id not in {u.job_id for u in unassigned}
        ]
    used = {r.key for r in routes}
    routes += [
        _route_of(unit, built, [], 0, 0) for unit in built.units if unit.key not in used
    ]
    routes.sort(key=lambda r: (r.day, r.name, r.key))
    _drop_clashes(routes, inputs, unassigned)
    return ProposalBody(
        routes=routes,
        unassigned=unassigned,
        totals=_totals(routes, built, len(unassigned), solution),
        job_ids=[j.job.id for j in inputs.jobs],
        staff_ids=sorted(m.id for m in inputs.staff),
        crew_ids=sorted(c.id for c, _ in inputs.crews),
    )


def _totals(
    routes: list[ProposalRoute],
    built: Built,
    unassigned: int,
    solution: Solution | None,
) -> Totals:
    drive = sum(r.drive_minutes for r in routes)
    work = sum(r.work_minutes for r in routes)
    available = sum(
        max(0, u.shift[1] - u.shift[0] - (u.lunch[2] if u.lunch else 0))
        for u in built.units
    )
    available_min = _minutes(available)
    return Totals(
        drive_minutes=drive,
        work_minutes=work,
        available_minutes=available_min,
        utilisation=round((drive + work) / available_min, 3) if available_min else 0.0,
        assigned=sum(len(r.items) for r in routes),
        unassigned=unassigned,
        solve_ms=solution.summary.solve_ms if solution else 0,
    )


def item_ids(body: ProposalBody) -> list[uuid.UUID]:
    """Every assigned job of a proposal."""
    return [item.job_id for route in body.routes for item in route.items]
