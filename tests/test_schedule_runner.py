"""Solving in a worker process: same answer as in-process, and a fresh worker after
shutdown.
"""

from __future__ import annotations

import pytest

from grins_platform.scheduling.engine import SolveOptions
from grins_platform.scheduling.problem import Job, Problem, Vehicle
from grins_platform.scheduling.runner import SolverPool, solve_here

pytestmark = pytest.mark.unit
PROBLEM = Problem(
    vehicles=[Vehicle(id=0, start=0, end=0, shift=(0, 36_000))],
    jobs=[Job(id=1, location=1, service=600), Job(id=2, location=2, service=600)],
    matrix=[[0, 300, 600], [300, 0, 300], [600, 300, 0]],
)
OPTIONS = SolveOptions(time_limit=1, exploration_level=1, threads=1)


async def test_worker_process_solves_like_this_process() -> None:
    pool = SolverPool()
    try:
        remote = await pool.solve(PROBLEM, OPTIONS)
        pool.shutdown()
        again = await pool.solve(PROBLEM, OPTIONS)
    finally:
        pool.shutdown()
    local = solve_here(PROBLEM, OPTIONS)
    assert remote.routes == local.routes == again.routes
    assert remote.summary.assigned == 2
