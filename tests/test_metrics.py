"""Latency histograms: buckets, percentiles within 5 %, merging, the reporter."""

from __future__ import annotations

import asyncio
import math
import random

from hypothesis import given
from hypothesis import strategies as st

from grins_platform.core.metrics import (
    RATIO,
    Histogram,
    LatencyMetrics,
    bucket_of,
    bucket_upper_ms,
    merge_reports,
    reporting,
)
from tests.conftest import LogCapture


@given(st.floats(min_value=0.0101, max_value=1e6, allow_nan=False))
def test_a_duration_falls_in_the_bucket_just_above_it(ms: float) -> None:
    index = bucket_of(ms)
    assert bucket_upper_ms(index) >= ms * (1 - 1e-9)
    assert bucket_upper_ms(index - 1) < ms * (1 + 1e-9)


def test_tiny_and_huge_durations_are_clamped() -> None:
    assert bucket_of(0) == 0
    assert bucket_of(0.001) == 0
    assert bucket_of(1e12) == 400


def test_percentiles_are_within_one_bucket_of_the_exact_ones() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(0, 1) for _ in range(5000)]
    histogram = Histogram()
    for v in values:
        histogram.add(v)
    ordered = sorted(values)
    for q in (50, 95, 99):
        exact = ordered[math.ceil(len(ordered) * q / 100) - 1]
        assert exact <= histogram.percentile(q) <= exact * RATIO
    assert histogram.percentile(100) == max(values)
    assert histogram.count == 5000
    assert math.isclose(histogram.sum_ms, sum(values))


def test_an_empty_histogram_has_no_percentile() -> None:
    assert math.isnan(Histogram().percentile(95))


def test_reports_merge_across_workers_and_windows(logs: LogCapture) -> None:
    first, second = LatencyMetrics(), LatencyMetrics()
    for v in (1.0, 2.0, 3.0):
        first.observe("database.query", v)
    second.observe("database.query", 40.0)
    second.observe("cache.get", 0.3)
    assert first.report() == 1
    assert second.report() == 2
    assert second.report() == 0  # a new, empty window logs nothing
    merged = merge_reports(logs.since_mark())
    query = merged["database.query"]
    assert query.count == 4
    assert query.max_ms == 40.0
    assert math.isclose(query.sum_ms, 46.0)
    assert 40.0 <= query.percentile(99) <= 40.0 * RATIO
    assert merged["cache.get"].count == 1


def test_merge_skips_lines_that_are_not_reports() -> None:
    merged = merge_reports(
        [
            {"event": "api.request.handle_completed"},
            {"event": "metrics.latency.window_reported", "series": 3},
            {
                "event": "metrics.latency.window_reported",
                "series": "x",
                "buckets": {"10": 2},
                "sum_ms": "bad",
            },
        ]
    )
    assert list(merged) == ["x"]
    assert merged["x"].count == 2
    assert merged["x"].sum_ms == 0.0


async def test_the_reporter_reports_each_window_and_the_last_on_exit(
    logs: LogCapture,
) -> None:
    metrics = LatencyMetrics()
    async with reporting(metrics, seconds=0.05):
        metrics.observe("database.query", 1.0)
        await asyncio.sleep(0.12)
        metrics.observe("database.query", 2.0)
    lines = [
        x for x in logs.since_mark() if x["event"] == "metrics.latency.window_reported"
    ]
    assert sum(x["count"] for x in lines) == 2
    assert len(lines) == 2
