"""Statistics, log parsing and Markdown for ``api_bench.py`` (no I/O of its own)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from grins_platform.core.metrics import Histogram, merge_reports

SLOW_SQL_EVENT = "database.query.slow_detected"
SQL_SERIES = "database.query"
CACHE_SERIES = {"cache.get": "get", "cache.set": "set"}
QUEUE_SERIES = "http.queue_wait"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(slots=True)
class OpStats:
    """Latencies (ms) and errors of one operation at one concurrency level."""

    latencies: list[float] = field(default_factory=list[float])
    errors: int = 0
    first_error: str | None = None

    def add(self, ms: float, error: str | None) -> None:
        """Record one request."""
        self.latencies.append(ms)
        if error is not None:
            self.errors += 1
            self.first_error = self.first_error or error


@dataclass(slots=True)
class LogFigures:
    """Statement and cache-operation durations read from the server log.

    The server reports each second's durations as a histogram per series
    (``metrics.latency.window_reported``, 5 % buckets); the windows of both workers
    are merged here. Slow statements are also logged one by one.
    """

    sql: Histogram = field(default_factory=Histogram)
    cache: dict[str, Histogram] = field(default_factory=dict[str, Histogram])
    queue: Histogram = field(default_factory=Histogram)
    slowest_sql: list[tuple[float, str]] = field(
        default_factory=list[tuple[float, str]]
    )


def parse_log(lines: Iterable[str]) -> LogFigures:
    """SQL and cache timings from JSON log lines (other lines are skipped)."""
    entries: list[dict[str, object]] = []
    slow: list[tuple[float, str]] = []
    for line in lines:
        if "window_reported" not in line and SLOW_SQL_EVENT not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == SLOW_SQL_EVENT:
            slow.append((float(entry["duration_ms"]), str(entry.get("statement"))))
        else:
            entries.append(entry)
    merged = merge_reports(entries)
    return LogFigures(
        sql=merged.get(SQL_SERIES, Histogram()),
        cache={op: merged[name] for name, op in CACHE_SERIES.items() if name in merged},
        queue=merged.get(QUEUE_SERIES, Histogram()),
        slowest_sql=sorted(slow, reverse=True)[:5],
    )


CACHE_READ_COMMAND = "evalsha"
"""The command of a cache read in a namespace (``Cache.get_text_in``): one script
that reads the generation and the value."""


def redis_usec(
    info: Mapping[str, object], command: str = CACHE_READ_COMMAND
) -> tuple[float, float]:
    """Redis's own p50 and p99 (µs) of ``command`` from ``INFO latencystats``.

    NaN when the server does not report it (Redis 6.2, the embedded one) or the
    command did not run.
    """
    raw = info.get(f"latency_percentiles_usec_{command}")
    if isinstance(raw, str):  # "p50=9.023,p99=20.095,p99.9=82.431"
        raw = dict(part.split("=", 1) for part in raw.split(","))
    if not isinstance(raw, Mapping):
        return math.nan, math.nan
    values = cast("Mapping[str, object]", raw)
    return float(str(values.get("p50", "nan"))), float(str(values.get("p99", "nan")))


def figures_row(
    clients: int,
    logs: LogFigures,
    redis_read: tuple[float, float] = (math.nan, math.nan),
) -> str:
    """One row of the database/cache table (p95s are bucket bounds: within 5 %).

    The last column is the wait for a slot (``REQUEST_CONCURRENCY``), part of every
    request's latency but not of any statement's or cache operation's.
    """
    sql, none = logs.sql, Histogram()
    get, put = logs.cache.get("get", none), logs.cache.get("set", none)
    return (
        f"| {clients} | {sql.count} | {fmt(sql.percentile(50))} | "
        f"{fmt(sql.percentile(95))} | 50 | {get.count} | "
        f"{fmt(get.percentile(95))} | {put.count} | {fmt(put.percentile(95))} | 10 | "
        f"{fmt(logs.queue.percentile(50))} | {fmt(logs.queue.percentile(95))} | "
        f"{_usec(redis_read[0])} | {_usec(redis_read[1])} |"
    )


def _usec(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def fmt(value: float) -> str:
    """A millisecond figure for a table cell."""
    if math.isnan(value):
        return "-"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def op_table(
    stats: dict[str, OpStats], seconds: float, targets: dict[str, float]
) -> list[str]:
    """Markdown rows: operation, requests, req/s, p50/p95/p99, errors, target."""
    rows = [
        "| operation | requests | req/s | p50 ms | p95 ms | p99 ms | errors | target p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    total = OpStats()
    for name, op in stats.items():
        p95 = percentile(op.latencies, 95)
        target = targets.get(name, math.inf)
        verdict = "-" if math.isinf(target) else f"< {target:g} {_mark(p95, target)}"
        rows.append(_row(name, op, seconds, verdict))
        total.latencies.extend(op.latencies)
        total.errors += op.errors
    rows.append(_row("**all**", total, seconds, ""))
    return rows


def _mark(p95: float, target: float) -> str:
    return "ok" if p95 < target else "**missed**"


def _row(name: str, op: OpStats, seconds: float, verdict: str) -> str:
    values = op.latencies
    return (
        f"| {name} | {len(values)} | {len(values) / seconds:.1f} | "
        f"{fmt(percentile(values, 50))} | {fmt(percentile(values, 95))} | "
        f"{fmt(percentile(values, 99))} | {op.errors} | {verdict} |"
    )


def replace_block(document: str, start: str, end: str, body: str) -> str:
    """``document`` with the text between the ``start``/``end`` markers replaced.

    The markers are appended (after the section heading when it exists) if absent.
    """
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in document and end in document:
        head, _, rest = document.partition(start)
        _, _, tail = rest.partition(end)
        return head + block + tail
    return document.rstrip() + "\n\n" + block + "\n"
