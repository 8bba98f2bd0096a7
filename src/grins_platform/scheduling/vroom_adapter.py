"""The one place that talks to ``pyvroom``, which ships no type information.

Everything VROOM-specific is here: building ``vroom.Input`` (durations matrix,
vehicles with shift, skills, capacity and breaks; jobs with service, windows, skills,
demand and priority) and reading the solved routes back into plain typed steps. Ids
given to VROOM are positions: vehicle ``i`` and job ``j`` of the problem.

pyvroom facts relied on (1.15): ``Input.set_durations_matrix(profile, matrix)``
with the vehicles' ``profile`` ("car"); ``Input.solve(exploration_level,
nb_threads, timeout=timedelta)``; ``Solution.routes`` is a pandas frame with one row
per step (``vehicle_id``, ``type`` in start/job/break/end, ``arrival``, ``duration``
= driving so far, ``setup``, ``service``, ``waiting_time``, ``id``). Service starts
at ``arrival + waiting_time + setup``. Higher job ``priority`` is kept first (the
pyvroom docstring says the opposite; VROOM itself maximises the priority sum).
Capacity and demand must have the same length on every vehicle and job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import vroom as _vroom_untyped  # type: ignore[import-untyped]  # no stubs/py.typed

from grins_platform.scheduling.problem import Problem, Vehicle
from grins_platform.scheduling.travel import LocatedProblem

vroom: Any = _vroom_untyped
"""pyvroom, deliberately untyped: only this module touches it."""

PROFILE = "car"
UNLIMITED = 2**31 - 1
"""Capacity given to vehicles without one when other vehicles or jobs have amounts."""


class SolverInputError(ValueError):
    """VROOM refused the problem (inconsistent input the model did not catch)."""


@dataclass(frozen=True, slots=True)
class RawStep:
    """One step of a solved route, in VROOM's terms (positions as ids)."""

    vehicle: int
    kind: str
    position: int | None
    arrival: int
    travel: int
    setup: int
    service: int
    waiting: int

    @property
    def start(self) -> int:
        """When the service (or break) starts."""
        return self.arrival + self.waiting + self.setup

    @property
    def end(self) -> int:
        """When the service (or break) ends."""
        return self.start + self.service


def run_vroom(
    problem: Problem,
    located: LocatedProblem,
    *,
    exploration_level: int,
    threads: int,
    time_limit: float | None,
) -> list[RawStep]:
    """Solve with VROOM and return every step of every used route, in order."""
    errors = (
        vroom._vroom.VroomInputException,  # noqa: SLF001 - not re-exported
        vroom._vroom.VroomInternalException,  # noqa: SLF001
        vroom._vroom.VroomRoutingException,  # noqa: SLF001
    )
    try:
        solver_input = _build_input(problem, located)
        solution = solver_input.solve(
            exploration_level=exploration_level,
            nb_threads=threads,
            timeout=None if time_limit is None else timedelta(seconds=time_limit),
        )
    except errors as exc:
        raise SolverInputError(f"the solver refused the problem: {exc}") from exc
    records: list[dict[str, Any]] = solution.routes.to_dict("records")
    return [_raw_step(record) for record in records]


def _build_input(problem: Problem, located: LocatedProblem) -> Any:
    solver_input = vroom.Input()
    solver_input.set_durations_matrix(PROFILE, located.matrix)
    dims = problem.dimensions
    for position, vehicle in enumerate(problem.vehicles):
        solver_input.add_vehicle(_vehicle(position, vehicle, located, dims))
    for position, job in enumerate(problem.jobs):
        windows = [vroom.TimeWindow(s, e) for s, e in sorted(job.time_windows)]
        amount = {"delivery": job.demand or [0] * dims} if dims else {}
        solver_input.add_job(
            vroom.Job(
                position,
                location=located.job_locations[position],
                default_service=job.service,
                skills=set(job.skills),
                priority=job.priority,
                time_windows=windows,
                **amount,
            )
        )
    return solver_input


def _vehicle(
    position: int, vehicle: Vehicle, located: LocatedProblem, dims: int
) -> Any:
    ordered = sorted(vehicle.breaks, key=lambda brk: min(brk.windows))
    breaks = [
        vroom.Break(
            number,
            time_windows=[vroom.TimeWindow(s, e) for s, e in sorted(brk.windows)],
            service=brk.service,
        )
        for number, brk in enumerate(ordered)
    ]
    extra: dict[str, Any] = {}
    if dims:
        extra["capacity"] = vehicle.capacity or [UNLIMITED] * dims
    if vehicle.max_travel_time is not None:
        extra["max_travel_time"] = vehicle.max_travel_time
    return vroom.Vehicle(
        position,
        start=located.vehicle_starts[position],
        end=located.vehicle_ends[position],
        profile=PROFILE,
        skills=set(vehicle.skills),
        time_window=vroom.TimeWindow(*vehicle.shift),
        breaks=breaks,
        speed_factor=vehicle.speed_factor,
        **extra,
    )


def _raw_step(record: dict[str, Any]) -> RawStep:
    identifier: Any = record["id"]
    kind = str(record["type"])
    return RawStep(
        vehicle=int(record["vehicle_id"]),
        kind=kind,
        position=None if kind in {"start", "end"} else int(identifier),
        arrival=int(record["arrival"]),
        travel=int(record["duration"]),
        setup=int(record["setup"]),
        service=int(record["service"]),
        waiting=int(record["waiting_time"]),
    )
