"""Who is calling: ``CurrentUser``, ``ManagerUser``, ``AdminUser`` and object checks.

Every route declares one of these (or is deliberately public). A technician asking for
something that is not theirs gets 404, not 403, so ids of others' records leak nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from grins_platform.auth.service import AuthService, ClientInfo, remembered_session
from grins_platform.auth.session_cache import SessionCache
from grins_platform.core.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDenied,
)
from grins_platform.core.redis import RedisDep
from grins_platform.db.session import SessionDep, SessionOpener, SessionOpenerDep
from grins_platform.users.models import Role, User

bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login")


async def get_auth_service(
    request: Request, session: SessionDep, redis: RedisDep
) -> AuthService:
    """The auth service for this request."""
    return AuthService(
        session,
        redis,
        request.app.state.settings,
        getattr(request.app.state, "session_cache", None),
    )


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def client_info(request: Request) -> ClientInfo:
    """The caller's IP (as uvicorn resolved it from trusted proxies) and user agent."""
    host = request.client.host if request.client else ""
    return ClientInfo(ip=host, user_agent=request.headers.get("user-agent"))


ClientDep = Annotated[ClientInfo, Depends(client_info)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated user and the session their token belongs to."""

    user: User
    session_id: uuid.UUID


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def _authenticate(
    request: Request, open_session: SessionOpener, credentials: Credentials
) -> Principal:
    """Authenticate the bearer token (any state of the account's password).

    A session this worker remembers needs no database (and no ORM session); any
    other goes through ``AuthService.authenticate``.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("authentication required")
    state = request.app.state
    cache: SessionCache | None = getattr(state, "session_cache", None)
    token = credentials.credentials
    found = (
        None
        if cache is None
        else await remembered_session(state.settings, cache, token)
    )
    if found is None:
        service = AuthService(await open_session(), state.redis, state.settings, cache)
        found = await service.authenticate(token)
    user, session_id = found
    request.scope.setdefault("state", {})["user_id"] = str(user.id)
    return Principal(user=user, session_id=session_id)


async def get_principal(
    request: Request, open_session: SessionOpenerDep, credentials: Credentials
) -> Principal:
    """The caller and their session (for the auth routes; others take a user)."""
    return await _authenticate(request, open_session, credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _usable(user: User) -> User:
    """The caller, who must not be under a forced password change."""
    if user.must_change_password:
        raise PermissionDenied(
            "change your password first (POST /api/v1/auth/password)"
        )
    return user


# Each role dependency authenticates by itself instead of depending on the one
# below it: FastAPI resolves every dependency of the chain on every request, and
# the user check runs on all of them.


async def get_current_user(
    request: Request, open_session: SessionOpenerDep, credentials: Credentials
) -> User:
    """Any signed-in staff member."""
    return _usable((await _authenticate(request, open_session, credentials)).user)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_manager_user(
    request: Request, open_session: SessionOpenerDep, credentials: Credentials
) -> User:
    """An admin or manager (the office)."""
    user = _usable((await _authenticate(request, open_session, credentials)).user)
    if user.role not in {Role.ADMIN, Role.MANAGER}:
        raise PermissionDenied("requires the manager or admin role")
    return user


ManagerUser = Annotated[User, Depends(get_manager_user)]


async def get_admin_user(
    request: Request, open_session: SessionOpenerDep, credentials: Credentials
) -> User:
    """An admin."""
    user = _usable((await _authenticate(request, open_session, credentials)).user)
    if user.role is not Role.ADMIN:
        raise PermissionDenied("requires the admin role")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


def ensure_visible(user: User, *, owned: bool, what: str = "resource") -> None:
    """Object-level check: office roles see everything, others only what is theirs.

    ``owned`` is the domain's answer to "is this the caller's?" (e.g. the technician
    has an appointment at that property). Not theirs → 404 with the same text as a
    missing record.
    """
    if user.role in {Role.ADMIN, Role.MANAGER} or owned:
        return
    raise NotFoundError(f"{what} not found")
