"""Latency histograms, reported as one log line per series per window.

Logging every SQL statement and cache operation costs more CPU than the operation
itself on a busy worker. Instead each duration goes into a log-bucketed histogram
(bucket ``i`` holds durations up to ``BASE_MS * RATIO ** i``: 5 % resolution from
10 microseconds to minutes), and a reporter writes one line per series every window:

    {"event": "metrics.latency.window_reported", "series": "database.query",
     "count": 812, "sum_ms": 701.3, "max_ms": 14.2, "buckets": {"61": 40, ...}}

Windows from several workers and several seconds merge by adding bucket counts, so a
benchmark (or an operator with ``jq``) gets percentiles for any period from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncGenerator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from grins_platform.core.log_config import DomainLogger

BASE_MS: Final = 0.01
RATIO: Final = 1.05
_LOG_RATIO: Final = math.log(RATIO)
_MAX_BUCKET: Final = 400  # 0.01 ms * 1.05**400 ≈ 3 hours
WINDOW_SECONDS: Final = 1.0

log = DomainLogger("metrics", "latency")


def bucket_of(ms: float) -> int:
    """The bucket whose upper bound is the first at or above ``ms``."""
    if ms <= BASE_MS:
        return 0
    return min(_MAX_BUCKET, math.ceil(math.log(ms / BASE_MS) / _LOG_RATIO - 1e-9))


def bucket_upper_ms(index: int) -> float:
    """The upper bound (ms) of bucket ``index``."""
    return BASE_MS * RATIO**index


@dataclass(slots=True)
class Histogram:
    """Counts per bucket plus count, sum and max of one series."""

    buckets: dict[int, int] = field(default_factory=dict[int, int])
    count: int = 0
    sum_ms: float = 0.0
    max_ms: float = 0.0

    def add(self, ms: float) -> None:
        """Record one duration."""
        index = bucket_of(ms)
        self.buckets[index] = self.buckets.get(index, 0) + 1
        self.count += 1
        self.sum_ms += ms
        self.max_ms = max(self.max_ms, ms)

    def merge(
        self, buckets: Mapping[int, int], *, sum_ms: float, max_ms: float
    ) -> None:
        """Add another histogram's counts (another worker, another window)."""
        for index, n in buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + n
            self.count += n
        self.sum_ms += sum_ms
        self.max_ms = max(self.max_ms, max_ms)

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0-100): the upper bound of its bucket (<= +5 %).

        Capped by the largest value seen; NaN when empty.
        """
        if self.count == 0:
            return math.nan
        rank = max(1, math.ceil(self.count * q / 100))
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(bucket_upper_ms(index), self.max_ms)
        return self.max_ms


class LatencyMetrics:
    """Histograms by series name; ``report()`` logs and resets them."""

    def __init__(self) -> None:
        self._series: dict[str, Histogram] = {}

    def observe(self, series: str, ms: float) -> None:
        """Record one duration of ``series`` (e.g. ``database.query``)."""
        histogram = self._series.get(series)
        if histogram is None:
            histogram = self._series[series] = Histogram()
        histogram.add(ms)

    def snapshot(self, series: str) -> int:
        """How many durations ``series`` holds in the current window."""
        histogram = self._series.get(series)
        return 0 if histogram is None else histogram.count

    def report(self) -> int:
        """Log one line per non-empty series, then start a new window; lines logged."""
        series, self._series = self._series, {}
        for name, histogram in sorted(series.items()):
            log.event(
                "window",
                "reported",
                series=name,
                count=histogram.count,
                sum_ms=round(histogram.sum_ms, 3),
                max_ms=round(histogram.max_ms, 3),
                p95_ms=round(histogram.percentile(95), 3),
                buckets={str(k): v for k, v in sorted(histogram.buckets.items())},
            )
        return len(series)

    async def report_every(self, seconds: float = WINDOW_SECONDS) -> None:
        """Report each window until cancelled (then report the last one)."""
        try:
            while True:
                await asyncio.sleep(seconds)
                self.report()
        finally:
            self.report()


def merge_reports(entries: Iterable[Mapping[str, object]]) -> dict[str, Histogram]:
    """Histograms per series from ``window_reported`` log entries (parsed JSON)."""
    merged: dict[str, Histogram] = {}
    for entry in entries:
        if entry.get("event") != "metrics.latency.window_reported":
            continue
        name, buckets = entry.get("series"), entry.get("buckets")
        if not isinstance(name, str) or not isinstance(buckets, dict):
            continue
        raw: dict[object, object] = buckets  # pyright: ignore[reportUnknownVariableType]
        counts = {int(str(k)): int(str(v)) for k, v in raw.items()}
        sum_ms, max_ms = entry.get("sum_ms", 0.0), entry.get("max_ms", 0.0)
        merged.setdefault(name, Histogram()).merge(
            counts,
            sum_ms=float(sum_ms) if isinstance(sum_ms, int | float) else 0.0,
            max_ms=float(max_ms) if isinstance(max_ms, int | float) else 0.0,
        )
    return merged


METRICS: Final = LatencyMetrics()
"""The process's histograms (one per worker process)."""


@contextlib.asynccontextmanager
async def reporting(
    metrics: LatencyMetrics = METRICS, seconds: float = WINDOW_SECONDS
) -> AsyncGenerator[LatencyMetrics]:
    """Run ``metrics.report_every`` in the background for the block's duration."""
    task = asyncio.create_task(metrics.report_every(seconds))
    try:
        yield metrics
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
