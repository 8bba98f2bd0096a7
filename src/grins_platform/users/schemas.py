"""Request and response bodies of user management."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from grins_platform.users.models import Role


class UserCreate(BaseModel):
    """A new staff account; the password must be changed at first login."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(
        max_length=1024, description="initial password, 12 to 72 bytes"
    )


class UserUpdate(BaseModel):
    """Fields an admin may change; unset fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None


class PasswordReset(BaseModel):
    """A temporary password the user must change at next login."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(
        max_length=1024, description="temporary password, 12 to 72 bytes"
    )


class UserRead(BaseModel):
    """A staff account as the API shows it (never the hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    must_change_password: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime
