"""The ``users`` table: staff accounts that log in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Enum, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.db.base import (
    Base,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    enum_values,
)


class Role(StrEnum):
    """What a user may do: admin ⊃ manager ⊃ technician."""

    ADMIN = "admin"
    MANAGER = "manager"
    TECHNICIAN = "technician"


class User(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A person who logs in. Emails are unique regardless of case."""

    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    )

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=enum_values)
    )
    password_hash: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="true"
    )
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_manager(self) -> bool:
        """Admin or manager (the office)."""
        return self.role in {Role.ADMIN, Role.MANAGER}
