"""Public VRPTW benchmark: Solomon instances through ``grins schedule``'s engine.

Converts a Solomon instance (VRPLIB ``.vrp`` or Solomon's original ``.txt``) into our
problem format -- Euclidean distances x ``--scale`` truncated to integers (x10 is the
one-decimal truncation convention of the exact-method literature), the same numbers
as travel times, ready/due times and service times scaled alike, identical vehicles
with the instance capacity and the depot's window as shift -- solves it with the
engine (VROOM minimises total travel) and compares distance and vehicle count with
the reference values below.

Only RC208 could be obtained here (see ``bench/data/README.md``).

Run::

    uv run python bench/vrptw_bench.py            # print the table
    uv run python bench/vrptw_bench.py --write    # also update BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schedule_bench import machine_facts, replace_section

from grins_platform.core.log_config import configure_logging
from grins_platform.scheduling import Problem, SolveOptions, solve_problem

DATA = Path(__file__).resolve().parent / "data"

# Reference values (distance objective, distances truncated to one decimal):
# RC208: 4 routes, 776.1 -- the solution file RC208.sol shipped in the pyvrp 0.14.1
# sdist (tests/data), which this script re-checks for feasibility and re-costs
# before comparing. Values for the hierarchical objective (fewest vehicles first)
# could not be checked against a source here, so none is quoted.
REFERENCE = {"RC208": {"vehicles": 4, "distance": 776.1, "solution": "RC208.sol"}}


@dataclass(frozen=True)
class Instance:
    name: str
    capacity: int
    fleet: int
    coords: list[tuple[float, float]]  # node 0 is the depot
    demand: list[int]
    windows: list[tuple[int, int]]
    service: list[int]


def parse_vrplib(path: Path) -> Instance:
    """VRPLIB CVRPTW file (NODE_COORD, DEMAND, TIME_WINDOW sections)."""
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line in {"EOF", "-1"}:
            continue
        if ":" in line and current is None:
            key, value = (part.strip() for part in line.split(":", 1))
            header[key] = value
        elif line.endswith("_SECTION"):
            current = line
            sections[current] = []
        elif current is not None:
            sections[current].append(line.split())
    coords = [(float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]]
    size = len(coords)
    service_rows = sections.get("SERVICE_TIME_SECTION")
    service = (
        [int(r[1]) for r in service_rows]
        if service_rows
        else [0] + [int(header.get("SERVICE_TIME", "0"))] * (size - 1)
    )
    return Instance(
        name=header["NAME"],
        capacity=int(header["CAPACITY"]),
        fleet=int(header.get("VEHICLES", str(size))),
        coords=coords,
        demand=[int(r[1]) for r in sections["DEMAND_SECTION"]],
        windows=[(int(r[1]), int(r[2])) for r in sections["TIME_WINDOW_SECTION"]],
        service=service,
    )


def parse_solomon(path: Path) -> Instance:
    """Solomon's original text format (VEHICLE / CUSTOMER tables)."""
    lines = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [parts for parts in lines if parts]
    fleet, capacity = (int(x) for x in lines[lines.index(["NUMBER", "CAPACITY"]) + 1])
    rows = [p for p in lines if len(p) == 7 and all(x.isdigit() for x in p)]
    return Instance(
        name=lines[0][0],
        capacity=capacity,
        fleet=fleet,
        coords=[(float(r[1]), float(r[2])) for r in rows],
        demand=[int(r[3]) for r in rows],
        windows=[(int(r[4]), int(r[5])) for r in rows],
        service=[int(r[6]) for r in rows],
    )


def scaled_matrix(instance: Instance, scale: int) -> list[list[int]]:
    return [
        [math.floor(math.dist(a, b) * scale) for b in instance.coords]
        for a in instance.coords
    ]


def to_problem(instance: Instance, scale: int) -> dict[str, Any]:
    depot_window = [w * scale for w in instance.windows[0]]
    vehicles = [
        {"id": v + 1, "start": 0, "end": 0, "shift": depot_window}
        for v in range(instance.fleet)
    ]
    for vehicle in vehicles:
        vehicle["capacity"] = [instance.capacity]
    jobs = [
        {
            "id": c,
            "location": c,
            "service": instance.service[c] * scale,
            "time_windows": [[w * scale for w in instance.windows[c]]],
            "demand": [instance.demand[c]],
        }
        for c in range(1, len(instance.coords))
    ]
    return {
        "vehicles": vehicles,
        "jobs": jobs,
        "matrix": scaled_matrix(instance, scale),
    }


def read_solution(path: Path) -> list[list[int]]:
    return [
        [int(x) for x in line.split(":", 1)[1].split()]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("Route")
    ]


def check_routes(instance: Instance, routes: list[list[int]], scale: int) -> int:
    """Total scaled distance of ``routes``; raises if any constraint is broken."""
    matrix = scaled_matrix(instance, scale)
    total = 0
    for route in routes:
        here, now, load = 0, instance.windows[0][0] * scale, 0
        for c in [*route, 0]:
            total += matrix[here][c]
            now = max(now + matrix[here][c], instance.windows[c][0] * scale)
            if now > instance.windows[c][1] * scale:
                raise ValueError(f"route reaches {c} after its due time")
            now += instance.service[c] * scale
            load += instance.demand[c]
            here = c
        if load > instance.capacity:
            raise ValueError("route exceeds the vehicle capacity")
    visited = sorted(c for route in routes for c in route)
    if visited != list(range(1, len(instance.coords))):
        raise ValueError("routes do not visit every customer exactly once")
    return total


def run(path: Path, scale: int, time_limit: float, exploration: int) -> dict[str, Any]:
    instance = parse_vrplib(path) if path.suffix == ".vrp" else parse_solomon(path)
    problem = Problem.model_validate(to_problem(instance, scale))
    began = time.perf_counter()
    options = SolveOptions(time_limit=time_limit, exploration_level=exploration)
    solution = solve_problem(problem, options)
    wall = time.perf_counter() - began
    routes = [[int(s.job) for s in r.steps] for r in solution.routes]
    distance = check_routes(instance, routes, scale) / scale
    ref = REFERENCE.get(instance.name, {})
    ref_distance = None
    if "solution" in ref:
        ref_routes = read_solution(DATA / ref["solution"])
        ref_distance = check_routes(instance, ref_routes, scale) / scale
    return {
        "name": instance.name,
        "wall_s": wall,
        "vehicles": len(routes),
        "distance": distance,
        "unassigned": solution.summary.unassigned,
        "ref_vehicles": ref.get("vehicles"),
        "ref_distance": ref.get("distance"),
        "ref_rechecked": ref_distance,
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        (
            "| instance | vehicles (engine) | distance (engine) | vehicles (ref.) | "
            "distance (ref.) | gap | unassigned | solve time (s) |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        gap = (
            f"{r['distance'] / r['ref_distance'] - 1:+.2%}"
            if r["ref_distance"]
            else "-"
        )
        lines.append(
            f"| {r['name']} | {r['vehicles']} | {r['distance']:.1f} | "
            f"{r['ref_vehicles'] or '-'} | {r['ref_distance'] or '-'} | {gap} | "
            f"{r['unassigned']} | {r['wall_s']:.1f} |"
        )
    return "\n".join(lines)


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    rechecked = ", ".join(
        f"{r['name']} reference re-costed here at {r['ref_rechecked']:.1f}"
        for r in rows
        if r["ref_rechecked"] is not None
    )
    return f"""
Solomon VRPTW instances converted by `bench/vrptw_bench.py`: Euclidean distances
x{args.scale} truncated to integers (the one-decimal truncation convention), used as
both distance and travel time; ready/due/service times scaled alike; the instance's
fleet with its capacity and the depot window as shift. VROOM minimises total travel
(no cost per vehicle), so the comparison is with the distance-minimising reference.
Engine options: exploration level {args.exploration}, 2 threads, time limit
{args.time_limit:g} s.

{table(rows)}

Reference: RC208, 4 routes / 776.1 -- the solution file shipped in the pyvrp 0.14.1
source distribution (`bench/data/RC208.sol`), checked feasible and re-costed by the
script before use ({rechecked or "not re-checked"}). Best-known values for the
hierarchical objective (fewest vehicles first) could not be checked against a source
here, so none is quoted.

Only RC208 is here: this workplace reaches only the PyPI, npm and Debian registries,
and no package found there ships C101, R101, RC101 or any Homberger instance (see
`bench/data/README.md` for what was checked). Instances and best-known values were
not invented; `parse_solomon` reads Solomon's original `.txt` files, so more
instances can be dropped into `bench/data/` and passed on the command line.

{machine_facts()}

Command: `uv run python bench/vrptw_bench.py --write`
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[DATA / "RC208.vrp"])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--exploration", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    configure_logging("WARNING", json_logs=False, stream=sys.stderr)
    rows = [run(f, args.scale, args.time_limit, args.exploration) for f in args.files]
    print(table(rows))
    print(machine_facts())
    if args.write:
        replace_section("VRPTW public instances", report(rows, args))
        print("BENCHMARKS.md: section 'VRPTW public instances' updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
