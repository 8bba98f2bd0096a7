"""API latency under load: a production-like server driven by closed-loop clients.

Starts ``grins serve --workers 2`` the way production runs it (ENVIRONMENT=production,
generated secrets, JSON logs at INFO written to a file) against a dedicated database
(``grins_bench``: migrations + ``grins seed-demo``, reused while it matches the scale),
logs in, and drives a realistic office mix for a fixed time at 1, 10 and 50
concurrent clients. Prints requests/s and p50/p95/p99 per operation, the p95 of SQL
statements and cache get/set from the server log (per-second histograms), and the
Nagle check (sequential keep-alive ``/health``, ours vs plain ``uvicorn --workers 2``).
Exits non-zero on any error.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
        uv run python bench/api_bench.py [--duration 30] [--clients 1,10,50] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_mix import READS, WRITES, Mix, Samples, load_samples
from bench_stats import (
    LogFigures,
    OpStats,
    figures_row,
    fmt,
    op_table,
    parse_log,
    percentile,
    redis_usec,
    replace_block,
)
from http_client import HttpConnection
from http_client import run as run_loop

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".grins" / "bench"
STATE_FILE = STATE_DIR / "api-bench.json"
BENCH_DB = "grins_bench"
REDIS_DB = 13
ADMIN_EMAIL = "bench@grins.example.com"
GRINS = [sys.executable, "-m", "grins_platform.cli"]
MARK_START = "<!-- api_bench:start -->"
MARK_END = "<!-- api_bench:end -->"


def _with_database(url: str, name: str) -> str:
    scheme, _, rest = url.partition("://")
    head = rest.split("/", 1)[0]
    return f"{scheme}://{head}/{name}"


def _with_redis_db(url: str, db: int) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/{db}"


def server_env(state: dict[str, Any], db_url: str, redis_url: str) -> dict[str, str]:
    """Production-like environment for the server and the ``grins`` commands."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRINS_")}
    env.update(
        ENVIRONMENT="production",
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        JWT_SECRET_KEY=state["jwt"],
        DATA_ENCRYPTION_KEY=state["data"],
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        ACCESS_TOKEN_MINUTES="60",  # noqa: S106 - minutes, not a secret
        DATA_DIR=str(STATE_DIR / "data"),
    )
    return env


def run_grins(env: dict[str, str], *args: str) -> str:
    """Run a ``grins`` command; its output, or exit with its error."""
    done = subprocess.run(
        [*GRINS, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"grins {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


async def prepare_database(
    base_url: str, redis_url: str, scale: float
) -> dict[str, Any]:
    """The seeded bench database (built when missing or of another scale)."""
    import asyncpg  # type: ignore[import-untyped]  # noqa: PLC0415

    state: dict[str, Any] = {}
    if STATE_FILE.exists():
        state = json.loads(STATE_FILE.read_text())
    admin = await asyncpg.connect(base_url)
    try:
        exists = await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", BENCH_DB
        )
        if exists and state.get("scale") == scale:
            return state
        await admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        await admin.close()
    state = {
        "jwt": secrets.token_urlsafe(48),
        "data": secrets.token_urlsafe(48),
        "password": secrets.token_urlsafe(18),
        "scale": scale,
    }
    env = server_env(state, _with_database(base_url, BENCH_DB), redis_url)
    run_grins(env, "migrate", "upgrade")
    started = time.perf_counter()
    output = run_grins(env, "seed-demo", "--scale", str(scale))
    state["seed_seconds"] = round(time.perf_counter() - started, 1)
    state["seed_output"] = output.strip().splitlines()[0]
    run_grins(env, "create-admin", "--email", ADMIN_EMAIL, "--name", "Bench",
              "--password", state["password"])  # fmt: skip
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps(state, indent=2))
    STATE_FILE.chmod(0o600)
    return state


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    env: dict[str, str], port: int, log_path: Path, *, plain: bool = False
) -> subprocess.Popen[bytes]:
    """``grins serve --workers 2`` (or plain uvicorn), output to ``log_path``."""
    if plain:
        command = [sys.executable, "-m", "uvicorn", "grins_platform.main:create_app",
                   "--factory", "--workers", "2", "--port", str(port),
                   "--no-access-log", "--log-level", "warning",
                   "--timeout-worker-healthcheck", "60"]  # fmt: skip
    else:
        command = [*GRINS, "serve", "--workers", "2", "--port", str(port)]
    log = log_path.open("ab")
    return subprocess.Popen(command, env=env, stdout=log, stderr=log)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Terminate gracefully, then kill if it hangs."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def wait_ready(base: str, limit_seconds: float = 90) -> None:
    """Poll ``/ready`` until it answers 200."""
    deadline = time.monotonic() + limit_seconds
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.25)
    sys.exit(f"server at {base} not ready after {limit_seconds:.0f} s")


async def login(base: str, password: str) -> str:
    """An access token for the bench admin."""
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": password}
        )
        if response.status_code != 200:
            sys.exit(f"login failed: {response.status_code} {response.text[:200]}")
        return str(response.json()["access_token"])


async def drive(
    base: str, token: str, samples: Samples, clients: int, seconds: float
) -> dict[str, OpStats]:
    """``clients`` closed-loop clients for ``seconds``; per-operation statistics.

    Each client has its own keep-alive connection (``http_client``: far less CPU per
    request than httpx, which matters with the generator sharing 2 cores).
    """
    headers = {"Authorization": f"Bearer {token}"}
    stats: dict[str, OpStats] = {name: OpStats() for name in (*READS, *WRITES)}
    connections = [HttpConnection(base, headers, timeout=30) for _ in range(clients)]
    try:
        deadline = time.perf_counter() + seconds
        mixes = [Mix(samples, seed=n) for n in range(clients)]
        await asyncio.gather(
            *(
                m.run(c, deadline, stats)
                for m, c in zip(mixes, connections, strict=True)
            )
        )
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    return stats


async def nagle_p50(base: str, requests: int = 300) -> float:
    """p50 ms of sequential ``/health`` requests on one keep-alive connection."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timings: list[float] = []
    async with httpx.AsyncClient(base_url=base, limits=limits) as client:
        for _ in range(requests):
            started = time.perf_counter()
            (await client.get("/health")).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings[10:], 50)


def pytest_running() -> bool:
    """Whether a pytest process runs on this machine (it would disturb timings)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"pytest" in text and b"api_bench" not in text:
            return True
    return False


def wait_for_quiet(max_wait: float) -> bool:
    """Wait (up to ``max_wait`` s) until no pytest runs; True when quiet."""
    deadline = time.monotonic() + max_wait
    while pytest_running():
        if time.monotonic() >= deadline:
            return False
        time.sleep(10)
    return True


def cpu_and_memory() -> tuple[str, int]:
    """The CPU model name and the memory in kB (Linux ``/proc``)."""
    cpu = next(
        (line.split(":", 1)[1].strip()
         for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), "unknown",
    )  # fmt: skip
    return cpu, int(Path("/proc/meminfo").read_text().split()[1])


def cpu_probe(loops: int = 20_000_000) -> float:
    """Seconds for a fixed pure-Python loop: how fast this host is right now.

    The 2 vCPUs here are shared with other machines; the same build has measured 25 %
    apart on different hours. The probe (about 0.6 s on a quiet host) shows it.
    """
    started = time.perf_counter()
    total = 0
    for i in range(loops):
        total += i
    return time.perf_counter() - started


async def machine_facts(db_url: str, redis_url: str) -> list[str]:
    """CPU, memory, host speed and server versions, as Markdown bullet lines."""
    import asyncpg  # noqa: PLC0415
    from redis.asyncio import Redis  # noqa: PLC0415

    cpu, mem_kb = cpu_and_memory()
    conn = await asyncpg.connect(db_url)
    pg = str(await conn.fetchval("SHOW server_version")).split()[0]
    await conn.close()
    redis = Redis.from_url(redis_url)
    info: dict[str, Any] = await redis.info("server")  # pyright: ignore[reportUnknownMemberType]
    await redis.aclose()
    return [
        (
            f"- {os.cpu_count()} CPUs (nproc), `{cpu}`, "
            f"{mem_kb / 1024 / 1024:.0f} GiB RAM, Python {sys.version.split()[0]}"
        ),
        f"- PostgreSQL {pg}, Redis {info.get('redis_version')}, all on this machine",
        (
            f"- CPU probe before the run: {cpu_probe():.2f} s for a 20-million-step "
            "Python loop (about 0.6 s on a quiet host; higher = slower host)"
        ),
    ]


async def vacuum_analyze(db_url: str) -> None:
    """VACUUM (ANALYZE) the bench database before measuring.

    Every run updates thousands of jobs; a server with autovacuum (the default) would
    clean up behind it, but this machine's PostgreSQL runs with autovacuum off, and
    without this each run measured the dead rows of the runs before it.
    """
    import asyncpg  # noqa: PLC0415

    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


def concurrency_line(env: dict[str, str]) -> str:
    """The per-worker request limit the server ran with."""
    from grins_platform.core.config import Settings  # noqa: PLC0415

    default = Settings.model_fields["request_concurrency"].default
    value = env.get("REQUEST_CONCURRENCY")
    source = "from the environment" if value else "the default"
    return f"- REQUEST_CONCURRENCY={value or default} per worker ({source})"


def read_slice(path: Path, start: int, end: int) -> list[str]:
    """The log lines written between two byte offsets."""
    with path.open("rb") as handle:
        handle.seek(start)
        return handle.read(end - start).decode(errors="replace").splitlines()


def targets(clients: int) -> dict[str, float]:
    """The DESIGN.md §5 p95 targets (ms) at a concurrency level."""
    if clients >= 50:
        return dict.fromkeys((*READS, *WRITES), 150.0)
    if clients >= 10:
        return {**dict.fromkeys(READS, 25.0), **dict.fromkeys(WRITES, 50.0)}
    return {}


def figures_line(clients: int, logs: LogFigures, redis_info: dict[str, Any]) -> str:
    """One row of the database/cache table."""
    return figures_row(clients, logs, redis_usec(redis_info))


async def redis_stats(redis_url: str, *, reset: bool) -> dict[str, Any]:
    """``INFO latencystats`` of the bench's Redis; ``reset`` zeroes them first.

    The server's own view of each command: the time Redis spent on it, without the
    network or the client's event loop (the analogue of PostgreSQL's statement log).
    """
    from redis.asyncio import Redis  # noqa: PLC0415

    client = Redis.from_url(redis_url)
    try:
        if reset:
            await client.config_resetstat()  # pyright: ignore[reportUnknownMemberType]
            return {}
        info: dict[str, Any] = await client.info("latencystats")  # pyright: ignore[reportUnknownMemberType]
        return info
    finally:
        await client.aclose()


async def measure(
    args: argparse.Namespace,
    env: dict[str, str],
    state: dict[str, Any],
    generator_cpu: dict[int, float],
) -> tuple[list[str], int]:
    """Serve, log in, drive every level, check Nagle; Markdown lines and errors.

    ``generator_cpu`` receives this process's CPU ms per request at each level.
    """
    import asyncpg  # noqa: PLC0415

    log_path = STATE_DIR / f"server-{time.strftime('%Y%m%d-%H%M%S')}.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, log_path)
    lines: list[str] = []
    db_lines: list[str] = []
    errors = 0
    try:
        await wait_ready(base)
        token = await login(base, state["password"])
        conn = await asyncpg.connect(env["DATABASE_URL"])
        samples = await load_samples(conn)
        await conn.close()
        for clients in args.clients:
            await drive(base, token, samples, clients, args.warmup)
            start = log_path.stat().st_size
            await redis_stats(env["REDIS_URL"], reset=True)
            cpu = time.process_time()
            stats = await drive(base, token, samples, clients, args.duration)
            cpu = time.process_time() - cpu
            redis_info = await redis_stats(env["REDIS_URL"], reset=False)
            sent = sum(len(op.latencies) for op in stats.values())
            generator_cpu[clients] = cpu * 1000 / max(sent, 1)
            await asyncio.sleep(1.0)
            logs = parse_log(read_slice(log_path, start, log_path.stat().st_size))
            errors += sum(op.errors for op in stats.values())
            lines += [f"#### {clients} concurrent client{'s' if clients > 1 else ''}",
                      "", *op_table(stats, args.duration, targets(clients)), ""]  # fmt: skip
            lines += [f"- first error of `{n}`: {op.first_error}"
                      for n, op in stats.items() if op.first_error]  # fmt: skip
            db_lines.append(figures_line(clients, logs, redis_info))
            print(f"{clients} clients done; slowest SQL: {logs.slowest_sql[:2]}")
        ours = await nagle_p50(base)
    finally:
        stop_server(server)
    plain = await plain_uvicorn_p50(env)
    lines += [
        "#### Database and cache (from the server's log, same runs)", "",
        ("| clients | statements | SQL p50 ms | SQL p95 ms | floor p95 ms | cache gets"
         " | get p95 ms | cache sets | set p95 ms | floor p95 ms"
         " | slot wait p50 ms | slot wait p95 ms | Redis cache read p50 µs"
         " | Redis cache read p99 µs |"),
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *db_lines, "",
        "#### Nagle check: 300 sequential keep-alive `GET /health`, `--workers 2`", "",
        "| server | p50 ms |", "| --- | ---: |",
        f"| `grins serve --workers 2` (TCP_NODELAY protocol) | {fmt(ours)} |",
        f"| plain `uvicorn --workers 2` | {fmt(plain)} |",
    ]  # fmt: skip
    return lines, errors


def generator_line(cpu_ms: dict[int, float]) -> str:
    """The load generator's own CPU per request (at 10 clients, else the first level)."""
    if not cpu_ms:
        return "- load generator CPU: not measured"

    def clients(n: int) -> str:
        return f"{n} client{'s' if n > 1 else ''}"

    main = 10 if 10 in cpu_ms else next(iter(cpu_ms))
    others = ", ".join(
        f"{clients(n)}: {ms:.3f}" for n, ms in cpu_ms.items() if n != main
    )
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    return (
        f"- load generator CPU: {cpu_ms[main]:.3f} ms per request at {clients(main)}"
        f"{f' ({others})' if others else ''}; process CPU time / requests, "
        f"`bench/http_client.py` keep-alive connections on the {loop} event loop"
    )


async def plain_uvicorn_p50(env: dict[str, str]) -> float:
    """The Nagle check against uvicorn's own multi-worker path."""
    port = free_port()
    plain_env = {**env, "LOG_QUERIES": "false"}
    server = start_server(plain_env, port, STATE_DIR / "uvicorn-plain.log", plain=True)
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        return await nagle_p50(f"http://127.0.0.1:{port}")
    finally:
        stop_server(server)


async def run(args: argparse.Namespace) -> int:
    """Prepare, measure, report; the exit code."""
    from redis.asyncio import Redis  # noqa: PLC0415

    raw_db = os.environ.get(
        "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    base_db = raw_db.replace("+asyncpg", "")
    redis_url = _with_redis_db(
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), REDIS_DB
    )
    quiet = wait_for_quiet(args.wait_quiet)
    state = await prepare_database(base_db, redis_url, args.scale)
    env = server_env(state, _with_database(base_db, BENCH_DB), redis_url)
    env["LOG_QUERIES"] = "true" if args.query_log else "false"
    run_grins(env, "migrate", "upgrade")
    await vacuum_analyze(env["DATABASE_URL"])
    redis = Redis.from_url(redis_url)
    await redis.flushdb()  # pyright: ignore[reportUnknownMemberType]
    await redis.aclose()
    facts = await machine_facts(env["DATABASE_URL"], redis_url)
    quiet = quiet and not pytest_running()
    generator_cpu: dict[int, float] = {}
    body, errors = await measure(args, env, state, generator_cpu)
    header = [
        *facts,
        (
            f"- {time.strftime('%Y-%m-%d')}, {args.duration:g} s per level after a "
            f"{args.warmup:g} s warm-up, "
            f"LOG_QUERIES={'on' if args.query_log else 'off'}, "
            f"quiet machine (no pytest running): {'yes' if quiet else 'NO'}"
        ),
        f"- dataset: `grins seed-demo --scale {args.scale:g}` — {state.get('seed_output', '')}",
        generator_line(generator_cpu),
        concurrency_line(env),
        "",
    ]
    report = "\n".join([*header, *body])
    print(report)
    print(f"errors: {errors}")
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        path.write_text(replace_block(path.read_text(), MARK_START, MARK_END, report))
    return 1 if errors else 0


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds per level"
    )
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--query-log",
        action="store_true",
        help="also log every statement (LOG_QUERIES); figures come from histograms",
    )
    parser.add_argument("--wait-quiet", type=float, default=600.0,
                        help="wait up to this long for running pytest to finish")  # fmt: skip
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    sys.exit(run_loop(run(args)))


if __name__ == "__main__":
    main()
