"""The api_bench request mix driven from outside Python, by wrk (``bench/wrk_mix.lua``).

Starts the same production-like server as ``api_bench.py`` (``grins serve --workers
2`` on the seeded ``grins_bench`` database, its helpers imported from there), logs in,
writes the sample ids, search terms, free 555 phones and 'requested' job ids to a Lua
file, and runs ``wrk -t1 -c{N} --latency -s bench/wrk_mix.lua`` at each concurrency
(a warm-up run first, fresh samples before every run). Prints a Markdown table
(requests, req/s, p50/p95/p99, non-2xx and socket errors) and the exact wrk command,
and exits non-zero on any non-2xx answer or socket error.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
        uv run python bench/wrk_bench.py [--duration 30] [--clients 10,50] [--write]

Against a server that already runs (by hand): write a samples file for it, then run
the printed wrk command (rewrite the file before every run: it holds the 'requested'
jobs and the free phones a run uses up):

    uv run python bench/wrk_bench.py --samples-only --base-url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_bench import (
    BENCH_DB,
    REDIS_DB,
    ROOT,
    STATE_DIR,
    free_port,
    login,
    machine_facts,
    prepare_database,
    pytest_running,
    run_grins,
    server_env,
    start_server,
    stop_server,
    wait_for_quiet,
    wait_ready,
)
from api_bench import _with_database as with_database
from api_bench import _with_redis_db as with_redis_db
from bench_mix import Samples, load_samples
from bench_stats import fmt, replace_block

SCRIPT = "bench/wrk_mix.lua"
SAMPLES_FILE = STATE_DIR / "wrk-samples.lua"
FREE_PHONES = 8000
TIMEOUT = "30s"  # as the Python generator's per-request timeout
MARK_START = "<!-- wrk_bench:start -->"
MARK_END = "<!-- wrk_bench:end -->"
SECTION = """## The same mix from outside: wrk

`bench/wrk_bench.py` drives the api_bench mix (same operations, weights, URLs and JSON
bodies) with wrk and `bench/wrk_mix.lua` instead of the Python generator, against the
same production-like server: a cross-check of the figures above from a C load generator.

```bash
DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
REDIS_URL=redis://127.0.0.1:6379/0 \\
    uv run python bench/wrk_bench.py --duration 30 --warmup 5 --clients 10,50 [--write]
```

By hand against a server that already runs: `--samples-only --base-url URL` writes
the samples file (token, ids, free phones, 'requested' jobs; rewrite it before every
run) and prints the wrk command. The block shows the exact command of each run.
"""


def lua_string(value: str) -> str:
    """A Lua string literal (printable ASCII as is, other bytes as ``\\ddd``)."""
    out = [
        chr(b) if 0x20 <= b <= 0x7E and b not in (0x22, 0x5C) else f"\\{b:03d}"
        for b in value.encode()
    ]
    return '"' + "".join(out) + '"'


def lua_list(values: list[str] | list[int]) -> str:
    """A Lua sequence of strings or integers, ten to a line."""
    items = [lua_string(v) if isinstance(v, str) else str(v) for v in values]
    lines = (", ".join(items[i : i + 10]) for i in range(0, len(items), 10))
    return "{\n    " + ",\n    ".join(lines) + ",\n  }" if items else "{}"


def free_phones(samples: Samples, count: int, seed: int) -> list[str]:
    """``count`` 555-exchange phones no customer has, in random order."""
    every = [
        f"+1{area}555{n:04d}"
        for area in ("612", "651", "763", "952")
        for n in range(10000)
    ]
    free = [p for p in every if p not in samples.used_phones]
    random.Random(seed).shuffle(free)
    return free[:count]


def write_samples(path: Path, token: str, samples: Samples, threads: int) -> None:
    """The Lua file ``wrk_mix.lua`` reads (it holds the token: mode 0600)."""
    fields: dict[str, list[str] | list[int]] = {
        "customer_ids": samples.customer_ids,
        "name_prefixes": [quote(p, safe="") for p in samples.name_prefixes],
        "phones": [quote(p, safe="-") for p in samples.phones],
        "weeks": samples.weeks,
        "job_ids": samples.job_ids,
        "property_ids": [prop for prop, _ in samples.properties],
        "zone_counts": [zones for _, zones in samples.properties],
        "offering_ids": samples.offering_ids,
        "priced_offering_ids": samples.priced_offering_ids,
        "requested": list(samples.requested),
        "free_phones": free_phones(samples, FREE_PHONES, int(time.time())),
    }
    empty = [
        name for name, values in fields.items() if not values and name != "requested"
    ]
    if empty:
        sys.exit(f"no samples for {', '.join(empty)}: is the bench database seeded?")
    lines = [
        "-- written by bench/wrk_bench.py for bench/wrk_mix.lua",
        "return {",
        f"  threads = {threads},",
        f"  run = {lua_string(samples.run)},",
        f"  token = {lua_string(token)},",
        *(f"  {name} = {lua_list(values)}," for name, values in fields.items()),
        "}",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text("\n".join(lines))


async def fresh_samples(db_url: str, token: str, threads: int, path: Path) -> None:
    """Sample the database again and rewrite the samples file."""
    import asyncpg  # type: ignore[import-untyped]  # noqa: PLC0415

    conn = await asyncpg.connect(db_url)
    try:
        samples = await load_samples(conn)
    finally:
        await conn.close()
    write_samples(path, token, samples, threads)


def wrk_command(
    base: str, clients: int, seconds: int, samples: Path, threads: int = 1
) -> list[str]:
    """The wrk invocation (run from the repository root)."""
    try:
        shown = samples.relative_to(ROOT)
    except ValueError:
        shown = samples
    return ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--latency",
            "--timeout", TIMEOUT, "-s", SCRIPT, base, "--", str(shown)]  # fmt: skip


def run_wrk(command: list[str]) -> tuple[dict[str, Any], str]:
    """Run wrk; the ``WRK_MIX_JSON`` summary and the whole output."""
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )
    output = done.stdout + done.stderr
    for line in done.stdout.splitlines():
        if line.startswith("WRK_MIX_JSON "):
            if done.returncode != 0:
                break
            return json.loads(line.removeprefix("WRK_MIX_JSON ")), output
    sys.exit(f"wrk failed (exit {done.returncode}):\n{output[-3000:]}")


async def settle(result: dict[str, Any]) -> None:
    """Let the requests wrk left in flight finish before the database is sampled.

    wrk stops at ``-d`` without waiting for its answers; a transition still running
    on the server would otherwise leave a job sampled as 'requested' that is not.
    """
    await asyncio.sleep(min(10.0, 1.0 + float(result["max_ms"]) / 1000))


def socket_errors(result: dict[str, Any]) -> int:
    """Connect, read, write and timeout errors wrk counted."""
    errors = result["errors"]
    return int(errors["connect"] + errors["read"] + errors["write"] + errors["timeout"])


def non2xx(result: dict[str, Any]) -> int:
    """Answers outside 200-299 (wrk's own count is of status >= 400)."""
    return max(int(result["non2xx"]), int(result["errors"]["status"]))


def table(results: dict[int, dict[str, Any]]) -> list[str]:
    """Markdown rows: one per concurrency level."""
    rows = [
        "| clients | requests | req/s | p50 ms | p95 ms | p99 ms | non-2xx | socket errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for clients, r in results.items():
        rows.append(
            f"| {clients} | {r['requests']} | {r['requests'] / r['seconds']:.1f} | "
            f"{fmt(r['p50_ms'])} | {fmt(r['p95_ms'])} | {fmt(r['p99_ms'])} | "
            f"{non2xx(r)} | {socket_errors(r)} |"
        )
    return rows


def first_errors(results: dict[int, dict[str, Any]]) -> list[str]:
    """Markdown bullets: the first non-2xx answer of each failing operation."""
    return [
        f"- {clients} clients, `{op['name']}`: {op['non2xx']} non-2xx, first: "
        f"{op['first_error'][:200]}"
        for clients, r in results.items()
        for op in r["operations"]
        if op["non2xx"]
    ]


def wrk_version() -> str:
    """wrk's version line (``wrk -v`` exits 1 after printing usage)."""
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).splitlines()[0].split(" Copyright")[0].strip()


def update_benchmarks(document: str, report: str) -> str:
    """BENCHMARKS.md with the wrk block replaced (section appended when missing)."""
    if MARK_START not in document:
        document = document.rstrip() + "\n\n" + SECTION
    return replace_block(document, MARK_START, MARK_END, report)


def urls() -> tuple[str, str]:
    """The PostgreSQL server URL (no driver) and the bench Redis database URL."""
    raw_db = os.environ.get(
        "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = with_redis_db(
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), REDIS_DB
    )
    return raw_db.replace("+asyncpg", ""), redis_url


async def samples_only(args: argparse.Namespace) -> int:
    """Write a samples file for a server that already runs; print the wrk command."""
    base_db, redis_url = urls()
    state = await prepare_database(base_db, redis_url, args.scale)
    token = await login(args.base_url, state["password"])
    db_url = with_database(base_db, BENCH_DB)
    await fresh_samples(db_url, token, args.threads, args.samples)
    print(f"wrote {args.samples}; from {ROOT}, run for example:")
    for clients in args.clients:
        command = wrk_command(
            args.base_url, clients, int(args.duration), args.samples, args.threads
        )
        print(f"    {shlex.join(command)}")
    return 0


async def measure(args: argparse.Namespace) -> int:
    """Serve, run wrk at every level, report; the exit code."""
    from redis.asyncio import Redis  # noqa: PLC0415

    base_db, redis_url = urls()
    quiet = wait_for_quiet(args.wait_quiet)
    state = await prepare_database(base_db, redis_url, args.scale)
    db_url = with_database(base_db, BENCH_DB)
    env = server_env(state, db_url, redis_url)
    env["LOG_QUERIES"] = "true" if args.query_log else "false"
    run_grins(env, "migrate", "upgrade")
    redis = Redis.from_url(redis_url)
    await redis.flushdb()  # pyright: ignore[reportUnknownMemberType]
    await redis.aclose()
    facts = await machine_facts(db_url, redis_url)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = STATE_DIR / f"server-wrk-{time.strftime('%Y%m%d-%H%M%S')}.log"
    server = start_server(env, port, log_path)
    results: dict[int, dict[str, Any]] = {}
    commands: list[str] = []
    try:
        await wait_ready(base)
        token = await login(base, state["password"])
        for clients in args.clients:
            if args.warmup > 0:
                await fresh_samples(db_url, token, 1, args.samples)
                warm, _ = run_wrk(wrk_command(base, clients, args.warmup, args.samples))
                await settle(warm)
                if non2xx(warm) or socket_errors(warm):
                    print(f"warm-up at {clients} clients: {non2xx(warm)} non-2xx, "
                          f"{socket_errors(warm)} socket errors")  # fmt: skip
            await fresh_samples(db_url, token, 1, args.samples)
            command = wrk_command(base, clients, int(args.duration), args.samples)
            commands.append(shlex.join(command))
            print(f"$ {commands[-1]}", flush=True)
            results[clients], output = run_wrk(command)
            await settle(results[clients])
            shown = output.splitlines()
            print("\n".join(x for x in shown if not x.startswith("WRK_MIX_JSON ")))
    finally:
        stop_server(server)

    quiet = quiet and not pytest_running()
    report = [
        *facts,
        (
            f"- {time.strftime('%Y-%m-%d')}, {wrk_version()}, one wrk thread (`-t1`), "
            f"{int(args.duration)} s per level after a {int(args.warmup)} s warm-up, "
            f"LOG_QUERIES={'on' if args.query_log else 'off'}, "
            f"quiet machine (no pytest running): {'yes' if quiet else 'NO'}"
        ),
        f"- per level: `{commands[0] if commands else ''}` (port and clients vary)",
        "",
        *table(results),
        *([""] if first_errors(results) else []),
        *first_errors(results),
    ]
    text = "\n".join(report)
    print()
    print(text)
    failed = sum(non2xx(r) + socket_errors(r) for r in results.values())
    print(f"non-2xx + socket errors: {failed}")
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        path.write_text(update_benchmarks(path.read_text(), text))
    return 1 if failed else 0


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per level")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--query-log", action="store_true",
                        help="also log every statement (LOG_QUERIES)")  # fmt: skip
    parser.add_argument("--wait-quiet", type=float, default=600.0,
                        help="wait up to this long for running pytest to finish")  # fmt: skip
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--samples", type=Path, default=SAMPLES_FILE,
                        help="where to write the samples file")  # fmt: skip
    parser.add_argument("--samples-only", action="store_true",
                        help="only write the samples file for --base-url and print "
                             "the wrk command")  # fmt: skip
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--threads", type=int, default=1,
                        help="wrk threads the samples file is split for (--samples-only)")  # fmt: skip
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    args.samples = args.samples.resolve()
    if args.samples_only:
        sys.exit(asyncio.run(samples_only(args)))
    sys.exit(asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
