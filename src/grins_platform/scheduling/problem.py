"""The plain problem and solution format of the scheduling engine.

All times are integer seconds on one clock chosen by the caller (seconds since the
start of the week, or epoch seconds). Locations are indexes into ``matrix`` when a
travel-time matrix is given, otherwise ``[lon, lat]`` pairs. The format is documented
in ``docs/scheduling-problem.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

MAX_SECONDS = 4_000_000_000
"""VROOM reads times and matrix entries as unsigned 32-bit integers."""

Seconds = Annotated[int, Field(ge=0, le=MAX_SECONDS)]
ItemId = StrictInt | StrictStr
Skill = Annotated[int, Field(ge=0, le=2**32 - 1)]


def _ordered(window: tuple[int, int]) -> tuple[int, int]:
    if window[0] > window[1]:
        raise ValueError(f"window start {window[0]} is after its end {window[1]}")
    return window


def _on_earth(point: tuple[float, float]) -> tuple[float, float]:
    lon, lat = point
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # noqa: PLR2004 - degrees
        raise ValueError(f"[{lon}, {lat}] is not a [lon, lat] pair on Earth")
    return point


Window = Annotated[tuple[Seconds, Seconds], AfterValidator(_ordered)]
Coordinates = Annotated[tuple[float, float], AfterValidator(_on_earth)]
Location = Annotated[int, Field(ge=0)] | Coordinates


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Break(_Strict):
    """A break the technician must take when working (lunch)."""

    windows: list[Window] = Field(
        min_length=1, description="Windows in which the break may start."
    )
    service: Seconds = Field(description="Length of the break.")


class Vehicle(_Strict):
    """A technician (or crew) for one working period, usually one day."""

    id: ItemId = Field(description="Caller's id, returned in the solution.")
    start: Location = Field(description="Where the shift starts (home base).")
    end: Location = Field(description="Where the shift ends.")
    shift: Window = Field(description="Leave start no earlier, be back by the end.")
    skills: list[Skill] = Field(default_factory=list[int])
    capacity: list[Annotated[int, Field(ge=0)]] | None = Field(
        default=None, description="Capacity per dimension; omitted means unlimited."
    )
    breaks: list[Break] = Field(default_factory=list[Break])
    max_travel_time: Seconds | None = Field(
        default=None, description="Upper bound on this vehicle's total driving."
    )
    speed_factor: float = Field(
        default=1.0, gt=0, le=5, description="Travel times are divided by this."
    )


class Job(_Strict):
    """A visit: where, how long, when, and what it needs."""

    id: ItemId = Field(description="Caller's id, returned in the solution.")
    location: Location
    service: Seconds = Field(description="Time on site.")
    time_windows: list[Window] = Field(
        default_factory=list[tuple[int, int]],
        description="Windows the service may start in; empty means any time.",
    )
    skills: list[Skill] = Field(
        default_factory=list[int], description="All are needed on one vehicle."
    )
    demand: list[Annotated[int, Field(ge=0)]] | None = None
    priority: int = Field(
        default=0, ge=0, le=100, description="Higher is kept first when short."
    )


class Problem(_Strict):
    """Vehicles, jobs and (optionally) the travel-time matrix between locations."""

    vehicles: list[Vehicle] = Field(min_length=1)
    jobs: list[Job] = Field(default_factory=list[Job])
    matrix: list[list[Seconds]] | None = Field(
        default=None, description="Square matrix of travel seconds between indexes."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [
            *_duplicate_ids("vehicles", [v.id for v in self.vehicles]),
            *_duplicate_ids("jobs", [j.id for j in self.jobs]),
            *self._location_errors(),
            *self._amount_errors(),
            *_window_errors(self),
        ]
        if problems:
            raise ValueError("; ".join(problems[:5]))
        return self

    def locations(self) -> Iterator[tuple[str, Location]]:
        """Every location of the problem with its path (for messages)."""
        for i, vehicle in enumerate(self.vehicles):
            yield f"vehicles[{i}].start", vehicle.start
            yield f"vehicles[{i}].end", vehicle.end
        for i, job in enumerate(self.jobs):
            yield f"jobs[{i}].location", job.location

    def _location_errors(self) -> list[str]:
        if self.matrix is None:
            return [
                f"{path}: an index needs a matrix; without one give [lon, lat]"
                for path, loc in self.locations()
                if isinstance(loc, int)
            ]
        size = len(self.matrix)
        errors = [
            f"matrix row {i} has {len(row)} entries, expected {size} (square)"
            for i, row in enumerate(self.matrix)
            if len(row) != size
        ]
        for path, loc in self.locations():
            if not isinstance(loc, int):
                errors.append(f"{path}: with a matrix, locations are indexes")
            elif loc >= size:
                errors.append(f"{path}: index {loc} outside the {size}x{size} matrix")
        return errors

    def _amount_errors(self) -> list[str]:
        sizes = {
            *(len(v.capacity) for v in self.vehicles if v.capacity is not None),
            *(len(j.demand) for j in self.jobs if j.demand is not None),
        }
        if len(sizes) > 1:
            return [f"capacity and demand lengths differ: {sorted(sizes)}"]
        return []

    @property
    def dimensions(self) -> int:
        """Number of capacity dimensions (0 when no capacity or demand is given)."""
        for vehicle in self.vehicles:
            if vehicle.capacity is not None:
                return len(vehicle.capacity)
        for job in self.jobs:
            if job.demand is not None:
                return len(job.demand)
        return 0


def _duplicate_ids(kind: str, ids: list[int | str]) -> list[str]:
    repeated = [item for item, count in Counter(ids).items() if count > 1]
    return [f"{kind}: id {item!r} is used more than once" for item in repeated]


def _window_errors(problem: Problem) -> list[str]:
    errors: list[str] = []
    for i, vehicle in enumerate(problem.vehicles):
        low, high = vehicle.shift
        for b, brk in enumerate(vehicle.breaks):
            path = f"vehicles[{i}].breaks[{b}]"
            if not any(low <= s and e <= high for s, e in brk.windows):
                errors.append(f"{path}: no window lies inside the shift")
            if brk.service > high - low:
                errors.append(f"{path}: break is longer than the shift")
    for i, job in enumerate(problem.jobs):
        ordered = sorted(job.time_windows)
        for (_, end), (start, _) in pairwise(ordered):
            if start <= end:
                errors.append(f"jobs[{i}].time_windows: windows overlap")
                break
    return errors


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming where each problem is, for the CLI and API messages."""
    parts: list[str] = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    extra = len(parts) - 3
    text = "; ".join(parts[:3])
    return f"{text} (and {extra} more)" if extra > 0 else text


class Step(_Strict):
    """One visit of a route. ``start - arrival`` is the wait before a window."""

    job: ItemId
    arrival: int
    start: int
    end: int


class RouteBreak(_Strict):
    """A break taken on a route."""

    start: int
    end: int


class Route(_Strict):
    """The ordered visits of one vehicle; ``travel`` is its total driving seconds."""

    vehicle: ItemId
    steps: list[Step]
    breaks: list[RouteBreak] = Field(default_factory=list[RouteBreak])
    travel: int
    start: int = Field(description="When the vehicle leaves its start location.")
    end: int = Field(description="When the vehicle reaches its end location.")


class UnassignedCode(StrEnum):
    """Why a job is left out, as a machine-readable code."""

    MISSING_SKILL = "missing_skill"
    DEMAND_EXCEEDS_CAPACITY = "demand_exceeds_capacity"
    WINDOW_OUTSIDE_SHIFTS = "window_outside_shifts"
    SERVICE_TOO_LONG = "service_too_long"
    UNREACHABLE_IN_SHIFT = "unreachable_in_shift"
    NO_CAPACITY_LEFT = "no_capacity_left"


class Unassigned(_Strict):
    """A job the solution leaves out, with a reason a person can act on."""

    job: ItemId
    code: UnassignedCode
    reason: str


class Summary(_Strict):
    """Totals of a solution."""

    travel: int
    assigned: int
    unassigned: int
    solve_ms: int


class Solution(_Strict):
    """Routes of the vehicles used, the jobs left out, and totals."""

    routes: list[Route]
    unassigned: list[Unassigned]
    summary: Summary
