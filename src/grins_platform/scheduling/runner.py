"""Solve in another process: pyvroom holds the GIL for the whole solve.

One spawn-context worker process per API process, started on first use and reused;
concurrent solves queue behind each other (the machine has two cores and VROOM uses
both). A worker that died is replaced once.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from grins_platform.core.log_config import configure_logging
from grins_platform.scheduling.engine import ScheduleEngine, SolveOptions
from grins_platform.scheduling.problem import Problem, Solution


def _start_worker() -> None:
    """Worker processes log JSON lines through the same masking pipeline."""
    configure_logging("INFO", json_logs=True)


def solve_here(problem: Problem, options: SolveOptions) -> Solution:
    """Solve in this process (what the worker runs)."""
    return ScheduleEngine().solve(problem, options)


class SolverPool:
    """A lazily started single-process pool."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        return self._pool

    async def solve(self, problem: Problem, options: SolveOptions) -> Solution:
        """Solve ``problem`` in the worker without blocking the event loop."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor(), solve_here, problem, options
            )
        except BrokenProcessPool:
            self.shutdown()
            return await loop.run_in_executor(
                self._executor(), solve_here, problem, options
            )

    def shutdown(self) -> None:
        """Stop the worker (at exit, or after it broke)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


solver_pool = SolverPool()
atexit.register(solver_pool.shutdown)
