"""``grins schedule solve``: JSON out, one clear line and exit 2 for a bad file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from grins_platform.cli import app

pytestmark = pytest.mark.unit
H = 3600

PROBLEM: dict[str, Any] = {
    "vehicles": [
        {
            "id": "ann",
            "start": 0,
            "end": 0,
            "shift": [8 * H, 17 * H],
            "skills": [1],
            "breaks": [{"windows": [[12 * H, 13 * H]], "service": 1800}],
        }
    ],
    "jobs": [
        {"id": 1, "location": 1, "service": H, "time_windows": [[10 * H, 12 * H]]},
        {"id": "j2", "location": 2, "service": 1800, "skills": [1]},
        {"id": 3, "location": 2, "service": 600, "skills": [7]},
    ],
    "matrix": [[0, 600, 900], [600, 0, 300], [900, 300, 0]],
}


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(content, encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["schedule", "solve", *args])


def test_solve_prints_the_solution_as_json(tmp_path: Path) -> None:
    result = run(str(write(tmp_path, json.dumps(PROBLEM))), "--time-limit", "1")
    assert result.exit_code == 0, result.output
    solution = json.loads(result.stdout)
    assert solution["summary"]["assigned"] == 2
    assert solution["summary"]["unassigned"] == 1
    assert solution["unassigned"] == [
        {"job": 3, "code": "missing_skill", "reason": "no vehicle has the skill 7"}
    ]
    route = solution["routes"][0]
    assert route["vehicle"] == "ann"
    assert {step["job"] for step in route["steps"]} == {1, "j2"}
    assert route["travel"] == solution["summary"]["travel"] > 0


def test_solve_writes_the_output_file_too(tmp_path: Path) -> None:
    out = tmp_path / "solution.json"
    result = run(
        str(write(tmp_path, json.dumps(PROBLEM))),
        "--exploration",
        "1",
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == json.loads(result.stdout)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not valid JSON"),
        (json.dumps({"vehicles": []}), "vehicles: List should have at least 1 item"),
        (
            json.dumps({**PROBLEM, "matrix": [[0, 1], [1, 0]]}),
            "index 2 outside the 2x2 matrix",
        ),
        (json.dumps({**PROBLEM, "extra": 1}), "extra: Extra inputs are not permitted"),
        ("\udcff", "cannot read"),
    ],
)
def test_a_bad_file_gives_one_error_line_and_exit_2(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "problem.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    result = run(str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output


def test_a_missing_file_gives_one_error_line_and_exit_2(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: cannot read {tmp_path / 'nope.json'}: No such file or directory"
    ]


def test_out_of_range_options_are_refused(tmp_path: Path) -> None:
    result = run(str(write(tmp_path, json.dumps(PROBLEM))), "--exploration", "9")
    assert result.exit_code == 2
    assert "exploration" in result.output
