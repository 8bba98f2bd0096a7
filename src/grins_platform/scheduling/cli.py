"""``grins schedule``: solve a routing problem file and print the solution as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import structlog
import typer
from pydantic import ValidationError

from grins_platform.core.log_config import configure_logging
from grins_platform.scheduling.engine import (
    ScheduleEngine,
    SolveOptions,
    SolverInputError,
)
from grins_platform.scheduling.problem import Problem, describe_validation_error
from grins_platform.scheduling.travel import (
    OsrmTravel,
    TravelTimeError,
    TravelTimeProvider,
)

schedule_app = typer.Typer(
    help="Scheduling engine: solve routing problems (see docs/scheduling-problem.md).",
    no_args_is_help=True,
)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_problem(path: Path) -> Problem:
    """Read and validate a problem file; any defect becomes one ``error:`` line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", 2)
    try:
        return Problem.model_validate_json(text)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            _fail(f"{path} is not valid JSON", 2)
        _fail(f"{path}: {describe_validation_error(exc)}", 2)


def _quiet_logging() -> None:
    """Logs go to stderr at WARNING so stdout stays pure JSON (unless set up)."""
    if not structlog.is_configured():
        configure_logging("WARNING", json_logs=True, stream=sys.stderr)


@schedule_app.command("solve")
def solve(
    file: Annotated[Path, typer.Argument(help="Problem JSON file.", dir_okay=False)],
    *,
    time_limit: Annotated[
        float, typer.Option(help="Stop searching after this many seconds.", min=0.1)
    ] = 5.0,
    exploration: Annotated[
        int, typer.Option(help="Search effort, 0 (fast) to 5.", min=0, max=5)
    ] = 5,
    threads: Annotated[int, typer.Option(help="Solver threads.", min=1)] = 2,
    output: Annotated[
        Path | None, typer.Option(help="Also write the solution to this file.")
    ] = None,
    osrm_url: Annotated[
        str | None,
        typer.Option(
            help="OSRM server for [lon, lat] problems (haversine otherwise).",
            envvar="GRINS_OSRM_URL",
        ),
    ] = None,
) -> None:
    """Solve FILE and print the solution JSON."""
    _quiet_logging()
    problem = load_problem(file)
    travel: TravelTimeProvider | None = OsrmTravel(osrm_url) if osrm_url else None
    options = SolveOptions(
        time_limit=time_limit, exploration_level=exploration, threads=threads
    )
    try:
        solution = ScheduleEngine(travel).solve(problem, options)
    except SolverInputError as exc:
        _fail(str(exc), 2)
    except TravelTimeError as exc:
        _fail(str(exc), 1)
    text = json.dumps(solution.model_dump(mode="json"), indent=2)
    if output is not None:
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}", 1)
    typer.echo(text)
