"""``/api/v1/auth``: login, refresh, logout, me, password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, status

from grins_platform.auth.dependencies import (
    AuthServiceDep,
    ClientDep,
    PrincipalDep,
)
from grins_platform.auth.schemas import (
    LoginRequest,
    MeRead,
    PasswordChangeRequest,
    RefreshRequest,
    TokenRead,
)
from grins_platform.auth.service import TokenPair

router = APIRouter(prefix="/auth", tags=["auth"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not authenticated (error envelope)"}
}


def _token_read(pair: TokenPair) -> TokenRead:
    expires_in = int((pair.access_expires_at - datetime.now(UTC)).total_seconds())
    return TokenRead(
        access_token=pair.access_token,
        expires_in=max(expires_in, 0),
        expires_at=pair.access_expires_at,
        refresh_token=pair.refresh_token,
        refresh_expires_at=pair.refresh_expires_at,
        user=MeRead.model_validate(pair.user),
    )


@router.post(
    "/login",
    response_model=TokenRead,
    responses={**_ERRORS, 429: {"description": "too many failed logins"}},
)
async def login(
    body: LoginRequest, service: AuthServiceDep, client: ClientDep
) -> TokenRead:
    """Public. Exchange email and password for an access and a refresh token."""
    return _token_read(await service.login(body.email, body.password, client))


@router.post("/refresh", response_model=TokenRead, responses=_ERRORS)
async def refresh(body: RefreshRequest, service: AuthServiceDep) -> TokenRead:
    """Public (the refresh token is the credential). Rotate it: each works once."""
    return _token_read(await service.refresh(body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def logout(principal: PrincipalDep, service: AuthServiceDep) -> None:
    """Any logged-in user. End this session: its refresh and access tokens stop."""
    await service.logout(principal.user, principal.session_id)


@router.get("/me", response_model=MeRead, responses=_ERRORS)
async def me(principal: PrincipalDep) -> MeRead:
    """Any logged-in user (also while a password change is pending)."""
    return MeRead.model_validate(principal.user)


@router.post("/password", response_model=TokenRead, responses=_ERRORS)
async def change_password(
    body: PasswordChangeRequest,
    principal: PrincipalDep,
    service: AuthServiceDep,
    client: ClientDep,
) -> TokenRead:
    """Any logged-in user. Every other session ends; a fresh one is returned."""
    pair = await service.change_password(
        principal.user, body.current_password, body.new_password, client
    )
    return _token_read(pair)
