"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from grins_platform.users.models import Role


class LoginRequest(BaseModel):
    """Email and password."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    """The refresh token from the last login or refresh."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=20, max_length=200)


class PasswordChangeRequest(BaseModel):
    """Current and new password (12 to 72 bytes)."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(max_length=1024, description="12 to 72 bytes (UTF-8)")


class MeRead(BaseModel):
    """The logged-in user."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    must_change_password: bool
    last_login_at: datetime | None


class TokenRead(BaseModel):
    """Tokens handed out by login, refresh and password change."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme, not a secret
    expires_in: int = Field(description="seconds until the access token expires")
    expires_at: datetime
    refresh_token: str = Field(description="single use; rotated by /auth/refresh")
    refresh_expires_at: datetime = Field(description="absolute end of this session")
    user: MeRead
