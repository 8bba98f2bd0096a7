"""Travel times between ``[lon, lat]`` points, as integer seconds.

Two providers share one interface: :class:`HaversineTravel` (great-circle distance
times a road factor, divided by an average speed; no network needed) and
:class:`OsrmTravel` (an OSRM ``/table`` service, when one is configured).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ValidationError

from grins_platform.core.log_config import get_logger
from grins_platform.scheduling.problem import Problem

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_ROAD_FACTOR = 1.3
DEFAULT_SPEED_KMH = 40.0
OSRM_MAX_TABLE_SIZE = 100
"""``osrm-routed --max-table-size`` default: sources and destinations per request."""

Point = tuple[float, float]
"""``(lon, lat)`` in degrees, the order OSRM and VROOM use."""

logger = get_logger(__name__)


class TravelTimeError(Exception):
    """Travel times could not be obtained (service down, bad answer)."""


class TravelTimeProvider(Protocol):
    """Anything that can produce a square matrix of travel seconds."""

    def matrix(self, points: Sequence[Point]) -> list[list[int]]:
        """Seconds from each point (row) to each point (column)."""
        ...


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two ``(lon, lat)`` points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class HaversineTravel:
    """Straight-line distance x ``road_factor`` / ``speed_kmh``, rounded to seconds.

    The defaults (1.3, 40 km/h) suit suburban driving between residential stops.
    """

    road_factor: float = DEFAULT_ROAD_FACTOR
    speed_kmh: float = DEFAULT_SPEED_KMH

    def __post_init__(self) -> None:
        """Refuse factors that would make travel faster than a straight line."""
        if self.road_factor < 1 or self.speed_kmh <= 0:
            raise ValueError("road_factor must be >= 1 and speed_kmh > 0")

    def seconds(self, a: Point, b: Point) -> int:
        """Travel seconds from ``a`` to ``b``."""
        metres = haversine_m(a, b) * self.road_factor
        return round(metres / (self.speed_kmh / 3.6))

    def matrix(self, points: Sequence[Point]) -> list[list[int]]:
        """Seconds between every pair of points (symmetric, zero diagonal)."""
        size = len(points)
        rows = [[0] * size for _ in range(size)]
        for i in range(size):
            for j in range(i + 1, size):
                rows[i][j] = rows[j][i] = self.seconds(points[i], points[j])
        return rows


class OsrmTravel:
    """Travel times from an OSRM server's ``/table/v1/{profile}/`` service.

    Large matrices are fetched in blocks of at most ``max_table_size`` sources and
    destinations, the server's default limit.

    Args:
        base_url: The server, e.g. ``http://osrm:5000``.
        profile: OSRM profile in the URL (``driving``).
        client: An ``httpx.Client`` to use (tests pass one with a mock transport).
        timeout: Seconds per request when the client is created here.
        max_table_size: Sources/destinations per request.
    """

    def __init__(
        self,
        base_url: str,
        *,
        profile: str = "driving",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        max_table_size: int = OSRM_MAX_TABLE_SIZE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self._client = client or httpx.Client(timeout=timeout)
        self.max_table_size = max_table_size

    def matrix(self, points: Sequence[Point]) -> list[list[int]]:
        """Seconds between every pair of points, block by block."""
        size = len(points)
        rows = [[0] * size for _ in range(size)]
        if size < 2:  # noqa: PLR2004 - nothing to ask the server
            return rows
        step = self.max_table_size
        blocks = [list(range(i, min(i + step, size))) for i in range(0, size, step)]
        for sources in blocks:
            for destinations in blocks:
                table = self._table(points, sources, destinations)
                for r, src in enumerate(sources):
                    for c, dst in enumerate(destinations):
                        rows[src][dst] = table[r][c]
        logger.debug("scheduling.travel.osrm_table_completed", points=size)
        return rows

    def _table(
        self, points: Sequence[Point], sources: list[int], destinations: list[int]
    ) -> list[list[int]]:
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in points)
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}"
        params = {
            "annotations": "duration",
            "sources": ";".join(map(str, sources)),
            "destinations": ";".join(map(str, destinations)),
        }
        try:
            response = self._client.get(url, params=params)
            body: Any = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("scheduling.travel.osrm_table_failed", error=str(exc))
            raise TravelTimeError(f"OSRM table request failed: {exc}") from exc
        return _durations(body, len(sources), len(destinations))


class _OsrmTable(BaseModel):
    """The part of an OSRM ``/table`` answer we read."""

    code: str
    message: str | None = None
    durations: list[list[float | None]] | None = None


def _durations(body: Any, rows: int, cols: int) -> list[list[int]]:
    """Check an OSRM table answer and round its durations to whole seconds."""
    try:
        table = _OsrmTable.model_validate(body)
    except ValidationError as exc:
        raise TravelTimeError("OSRM table answer is not a table") from exc
    if table.code != "Ok" or table.durations is None:
        raise TravelTimeError(
            f"OSRM table answered {table.code}: {table.message or 'no durations'}"
        )
    if len(table.durations) != rows or any(len(r) != cols for r in table.durations):
        raise TravelTimeError("OSRM table answer has the wrong shape")
    if any(value is None for row in table.durations for value in row):
        raise TravelTimeError("OSRM found no route between two of the points")
    return [[round(value or 0) for value in row] for row in table.durations]


def coordinate_matrix(
    points: Sequence[Point], provider: TravelTimeProvider | None = None
) -> list[list[int]]:
    """The integer-seconds matrix between ``points`` (haversine by default)."""
    return (provider or HaversineTravel()).matrix(points)


@dataclass(frozen=True, slots=True)
class LocatedProblem:
    """A problem's travel-time matrix and the matrix index of every location."""

    matrix: list[list[int]]
    vehicle_starts: list[int]
    vehicle_ends: list[int]
    job_locations: list[int]


def locate(
    problem: Problem, provider: TravelTimeProvider | None = None
) -> LocatedProblem:
    """Index the problem's locations into one integer-seconds matrix.

    A given ``matrix`` is used as it is; otherwise the distinct ``[lon, lat]``
    points are collected (shared home bases count once) and ``provider`` (haversine
    by default) builds the matrix between them.
    """
    if problem.matrix is not None:
        return LocatedProblem(
            matrix=problem.matrix,
            vehicle_starts=[_index(v.start) for v in problem.vehicles],
            vehicle_ends=[_index(v.end) for v in problem.vehicles],
            job_locations=[_index(j.location) for j in problem.jobs],
        )
    points: dict[Point, int] = {}
    starts = [_point_index(points, v.start) for v in problem.vehicles]
    ends = [_point_index(points, v.end) for v in problem.vehicles]
    jobs = [_point_index(points, j.location) for j in problem.jobs]
    matrix = coordinate_matrix(list(points), provider)
    return LocatedProblem(matrix, starts, ends, jobs)


def _index(location: int | Point) -> int:
    if not isinstance(location, int):  # pragma: no cover - the model forbids it
        raise TypeError("with a matrix, locations are indexes")
    return location


def _point_index(points: dict[Point, int], location: int | Point) -> int:
    if isinstance(location, int):  # pragma: no cover - the model forbids it
        raise TypeError("without a matrix, locations are [lon, lat] pairs")
    return points.setdefault(location, len(points))
