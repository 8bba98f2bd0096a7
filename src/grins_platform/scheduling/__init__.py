"""Scheduling engine: vehicle routing with time windows, skills and breaks (VROOM).

The engine is pure: it takes a :class:`~grins_platform.scheduling.problem.Problem`
(technicians as vehicles, visits as jobs, integer seconds everywhere) and returns a
:class:`~grins_platform.scheduling.problem.Solution`. Building problems from staff and
jobs, and storing proposals, belong to the product layer.
"""

from __future__ import annotations

from grins_platform.scheduling.engine import (
    ScheduleEngine,
    SolveOptions,
    SolverInputError,
    solve_problem,
)
from grins_platform.scheduling.problem import (
    Break,
    Job,
    Problem,
    Route,
    RouteBreak,
    Solution,
    Step,
    Summary,
    Unassigned,
    UnassignedCode,
    Vehicle,
)
from grins_platform.scheduling.travel import (
    HaversineTravel,
    OsrmTravel,
    TravelTimeError,
    TravelTimeProvider,
)

__all__ = [
    "Break",
    "HaversineTravel",
    "Job",
    "OsrmTravel",
    "Problem",
    "Route",
    "RouteBreak",
    "ScheduleEngine",
    "Solution",
    "SolveOptions",
    "SolverInputError",
    "Step",
    "Summary",
    "TravelTimeError",
    "TravelTimeProvider",
    "Unassigned",
    "UnassignedCode",
    "Vehicle",
    "solve_problem",
]
