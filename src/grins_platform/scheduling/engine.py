"""Solve a :class:`Problem` with VROOM and explain every job it leaves out.

Usage::

    engine = ScheduleEngine()  # haversine travel times; OsrmTravel(url) when set up
    solution = engine.solve(problem, SolveOptions(time_limit=5))

pyvroom keeps the GIL while it solves: from async code, solve in another process
(e.g. ``ProcessPoolExecutor``), not ``asyncio.to_thread``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from grins_platform.core.log_config import LoggerMixin
from grins_platform.scheduling.problem import (
    Problem,
    Route,
    RouteBreak,
    Solution,
    Step,
    Summary,
    Unassigned,
)
from grins_platform.scheduling.reasons import explain
from grins_platform.scheduling.travel import (
    LocatedProblem,
    TravelTimeProvider,
    locate,
)
from grins_platform.scheduling.vroom_adapter import RawStep, SolverInputError, run_vroom

__all__ = ["ScheduleEngine", "SolveOptions", "SolverInputError", "solve_problem"]

MAX_EXPLORATION = 5


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How hard and how long to search.

    Attributes:
        time_limit: Seconds after which VROOM returns its best solution so far;
            ``None`` lets the exploration level decide alone.
        exploration_level: VROOM's ``-x``, 0 (fast) to 5 (thorough).
        threads: Worker threads for VROOM (the platform runs on 2 cores).
    """

    time_limit: float | None = 5.0
    exploration_level: int = MAX_EXPLORATION
    threads: int = 2

    def __post_init__(self) -> None:
        """Refuse options VROOM would misread."""
        if self.time_limit is not None and self.time_limit <= 0:
            raise ValueError("time_limit must be positive")
        if not 0 <= self.exploration_level <= MAX_EXPLORATION:
            raise ValueError("exploration_level must be between 0 and 5")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")


class ScheduleEngine(LoggerMixin):
    """Vehicle routing with time windows, skills, breaks, priorities and capacity.

    Args:
        travel: Travel-time provider for problems given in ``[lon, lat]`` pairs;
            haversine (x1.3 road factor, 40 km/h) when omitted.
    """

    DOMAIN = "scheduling"
    COMPONENT = "engine"

    def __init__(self, travel: TravelTimeProvider | None = None) -> None:
        self.travel = travel

    def solve(self, problem: Problem, options: SolveOptions | None = None) -> Solution:
        """Routes for the vehicles used, and every unassigned job with its reason.

        Raises:
            SolverInputError: VROOM refused the problem.
            TravelTimeError: the travel-time service failed.
        """
        options = options or SolveOptions()
        self.log_started(
            "solve", vehicles=len(problem.vehicles), jobs=len(problem.jobs)
        )
        located = locate(problem, self.travel)
        began = time.perf_counter()
        try:
            steps = _solve_steps(problem, located, options)
        except SolverInputError as exc:
            self.log_failed("solve", exc, detail=str(exc))
            raise
        solve_ms = round((time.perf_counter() - began) * 1000)
        solution = _assemble(problem, located, steps, solve_ms)
        self.log_completed(
            "solve",
            vehicles=len(problem.vehicles),
            jobs=len(problem.jobs),
            routes=len(solution.routes),
            assigned=solution.summary.assigned,
            unassigned=solution.summary.unassigned,
            travel=solution.summary.travel,
            solve_ms=solve_ms,
        )
        return solution


def solve_problem(
    problem: Problem,
    options: SolveOptions | None = None,
    travel: TravelTimeProvider | None = None,
) -> Solution:
    """Solve ``problem`` once (see :class:`ScheduleEngine`)."""
    return ScheduleEngine(travel).solve(problem, options)


def _solve_steps(
    problem: Problem, located: LocatedProblem, options: SolveOptions
) -> list[RawStep]:
    if not problem.jobs:
        return []
    return run_vroom(
        problem,
        located,
        exploration_level=options.exploration_level,
        threads=options.threads,
        time_limit=options.time_limit,
    )


def _assemble(
    problem: Problem, located: LocatedProblem, steps: list[RawStep], solve_ms: int
) -> Solution:
    by_vehicle: defaultdict[int, list[RawStep]] = defaultdict(list)
    for step in steps:
        by_vehicle[step.vehicle].append(step)
    routes = [_route(problem, v, by_vehicle[v]) for v in sorted(by_vehicle)]
    served = {s.position for s in steps if s.kind == "job"}
    unassigned: list[Unassigned] = []
    for position, job in enumerate(problem.jobs):
        if position not in served:
            code, reason = explain(problem, located, position)
            unassigned.append(Unassigned(job=job.id, code=code, reason=reason))
    summary = Summary(
        travel=sum(route.travel for route in routes),
        assigned=len(served),
        unassigned=len(unassigned),
        solve_ms=solve_ms,
    )
    return Solution(routes=routes, unassigned=unassigned, summary=summary)


def _route(problem: Problem, vehicle: int, steps: list[RawStep]) -> Route:
    jobs = problem.jobs
    visits = [
        Step(job=jobs[s.position].id, arrival=s.arrival, start=s.start, end=s.end)
        for s in steps
        if s.kind == "job" and s.position is not None
    ]
    breaks = [RouteBreak(start=s.start, end=s.end) for s in steps if s.kind == "break"]
    return Route(
        vehicle=problem.vehicles[vehicle].id,
        steps=visits,
        breaks=breaks,
        travel=steps[-1].travel,
        start=steps[0].arrival,
        end=steps[-1].arrival,
    )
