"""The ``grins`` command: serve, migrate, check (and the domains' commands)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Generator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError

from grins_platform.core.config import ConfigurationError, Settings, load_settings
from grins_platform.core.log_config import configure_logging
from grins_platform.db.embedded import EmbeddedStartError, ensure_services
from grins_platform.imports.cli import import_app
from grins_platform.scheduling.cli import schedule_app
from grins_platform.users.bootstrap import BootstrapError

app = typer.Typer(
    name="grins",
    help="Grins Platform: run the API, migrate the database, check the setup.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
migrate_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
app.add_typer(migrate_app, name="migrate")
app.add_typer(import_app, name="import")
app.add_typer(schedule_app, name="schedule")
seed_app = typer.Typer(help="Load reference or demo data.", no_args_is_help=True)
app.add_typer(seed_app, name="seed")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line to stderr and exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def clear_errors() -> Generator[None]:
    """Turn expected failures into one line and a non-zero exit, never a traceback."""
    try:
        yield
    except typer.Exit:
        raise
    except ConfigurationError as exc:
        fail(str(exc), 2)
    except (EmbeddedStartError, BootstrapError) as exc:
        fail(str(exc))
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        fail(f"database unreachable or refused the operation: {reason}")
    except KeyboardInterrupt:
        fail("interrupted", 130)


def settings_for_command(
    *, start_embedded: bool = True, quiet: bool = False, need_redis: bool = True
) -> Settings:
    """Load settings, configure logging and (by default) start embedded services.

    ``quiet`` raises the log level to WARNING for commands whose output is a report;
    ``need_redis=False`` leaves Redis alone for commands that only use the database.
    """
    settings = load_settings()
    level = settings.log_level.value
    if quiet and settings.log_level.value in {"DEBUG", "INFO"}:
        level = "WARNING"
    configure_logging(level, json_logs=settings.json_logs, stream=sys.stderr)
    if start_embedded:
        settings = ensure_services(settings, need_redis=need_redis)
    return settings


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    reload: Annotated[
        bool, typer.Option(help="Restart on code changes (dev).")
    ] = False,
) -> None:
    """Run the HTTP API."""
    from grins_platform.core.server import run_server  # noqa: PLC0415

    with clear_errors():
        settings_for_command()
        run_server(host=host, port=port, workers=workers, reload=reload)


@migrate_app.command("upgrade")
def migrate_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database up (to head by default)."""
    from grins_platform.db import migrations  # noqa: PLC0415

    with clear_errors():
        settings = settings_for_command(need_redis=False)
        assert settings.database_url is not None  # noqa: S101 - ensured above
        migrations.upgrade(settings.database_url, revision)
        typer.echo(f"database migrated to {revision}")


@migrate_app.command("downgrade")
def migrate_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "-1",
) -> None:
    """Migrate the database down (one revision by default)."""
    from grins_platform.db import migrations  # noqa: PLC0415

    with clear_errors():
        settings = settings_for_command(need_redis=False)
        assert settings.database_url is not None  # noqa: S101
        migrations.downgrade(settings.database_url, revision)
        typer.echo(f"database migrated down to {revision}")


@migrate_app.command("current")
def migrate_current() -> None:
    """Print the database's revision and the code's head."""
    from grins_platform.db import migrations  # noqa: PLC0415
    from grins_platform.db.session import create_engine  # noqa: PLC0415

    with clear_errors():
        settings = settings_for_command(quiet=True, need_redis=False)
        assert settings.database_url is not None  # noqa: S101

        async def _current() -> set[str]:
            engine = create_engine(settings)
            try:
                return await migrations.current_revisions(engine)
            finally:
                await engine.dispose()

        current = asyncio.run(_current())
        heads = migrations.head_revisions(settings.database_url)
        typer.echo(f"database: {', '.join(sorted(current)) or '(empty)'}")
        typer.echo(f"code head: {', '.join(sorted(heads))}")
        if current != heads:
            fail("database is not at head: run `grins migrate upgrade`")


@app.command()
def check() -> None:
    """Print the configuration (secrets masked) and whether each service is OK."""
    from grins_platform.core.redis import create_redis  # noqa: PLC0415
    from grins_platform.db.session import create_engine  # noqa: PLC0415
    from grins_platform.health.service import HealthService  # noqa: PLC0415

    with clear_errors():
        raw = load_settings()
        typer.echo("configuration:")
        for key, value in raw.masked().items():
            typer.echo(f"  {key:<26} {value}")
        settings = settings_for_command(quiet=True)
        database_url = settings.database_url
        assert database_url is not None  # noqa: S101

        async def _checks() -> dict[str, str]:
            engine = create_engine(settings)
            redis = create_redis(settings)
            try:
                return (
                    await HealthService(engine, redis, database_url).readiness()
                ).checks
            finally:
                await redis.aclose()
                await engine.dispose()

        checks = asyncio.run(_checks())
        typer.echo("services:")
        for name, verdict in checks.items():
            typer.echo(f"  {name:<26} {verdict}")
        bad = [name for name, verdict in checks.items() if verdict != "ok"]
        if bad:
            fail(f"not ready: {', '.join(bad)}")
        typer.echo("all checks passed")


@app.command("create-admin")
def create_admin(
    email: Annotated[str | None, typer.Option(help="Login email.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password (prompted, hidden, when omitted).")
    ] = None,
    dev_if_none: Annotated[
        bool,
        typer.Option(
            "--dev-if-none",
            help="Development: if no user exists, create one with a random password "
            "and print its credentials once; otherwise do nothing.",
        ),
    ] = False,
) -> None:
    """Create an admin account (flags or prompts)."""
    from grins_platform.users.bootstrap import create_admin_account  # noqa: PLC0415

    with clear_errors():
        settings = settings_for_command(quiet=True)
        if not dev_if_none:
            email = email or typer.prompt("Email")
            name = name or typer.prompt("Name")
            password = password or typer.prompt(
                "Password (12-72 bytes)", hide_input=True, confirmation_prompt=True
            )
        result = asyncio.run(
            create_admin_account(
                settings,
                email=email,
                name=name,
                password=password,
                dev_if_none=dev_if_none,
            )
        )
        typer.echo(result)


@seed_app.command("catalog")
def seed_catalog() -> None:
    """Load the reference catalog (skills, equipment, offerings); idempotent."""
    from grins_platform.catalog.seed import seed_reference_catalog  # noqa: PLC0415
    from grins_platform.db.session import (  # noqa: PLC0415
        create_engine,
        create_sessionmaker,
    )

    with clear_errors():
        settings = settings_for_command(quiet=True)

        async def _seed() -> dict[str, int]:
            engine = create_engine(settings)
            try:
                async with create_sessionmaker(engine)() as session:
                    added = await seed_reference_catalog(session)
                    await session.commit()
                    return added
            finally:
                await engine.dispose()

        added = asyncio.run(_seed())
        typer.echo(", ".join(f"{count} {kind} added" for kind, count in added.items()))


@app.command("seed-demo")
def seed_demo(
    scale: Annotated[
        float, typer.Option(help="1 = 20,000 customers, 100,000 jobs.", min=0.001)
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed (same data).")] = 2026,
    as_of: Annotated[
        str | None, typer.Option(help="The data's today (YYYY-MM-DD).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Wipe customers, jobs, staff and schedules first."
        ),
    ] = False,
) -> None:
    """Load a realistic five-season demo dataset (refuses if customers exist)."""
    from datetime import date  # noqa: PLC0415

    from grins_platform.demo.command import run_seed_demo, summary  # noqa: PLC0415
    from grins_platform.demo.loader import DemoDataExists  # noqa: PLC0415
    from grins_platform.demo.plan import DemoOptions  # noqa: PLC0415

    with clear_errors():
        settings = settings_for_command(quiet=True)
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            fail(f"--as-of must be a date like 2026-11-26, not {as_of!r}", 2)
        options = DemoOptions(
            scale=scale, seed=seed, as_of=day, timezone=settings.business_timezone
        )
        try:
            result, seconds = asyncio.run(
                run_seed_demo(settings, options, force=force, show_progress=True)
            )
        except DemoDataExists as exc:
            fail(str(exc))
        for line in summary(result, seconds):
            typer.echo(line)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
