"""SQL for users."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select

from grins_platform.db.repository import Repository
from grins_platform.users.models import Role, User


class UserRepository(Repository[User]):
    """Users by id or email, and filtered lists."""

    model = User

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email, whatever its case (uses the lower() index)."""
        stmt = select(User).where(func.lower(User.email) == email.strip().lower())
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def _filtered(self, role: Role | None, active: bool | None) -> Select[Any]:
        stmt = select(User)
        if role is not None:
            stmt = stmt.where(User.role == role)
        if active is not None:
            stmt = stmt.where(User.is_active.is_(active))
        return stmt

    async def list_filtered(
        self, *, role: Role | None, active: bool | None, limit: int, offset: int
    ) -> tuple[Sequence[User], int]:
        """A page of users ordered by name then id, and the total."""
        stmt = self._filtered(role, active)
        total = await self.count(stmt)
        rows = await self.page(
            stmt.order_by(func.lower(User.name), User.id), limit=limit, offset=offset
        )
        return rows, total

    async def count_active_admins(self) -> int:
        """Active admins (there must always be one)."""
        stmt = select(func.count()).where(User.role == Role.ADMIN, User.is_active)
        return int(await self.session.scalar(stmt) or 0)

    async def any_exists(self) -> bool:
        """Whether any user exists."""
        return (await self.session.scalar(select(User.id).limit(1))) is not None
