"""Every ORM model imported in one place, so Alembic and tests see the whole schema."""

from __future__ import annotations

from grins_platform.auth.models import AuthSession, RefreshToken
from grins_platform.db.base import Base
from grins_platform.users.models import User

metadata = Base.metadata

__all__ = ["AuthSession", "Base", "RefreshToken", "User", "metadata"]
