"""Creating the first admin from the command line (and the development admin)."""

from __future__ import annotations

import secrets

from pydantic import ValidationError

from grins_platform.core.config import Settings
from grins_platform.core.errors import AppError
from grins_platform.db.session import create_engine, create_sessionmaker
from grins_platform.users.models import Role
from grins_platform.users.schemas import UserCreate
from grins_platform.users.service import UserService

DEV_ADMIN_EMAIL = "admin@grins.example.com"


class BootstrapError(Exception):
    """The admin could not be created; the message is one clear line."""


async def create_admin_account(
    settings: Settings,
    *,
    email: str | None,
    name: str | None,
    password: str | None,
    dev_if_none: bool = False,
) -> str:
    """Create an admin; returns the line to print.

    With ``dev_if_none`` an admin with a random password is created only when no user
    exists at all, and its credentials are printed this once.
    """
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            service = UserService(session, settings)
            if dev_if_none:
                if await service.any_user_exists():
                    return "users already exist: no development admin created"
                email = email or DEV_ADMIN_EMAIL
                name = name or "Development Admin"
                password = secrets.token_urlsafe(12)
            try:
                data = UserCreate.model_validate(
                    {
                        "email": email,
                        "name": name,
                        "role": Role.ADMIN,
                        "password": password,
                    }
                )
                user = await service.create_user(data, must_change=False)
            except AppError as exc:
                raise BootstrapError(_detail_text(exc)) from None
            except ValidationError as exc:
                raise BootstrapError(_validation_text(exc)) from None
    finally:
        await engine.dispose()
    if dev_if_none:
        return (
            f"development admin created: email={user.email} password={password} "
            "(shown once; change it with POST /api/v1/auth/password)"
        )
    return f"admin created: {user.email} ({user.id})"


def _validation_text(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
    )


def _detail_text(exc: AppError) -> str:
    if isinstance(exc.detail, str):
        return exc.detail
    return "; ".join(f"{d['field']}: {d['message']}" for d in exc.detail)
