"""``/api/v1/users``: account management (admin), and reading one's own record."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from grins_platform.auth.dependencies import AdminUser, CurrentUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.db.session import SessionDep
from grins_platform.users.models import Role
from grins_platform.users.schemas import PasswordReset, UserCreate, UserRead, UserUpdate
from grins_platform.users.service import UserService

router = APIRouter(prefix="/users", tags=["users"])


async def get_user_service(request: Request, session: SessionDep) -> UserService:
    """The user service for this request."""
    state = request.app.state
    return UserService(
        session, state.settings, state.redis, getattr(state, "session_cache", None)
    )


UserServiceDep = Annotated[UserService, Depends(get_user_service)]


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create_user(
    body: UserCreate, _admin: AdminUser, service: UserServiceDep
) -> UserRead:
    """Admin. Create a staff account with a role and a temporary password."""
    return UserRead.model_validate(await service.create_user(body))


@router.get("", response_model=Page[UserRead])
async def list_users(
    _admin: AdminUser,
    service: UserServiceDep,
    page: PageDep,
    role: Annotated[Role | None, Query(description="only this role")] = None,
    active: Annotated[
        bool | None, Query(description="only (in)active accounts")
    ] = None,
) -> Page[UserRead]:
    """Admin. Accounts ordered by name."""
    rows, total = await service.list_users(
        role=role, active=active, limit=page.limit, offset=page.offset
    )
    return Page[UserRead](
        items=[UserRead.model_validate(u) for u in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{user_id}", response_model=UserRead)
async def get_user(
    user_id: uuid.UUID, caller: CurrentUser, service: UserServiceDep
) -> UserRead:
    """Admin: anyone. Others: only themselves (anyone else is 404)."""
    return UserRead.model_validate(await service.get_user(user_id, caller=caller))


@router.patch("/{user_id}", response_model=UserRead)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, _admin: AdminUser, service: UserServiceDep
) -> UserRead:
    """Admin. Change name or role (409 if it would leave no active admin)."""
    return UserRead.model_validate(await service.update_user(user_id, body))


@router.post("/{user_id}/deactivate", response_model=UserRead)
async def deactivate_user(
    user_id: uuid.UUID, _admin: AdminUser, service: UserServiceDep
) -> UserRead:
    """Admin. Block logins and end every session and token of the account."""
    return UserRead.model_validate(await service.set_active(user_id, active=False))


@router.post("/{user_id}/activate", response_model=UserRead)
async def activate_user(
    user_id: uuid.UUID, _admin: AdminUser, service: UserServiceDep
) -> UserRead:
    """Admin. Allow a deactivated account to log in again."""
    return UserRead.model_validate(await service.set_active(user_id, active=True))


@router.post("/{user_id}/reset-password", response_model=UserRead)
async def reset_password(
    user_id: uuid.UUID, body: PasswordReset, _admin: AdminUser, service: UserServiceDep
) -> UserRead:
    """Admin. Set a temporary password; the user must change it at next login."""
    return UserRead.model_validate(await service.reset_password(user_id, body.password))
