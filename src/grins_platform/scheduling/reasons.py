"""Why a job was left unassigned, in words a manager can act on.

VROOM only says *which* jobs it left out. The reason is found by asking, in order,
what stops every vehicle from serving the job on its own: the skills, the demand,
the time windows against the shifts, the length of the service, travel from and back
to the home base. A job that some vehicle could serve alone was left out only
because the shifts were full.
"""

from __future__ import annotations

from collections.abc import Sequence

from grins_platform.scheduling.problem import (
    Job,
    Problem,
    UnassignedCode,
    Vehicle,
)
from grins_platform.scheduling.travel import LocatedProblem

ANY_TIME = (0, 2**63)


def explain(
    problem: Problem, located: LocatedProblem, position: int
) -> tuple[UnassignedCode, str]:
    """The code and human reason for job ``position`` being unassigned."""
    job = problem.jobs[position]
    fitting = [
        (index, vehicle)
        for index, vehicle in enumerate(problem.vehicles)
        if set(job.skills) <= set(vehicle.skills)
    ]
    if not fitting:
        missing = _missing_skills(job, problem.vehicles)
        return UnassignedCode.MISSING_SKILL, missing
    fitting = [(i, v) for i, v in fitting if _holds(v, job)]
    if not fitting:
        return (
            UnassignedCode.DEMAND_EXCEEDS_CAPACITY,
            (
                f"demand {job.demand} exceeds the capacity of every vehicle with "
                "the needed skills"
            ),
        )
    windows = job.time_windows or [ANY_TIME]
    if not any(_overlaps(w, v.shift) for _, v in fitting for w in windows):
        return (
            UnassignedCode.WINDOW_OUTSIDE_SHIFTS,
            "its time windows fall outside every suitable vehicle's shift",
        )
    if all(job.service > v.shift[1] - v.shift[0] for _, v in fitting):
        return (
            UnassignedCode.SERVICE_TOO_LONG,
            (
                f"its service ({_minutes(job.service)}) is longer than every "
                "suitable shift"
            ),
        )
    if not any(_serves_alone(i, v, job, position, located) for i, v in fitting):
        return (
            UnassignedCode.UNREACHABLE_IN_SHIFT,
            (
                "no suitable vehicle can travel there, serve it within its window "
                "and return before the end of its shift"
            ),
        )
    return (
        UnassignedCode.NO_CAPACITY_LEFT,
        "no capacity left within the shifts (every suitable vehicle's day is full)",
    )


def _missing_skills(job: Job, vehicles: Sequence[Vehicle]) -> str:
    held = {skill for vehicle in vehicles for skill in vehicle.skills}
    missing = sorted(set(job.skills) - held)
    if missing:
        names = ", ".join(str(skill) for skill in missing)
        noun = "skill" if len(missing) == 1 else "skills"
        return f"no vehicle has the {noun} {names}"
    names = ", ".join(str(skill) for skill in sorted(job.skills))
    return f"no single vehicle has all of the skills {names}"


def _holds(vehicle: Vehicle, job: Job) -> bool:
    if job.demand is None or vehicle.capacity is None:
        return True
    return all(d <= c for d, c in zip(job.demand, vehicle.capacity, strict=True))


def _overlaps(window: tuple[int, int], shift: tuple[int, int]) -> bool:
    return window[0] <= shift[1] and shift[0] <= window[1]


def _serves_alone(
    index: int, vehicle: Vehicle, job: Job, position: int, located: LocatedProblem
) -> bool:
    """Could this vehicle, with nothing else to do, serve the job (breaks included)?"""
    where = located.job_locations[position]
    factor = vehicle.speed_factor
    there = round(located.matrix[located.vehicle_starts[index]][where] / factor)
    back = round(located.matrix[where][located.vehicle_ends[index]] / factor)
    if vehicle.max_travel_time is not None and there + back > vehicle.max_travel_time:
        return False
    pauses = sum(brk.service for brk in vehicle.breaks)
    earliest = vehicle.shift[0] + there
    for low, high in job.time_windows or [ANY_TIME]:
        start = max(earliest, low)
        if start <= high and start + job.service + back + pauses <= vehicle.shift[1]:
            return True
    return False


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"
