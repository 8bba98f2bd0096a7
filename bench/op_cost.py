"""CPU cost of each operation of the api_bench mix, one operation at a time.

The latency targets are a CPU budget: on 2 cores shared by the API workers, PostgreSQL
and the load generator, closed-loop clients see latency = clients / throughput. This
script shows where the budget goes. It starts the same production-like server as
``api_bench.py`` (``grins serve --workers 2`` on the ``grins_bench`` database), then for
each operation sends ``--requests`` requests from ``--clients`` closed-loop clients and
reads the CPU time (``/proc``) of the API server's processes and of every PostgreSQL
process before and after. Prints, per operation: API CPU ms and PostgreSQL CPU ms per
request, and the p50 latency.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
        uv run python bench/op_cost.py [--requests 600] [--clients 2] [--only job,...] \\
            [--write]

Run it on a quiet machine (other processes' CPU is not counted, but they slow ours).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_bench import (
    BENCH_DB,
    REDIS_DB,
    STATE_DIR,
    free_port,
    login,
    prepare_database,
    run_grins,
    server_env,
    start_server,
    stop_server,
    wait_ready,
)
from api_bench import _with_database as with_database
from api_bench import _with_redis_db as with_redis_db
from bench_mix import READS, WRITES, Mix, load_samples
from bench_stats import OpStats, fmt, percentile, replace_block
from http_client import HttpConnection
from http_client import run as run_loop

TICK = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parent.parent
MARK_START = "<!-- op_cost:start -->"
MARK_END = "<!-- op_cost:end -->"
WARM_UP_SETTLE_SECONDS = 3


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process (0 when it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _postgres_pids() -> list[int]:
    """Every PostgreSQL server process (postmaster, backends, background workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm.startswith("postgres"):
                pids.append(int(entry.name))
    return pids


def _cpu_snapshot(server_pid: int) -> tuple[dict[int, float], dict[int, float]]:
    api = {pid: _cpu_seconds(pid) for pid in _descendants(server_pid)}
    pg = {pid: _cpu_seconds(pid) for pid in _postgres_pids()}
    return api, pg


def _used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots (new processes count from zero)."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


async def _send(
    base: str, token: str, mix: list[Mix], name: str, count: int
) -> OpStats:
    stats = OpStats()
    headers = {"Authorization": f"Bearer {token}"}
    connections = [HttpConnection(base, headers, timeout=30) for _ in mix]
    share = count // len(mix)

    async def client(m: Mix, conn: HttpConnection) -> None:
        for _ in range(share):
            method, url, body = m.request(name)
            started = time.perf_counter()
            response = await conn.request(method, url, body)
            error = None if response.status < 400 else f"{response.status}"
            if name == "create job" and error is None:
                m.samples.requested.append(str(response.json()["id"]))
            stats.add((time.perf_counter() - started) * 1000, error)

    try:
        await asyncio.gather(
            *(client(m, c) for m, c in zip(mix, connections, strict=True))
        )
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    return stats


async def run(args: argparse.Namespace) -> int:
    import asyncpg  # noqa: PLC0415

    raw_db = os.environ.get(
        "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    base_db = raw_db.replace("+asyncpg", "")
    redis_url = with_redis_db(
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), REDIS_DB
    )
    state = await prepare_database(base_db, redis_url, 1)
    env = server_env(state, with_database(base_db, BENCH_DB), redis_url)
    env["LOG_QUERIES"] = "false"
    run_grins(env, "migrate", "upgrade")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, STATE_DIR / "op-cost-server.log")
    names = [n for n in (*READS, *WRITES) if not args.only or n in args.only]
    errors = 0
    rows = []
    try:
        await wait_ready(base)
        token = await login(base, state["password"])
        conn = await asyncpg.connect(env["DATABASE_URL"])
        samples = await load_samples(conn)
        await conn.close()
        mixes = [Mix(samples, seed=n) for n in range(args.clients)]
        # Warm both workers up on every operation (pools, statement caches), then
        # let start-up work settle: the first operation measured right after a
        # start read 1.2 ms for /health instead of 0.3-0.4.
        for name in names:
            await _send(base, token, mixes, name, 4 * args.clients)
        await asyncio.sleep(WARM_UP_SETTLE_SECONDS)
        for name in names:
            await _send(
                base, token, mixes, name, max(args.requests // 10, args.clients)
            )
            api0, pg0 = _cpu_snapshot(server.pid)
            gen0 = time.process_time()
            stats = await _send(base, token, mixes, name, args.requests)
            gen = time.process_time() - gen0
            api1, pg1 = _cpu_snapshot(server.pid)
            sent = len(stats.latencies)
            errors += stats.errors
            api_ms = _used(api0, api1) * 1000 / sent
            pg_ms = _used(pg0, pg1) * 1000 / sent
            rows.append(
                f"| {name} | {sent} | {api_ms:.2f} | {pg_ms:.2f} | {api_ms + pg_ms:.2f} "
                f"| {gen * 1000 / sent:.2f} | {fmt(percentile(stats.latencies, 50))} "
                f"| {stats.errors} |"
            )
            print(rows[-1], flush=True)
    finally:
        stop_server(server)
    facts = (
        f"- {time.strftime('%Y-%m-%d')}, {args.requests} requests per operation from "
        f"{args.clients} closed-loop clients, `grins serve --workers 2`, CPU from /proc"
    )
    header = (
        "| operation | requests | API CPU ms/req | PostgreSQL CPU ms/req | total "
        "| generator ms/req | p50 ms | errors |"
    )
    separator = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    report = "\n".join([facts, "", header, separator, *rows])
    print()
    print(report)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        path.write_text(replace_block(path.read_text(), MARK_START, MARK_END, report))
    return 1 if errors else 0


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument(
        "--only", type=lambda s: [x.strip() for x in s.split(",")], default=[],
        help="comma-separated operation names (default: all)",
    )  # fmt: skip
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    sys.exit(run_loop(run(args)))


if __name__ == "__main__":
    main()
