"""Scheduling engine: each solver constraint changes the answer, and is kept."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from grins_platform.scheduling import (
    HaversineTravel,
    OsrmTravel,
    Problem,
    ScheduleEngine,
    Solution,
    SolveOptions,
    TravelTimeError,
    UnassignedCode,
    solve_problem,
)
from grins_platform.scheduling.problem import describe_validation_error
from grins_platform.scheduling.travel import coordinate_matrix, haversine_m
from tests.conftest import LogCapture

pytestmark = pytest.mark.unit
H = 3600
FAST = SolveOptions(time_limit=2, exploration_level=5, threads=1)

# Depot 0; 1 and 2 near it, 3 far away.
MATRIX = [
    [0, 300, 900, 3000],
    [300, 0, 600, 3000],
    [900, 600, 0, 3000],
    [3000, 3000, 3000, 0],
]


def vehicle(vid: int | str = "v1", **fields: Any) -> dict[str, Any]:
    return {"id": vid, "start": 0, "end": 0, "shift": [0, 10 * H], **fields}


def job(
    jid: int | str, location: int | list[float], service: int = H, **fields: Any
) -> dict[str, Any]:
    return {"id": jid, "location": location, "service": service, **fields}


def solve(
    vehicles: list[dict[str, Any]],
    jobs: list[dict[str, Any]],
    matrix: list[list[int]] | None = MATRIX,
) -> Solution:
    data: dict[str, Any] = {"vehicles": vehicles, "jobs": jobs}
    if matrix is not None:
        data["matrix"] = matrix
    return solve_problem(Problem.model_validate(data), FAST)


def steps_by_job(solution: Solution) -> dict[int | str, tuple[Any, Any]]:
    return {s.job: (r.vehicle, s) for r in solution.routes for s in r.steps}


def unassigned(solution: Solution) -> dict[int | str, tuple[UnassignedCode, str]]:
    return {u.job: (u.code, u.reason) for u in solution.unassigned}


# --- time windows -----------------------------------------------------------------


def test_service_starts_inside_a_late_window_not_as_early_as_possible() -> None:
    solution = solve([vehicle()], [job("late", 1, time_windows=[[4 * H, 4 * H + 600]])])
    _, step = steps_by_job(solution)["late"]
    assert 4 * H <= step.start <= 4 * H + 600
    assert step.arrival <= step.start
    assert step.end == step.start + H


def test_windows_decide_the_order_of_visits() -> None:
    # Without windows the near job (1) would come first; its window puts it last.
    solution = solve(
        [vehicle()],
        [
            job("near", 1, time_windows=[[5 * H, 6 * H]]),
            job("far", 2, time_windows=[[0, 2 * H]]),
        ],
    )
    order = [s.job for s in solution.routes[0].steps]
    assert order == ["far", "near"]


def test_a_window_that_cannot_be_reached_leaves_the_job_out() -> None:
    solution = solve([vehicle()], [job("early", 1, time_windows=[[0, 100]])])
    assert solution.routes == []
    assert unassigned(solution)["early"][0] is UnassignedCode.UNREACHABLE_IN_SHIFT


def test_a_window_outside_every_shift_is_named_as_such() -> None:
    solution = solve([vehicle()], [job(1, 1, time_windows=[[20 * H, 21 * H]])])
    code, reason = unassigned(solution)[1]
    assert code is UnassignedCode.WINDOW_OUTSIDE_SHIFTS
    assert "outside" in reason


# --- skills -----------------------------------------------------------------------


def test_a_job_needing_skill_7_goes_to_the_only_vehicle_with_it() -> None:
    # v1 starts next to the job; v7 starts far away but holds the skill.
    solution = solve(
        [vehicle("v1", skills=[1]), vehicle("v7", start=3, end=3, skills=[1, 7])],
        [job("backflow", 1, skills=[7])],
    )
    assert steps_by_job(solution)["backflow"][0] == "v7"


def test_without_the_skill_the_nearest_vehicle_takes_it() -> None:
    solution = solve(
        [vehicle("v1", skills=[1]), vehicle("v7", start=3, end=3, skills=[1, 7])],
        [job("repair", 1)],
    )
    assert steps_by_job(solution)["repair"][0] == "v1"


def test_a_skill_no_one_has_is_named_in_the_reason() -> None:
    solution = solve([vehicle(skills=[1, 2])], [job("x", 1, skills=[1, 9])])
    code, reason = unassigned(solution)["x"]
    assert code is UnassignedCode.MISSING_SKILL
    assert reason == "no vehicle has the skill 9"


def test_skills_split_over_two_vehicles_are_not_enough() -> None:
    solution = solve(
        [vehicle("a", skills=[1]), vehicle("b", skills=[2])], [job(1, 1, skills=[1, 2])]
    )
    code, reason = unassigned(solution)[1]
    assert code is UnassignedCode.MISSING_SKILL
    assert "no single vehicle" in reason


# --- breaks -----------------------------------------------------------------------


def test_lunch_is_taken_inside_its_window_and_work_moves_around_it() -> None:
    lunch = {"windows": [[12 * H, 13 * H]], "service": 1800}
    solution = solve(
        [vehicle(shift=[8 * H, 17 * H], breaks=[lunch])],
        [job(i, 1 + i % 3, service=5400) for i in range(4)],
    )
    route = solution.routes[0]
    assert len(route.steps) == 4
    assert len(route.breaks) == 1
    pause = route.breaks[0]
    assert 12 * H <= pause.start <= 13 * H
    assert pause.end - pause.start == 1800
    for step in route.steps:
        assert step.end <= pause.start or step.start >= pause.end
    assert any(s.end <= pause.start for s in route.steps)
    assert any(s.start >= pause.end for s in route.steps)


# --- shift end --------------------------------------------------------------------


def test_work_that_would_end_after_the_shift_is_left_out() -> None:
    solution = solve([vehicle(shift=[0, 2 * H])], [job("a", 1), job("b", 2)])
    assert solution.summary.assigned == 1
    route = solution.routes[0]
    assert route.end <= 2 * H
    assert solution.unassigned[0].code is UnassignedCode.NO_CAPACITY_LEFT
    assert "no capacity left" in solution.unassigned[0].reason


def test_the_vehicle_is_back_by_the_end_of_its_shift() -> None:
    # 300 s there + 3000 s service + 300 s back = 3600: exactly fits.
    fits = solve([vehicle(shift=[0, H])], [job("a", 1, service=3000)])
    assert fits.routes[0].end <= H
    late = solve([vehicle(shift=[0, H])], [job("a", 1, service=3001)])
    assert late.unassigned[0].code is UnassignedCode.UNREACHABLE_IN_SHIFT


def test_a_service_longer_than_any_shift_says_so() -> None:
    solution = solve([vehicle(shift=[0, 2 * H])], [job("long", 1, service=3 * H)])
    code, reason = unassigned(solution)["long"]
    assert code is UnassignedCode.SERVICE_TOO_LONG
    assert "180 min" in reason


# --- priority ---------------------------------------------------------------------


def test_when_only_one_fits_the_cheaper_job_is_kept_by_default() -> None:
    solution = solve([vehicle(shift=[0, 2 * H])], [job("near", 1), job("far", 2)])
    assert set(steps_by_job(solution)) == {"near"}


def test_when_only_one_fits_the_high_priority_job_is_kept() -> None:
    solution = solve(
        [vehicle(shift=[0, 2 * H])],
        [job("near", 1, priority=0), job("far", 2, priority=100)],
    )
    assert set(steps_by_job(solution)) == {"far"}
    assert unassigned(solution)["near"][0] is UnassignedCode.NO_CAPACITY_LEFT


# --- capacity and demand ----------------------------------------------------------


def test_capacity_limits_what_one_vehicle_carries() -> None:
    jobs = [job("a", 1, service=60, demand=[6]), job("b", 2, service=60, demand=[6])]
    one = solve([vehicle(capacity=[10])], jobs)
    assert one.summary.assigned == 1
    assert one.unassigned[0].code is UnassignedCode.NO_CAPACITY_LEFT
    two = solve([vehicle("x", capacity=[10]), vehicle("y", capacity=[10])], jobs)
    assert two.summary.assigned == 2
    assert len(two.routes) == 2


def test_demand_above_every_capacity_is_named() -> None:
    solution = solve([vehicle(capacity=[10])], [job("big", 1, demand=[20])])
    code, reason = unassigned(solution)["big"]
    assert code is UnassignedCode.DEMAND_EXCEEDS_CAPACITY
    assert "[20]" in reason


def test_vehicles_without_capacity_are_unlimited() -> None:
    jobs = [job(i, 1, service=60, demand=[6]) for i in range(3)]
    solution = solve([vehicle("small", capacity=[1]), vehicle("van")], jobs)
    assert solution.summary.assigned == 3
    assert {v for v, _ in steps_by_job(solution).values()} == {"van"}


# --- locations and travel ---------------------------------------------------------

HOME = (-93.47, 44.85)  # Eden Prairie
CUSTOMER = (-93.455, 44.85)


def test_lon_lat_problems_use_haversine_with_the_road_factor() -> None:
    solution = solve(
        [vehicle(start=list(HOME), end=list(HOME))],
        [job(1, list(CUSTOMER))],
        matrix=None,
    )
    one_way = HaversineTravel().seconds(HOME, CUSTOMER)
    assert one_way == round(haversine_m(HOME, CUSTOMER) * 1.3 / (40 / 3.6))
    assert solution.summary.travel == 2 * one_way
    assert solution.routes[0].steps[0].arrival - solution.routes[0].start == one_way


def test_a_slower_provider_doubles_the_travel() -> None:
    problem = Problem.model_validate(
        {
            "vehicles": [vehicle(start=list(HOME), end=list(HOME))],
            "jobs": [job(1, list(CUSTOMER))],
        }
    )
    normal = ScheduleEngine().solve(problem, FAST).summary.travel
    slow = ScheduleEngine(HaversineTravel(speed_kmh=20)).solve(problem, FAST)
    assert abs(slow.summary.travel - 2 * normal) <= 2


def test_haversine_matrix_is_symmetric_with_zero_diagonal() -> None:
    points = [HOME, CUSTOMER, (-93.4, 45.1)]
    rows = coordinate_matrix(points)
    assert all(rows[i][i] == 0 for i in range(3))
    assert all(
        rows[i][j] == rows[j][i] > 0 for i in range(3) for j in range(3) if i != j
    )
    with pytest.raises(ValueError, match="road_factor"):
        HaversineTravel(road_factor=0.5)


def test_an_explicit_matrix_is_used_as_given() -> None:
    solution = solve([vehicle()], [job(1, 3)])
    assert solution.summary.travel == 6000


def test_int_and_str_ids_come_back_as_given() -> None:
    solution = solve([vehicle(42)], [job(7, 1), job("seven", 2)])
    assert solution.routes[0].vehicle == 42
    assert set(steps_by_job(solution)) == {7, "seven"}


def test_no_jobs_gives_an_empty_solution() -> None:
    solution = solve([vehicle()], [])
    assert solution.routes == []
    assert solution.summary.model_dump() == {
        "travel": 0,
        "assigned": 0,
        "unassigned": 0,
        "solve_ms": solution.summary.solve_ms,
    }


def test_solving_logs_a_completed_event(logs: LogCapture) -> None:
    solve([vehicle()], [job(1, 1)])
    events = [
        line for line in logs.since_mark() if line["event"].startswith("scheduling")
    ]
    done = [e for e in events if e["event"] == "scheduling.engine.solve_completed"]
    assert done
    assert done[0]["assigned"] == 1


# --- OSRM -------------------------------------------------------------------------


def osrm(handler: Any) -> OsrmTravel:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return OsrmTravel("http://osrm:5000/", client=client, max_table_size=2)


def test_osrm_tables_are_fetched_in_blocks_and_assembled() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        sources = [int(i) for i in request.url.params["sources"].split(";")]
        dests = [int(i) for i in request.url.params["destinations"].split(";")]
        durations = [[10.4 * s + d + 0.2 for d in dests] for s in sources]
        return httpx.Response(200, json={"code": "Ok", "durations": durations})

    points = [HOME, CUSTOMER, (-93.4, 45.1)]
    rows = osrm(handler).matrix(points)
    assert rows == [[round(10.4 * s + d + 0.2) for d in range(3)] for s in range(3)]
    assert len(seen) == 4
    assert seen[0].path.startswith("/table/v1/driving/-93.470000,44.850000;")
    assert seen[0].params["annotations"] == "duration"


def test_osrm_travel_feeds_the_engine() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = len(request.url.params["sources"].split(";"))
        m = len(request.url.params["destinations"].split(";"))
        return httpx.Response(200, json={"code": "Ok", "durations": [[0.0] * m] * n})

    problem = Problem.model_validate(
        {
            "vehicles": [vehicle(start=list(HOME), end=list(HOME))],
            "jobs": [job(1, list(CUSTOMER))],
        }
    )
    assert ScheduleEngine(osrm(handler)).solve(problem, FAST).summary.travel == 0


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(400, json={"code": "InvalidQuery", "message": "bad"}),
            "InvalidQuery",
        ),
        (
            httpx.Response(200, json={"code": "Ok", "durations": [[0, None], [1, 0]]}),
            "no route",
        ),
        (httpx.Response(200, json={"code": "Ok", "durations": [[0]]}), "wrong shape"),
        (httpx.Response(200, text="<html>"), "failed"),
        (httpx.Response(200, json=["not", "a", "table"]), "not a table"),
    ],
)
def test_osrm_failures_raise_travel_time_error(
    response: httpx.Response, message: str
) -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        return response

    provider = osrm(answer)
    with pytest.raises(TravelTimeError, match=message):
        provider.matrix([HOME, CUSTOMER])


def test_osrm_unreachable_raises_travel_time_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TravelTimeError, match="refused"):
        osrm(handler).matrix([HOME, CUSTOMER])


# --- validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"vehicles": [vehicle()], "jobs": [], "matrix": [[0, 1], [1]]}, "square"),
        (
            {"vehicles": [vehicle()], "jobs": [job(1, 9)], "matrix": MATRIX},
            "index 9 outside",
        ),
        ({"vehicles": [vehicle()], "jobs": [job(1, 1)]}, "needs a matrix"),
        (
            {"vehicles": [vehicle(start=list(HOME))], "jobs": [], "matrix": MATRIX},
            "are indexes",
        ),
        (
            {"vehicles": [vehicle(shift=[5, 1])], "jobs": [], "matrix": MATRIX},
            "after its end",
        ),
        (
            {"vehicles": [vehicle(), vehicle()], "jobs": [], "matrix": MATRIX},
            "more than once",
        ),
        ({"vehicles": [vehicle(color="red")], "jobs": []}, "Extra inputs"),
        (
            {
                "vehicles": [vehicle()],
                "jobs": [job(1, 1, priority=101)],
                "matrix": MATRIX,
            },
            "less than or equal to 100",
        ),
        (
            {"vehicles": [vehicle(start=[-200.0, 44.0], end=[0.0, 0.0])], "jobs": []},
            "on Earth",
        ),
        (
            {
                "vehicles": [vehicle(capacity=[1, 2])],
                "jobs": [job(1, 1, demand=[1])],
                "matrix": MATRIX,
            },
            "lengths differ",
        ),
        (
            {
                "vehicles": [
                    vehicle(breaks=[{"windows": [[11 * H, 12 * H]], "service": 60}])
                ],
                "jobs": [],
                "matrix": MATRIX,
            },
            "inside the shift",
        ),
        (
            {
                "vehicles": [vehicle()],
                "jobs": [job(1, 1, time_windows=[[0, 10], [5, 20]])],
                "matrix": MATRIX,
            },
            "overlap",
        ),
        ({"vehicles": [], "jobs": []}, "at least 1"),
        ({"vehicles": [vehicle(vid=True)], "jobs": [], "matrix": MATRIX}, "id"),
    ],
)
def test_invalid_problems_are_refused_with_a_clear_line(
    data: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ValidationError) as info:
        Problem.model_validate(data)
    text = describe_validation_error(info.value)
    assert expected in text
    assert "\n" not in text


def test_solve_options_are_checked() -> None:
    with pytest.raises(ValueError, match="exploration"):
        SolveOptions(exploration_level=6)
    with pytest.raises(ValueError, match="time_limit"):
        SolveOptions(time_limit=0)
    with pytest.raises(ValueError, match="threads"):
        SolveOptions(threads=0)


# --- property: whatever VROOM returns respects windows, shifts and breaks --------


@st.composite
def small_problems(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(2, 6))
    upper = [[draw(st.integers(60, 1800)) for _ in range(size)] for _ in range(size)]
    matrix = [
        [0 if i == j else upper[min(i, j)][max(i, j)] for j in range(size)]
        for i in range(size)
    ]
    vehicles: list[dict[str, Any]] = []
    for v in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, 4)) * H
        end = start + draw(st.integers(2, 9)) * H
        breaks: list[dict[str, Any]] = []
        if draw(st.booleans()):
            breaks = [{"windows": [[start + H, start + 2 * H]], "service": 900}]
        vehicles.append(
            vehicle(
                v,
                start=draw(st.integers(0, size - 1)),
                end=0,
                shift=[start, end],
                breaks=breaks,
            )
        )
    jobs: list[dict[str, Any]] = []
    for j in range(draw(st.integers(1, 8))):
        windows: list[list[int]] = []
        if draw(st.booleans()):
            low = draw(st.integers(0, 10)) * 1800
            windows = [[low, low + draw(st.integers(0, 4)) * 1800]]
        jobs.append(
            job(
                j,
                draw(st.integers(0, size - 1)),
                draw(st.integers(0, 2 * H)),
                time_windows=windows,
            )
        )
    return {"vehicles": vehicles, "jobs": jobs, "matrix": matrix}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_every_assigned_step_respects_windows_shifts_and_breaks(
    data: dict[str, Any],
) -> None:
    problem = Problem.model_validate(data)
    solution = solve_problem(
        problem, SolveOptions(time_limit=1, exploration_level=1, threads=1)
    )
    jobs = {j.id: j for j in problem.jobs}
    vehicles = {v.id: v for v in problem.vehicles}
    seen = [s.job for r in solution.routes for s in r.steps] + [
        u.job for u in solution.unassigned
    ]
    assert sorted(seen, key=str) == sorted(jobs, key=str)
    for route in solution.routes:
        shift = vehicles[route.vehicle].shift
        assert shift[0] <= route.start <= route.end <= shift[1]
        for step in route.steps:
            windows = jobs[step.job].time_windows or [(0, 2**40)]
            assert any(low <= step.start <= high for low, high in windows)
            assert step.arrival <= step.start
            assert step.end == step.start + jobs[step.job].service
            assert shift[0] <= step.start
            assert step.end <= shift[1]
        assert len(route.breaks) == len(vehicles[route.vehicle].breaks)
        for pause in route.breaks:
            assert shift[0] + H <= pause.start <= shift[0] + 2 * H
        intervals = sorted(
            [(s.start, s.end) for s in route.steps]
            + [(b.start, b.end) for b in route.breaks]
        )
        for (_, end), (start, _) in pairwise(intervals):
            assert end <= start
