"""User management: create, list, change role, deactivate, reset a password."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.auth.repository import AuthSessionRepository
from grins_platform.auth.security import hash_password, password_problem
from grins_platform.auth.session_cache import SessionCache, end_cached_sessions
from grins_platform.core.config import Settings
from grins_platform.core.errors import ConflictError, NotFoundError, ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.uow import UnitOfWork
from grins_platform.users.models import Role, User
from grins_platform.users.repository import UserRepository
from grins_platform.users.schemas import UserCreate, UserUpdate


class UserNotFound(NotFoundError):
    """No such user (or not visible to the caller)."""

    def __init__(self) -> None:
        super().__init__("user not found")


class EmailTaken(ConflictError):
    """Another account already uses this email."""

    def __init__(self, existing_id: uuid.UUID | None) -> None:
        super().__init__(
            "a user with this email already exists",
            existing_id=str(existing_id) if existing_id else None,
        )


class LastAdmin(ConflictError):
    """The change would leave no active admin."""

    def __init__(self) -> None:
        super().__init__("there must always be at least one active admin")


class UserService(LoggerMixin):
    """Admin-facing account management; commits once per use case."""

    DOMAIN = "users"

    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        redis: Redis | None = None,
        session_cache: SessionCache | None = None,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.session_cache = session_cache
        self.uow = UnitOfWork(session)
        self.users = UserRepository(session)
        self.sessions = AuthSessionRepository(session)

    async def create_user(self, data: UserCreate, *, must_change: bool = True) -> User:
        """Create an account; its first password must be changed at first login."""
        problem = password_problem(data.password)
        if problem is not None:
            raise ValidationFailed("password", problem)
        existing = await self.users.get_by_email(data.email)
        if existing is not None:
            self.log_rejected(
                "create", reason="email_taken", existing_id=str(existing.id)
            )
            raise EmailTaken(existing.id)
        user = User(
            email=data.email.strip(),
            name=data.name.strip(),
            role=data.role,
            password_hash=await hash_password(
                data.password, self.settings.password_hash_rounds
            ),
            must_change_password=must_change,
        )
        try:
            await self.users.add(user)
            await self.uow.commit()
        except IntegrityError as exc:  # a concurrent create won the race
            await self.uow.rollback()
            raise EmailTaken(None) from exc
        self.log_completed("create", user_id=str(user.id), role=user.role.value)
        return user

    async def list_users(
        self, *, role: Role | None, active: bool | None, limit: int, offset: int
    ) -> tuple[Sequence[User], int]:
        """A page of users and the total."""
        return await self.users.list_filtered(
            role=role, active=active, limit=limit, offset=offset
        )

    async def get_user(self, user_id: uuid.UUID, *, caller: User) -> User:
        """Admins see anyone; everyone else only themselves (others → 404)."""
        if caller.role is not Role.ADMIN and caller.id != user_id:
            raise UserNotFound
        user = await self.users.get(user_id)
        if user is None:
            raise UserNotFound
        return user

    async def update_user(self, user_id: uuid.UUID, changes: UserUpdate) -> User:
        """Rename or change role (never leaving the platform without an admin)."""
        user = await self._locked(user_id)
        fields = changes.model_dump(exclude_unset=True)
        new_role = fields.get("role")
        if new_role is not None and new_role != user.role:
            await self._keep_an_admin(user)
            user.role = Role(new_role)
        if fields.get("name") is not None:
            user.name = str(fields["name"]).strip()
        self._end_cached_sessions_after_commit(user.id)
        await self.uow.commit()
        self.log_completed("update", user_id=str(user.id), fields=sorted(fields))
        return user

    async def set_active(self, user_id: uuid.UUID, *, active: bool) -> User:
        """Deactivate (ending every session and token) or reactivate an account."""
        user = await self._locked(user_id)
        if user.is_active and not active:
            await self._keep_an_admin(user)
            user.is_active = False
            user.token_version += 1
            await self.sessions.revoke_all_for_user(user.id, "deactivated", _now())
        elif active:
            user.is_active = True
        self._end_cached_sessions_after_commit(user.id)
        await self.uow.commit()
        self.log_completed("set_active", user_id=str(user.id), active=active)
        return user

    async def reset_password(self, user_id: uuid.UUID, password: str) -> User:
        """Set a temporary password, end every session, force a change at next login."""
        problem = password_problem(password)
        if problem is not None:
            raise ValidationFailed("password", problem)
        user = await self._locked(user_id)
        user.password_hash = await hash_password(
            password, self.settings.password_hash_rounds
        )
        user.must_change_password = True
        user.token_version += 1
        await self.sessions.revoke_all_for_user(user.id, "password_reset", _now())
        self._end_cached_sessions_after_commit(user.id)
        await self.uow.commit()
        self.log_completed("reset_password", user_id=str(user.id))
        return user

    async def any_user_exists(self) -> bool:
        """Whether the platform has any account yet."""
        return await self.users.any_exists()

    def _end_cached_sessions_after_commit(self, user_id: uuid.UUID) -> None:
        """After the commit, make every worker re-check this user's sessions."""
        redis, local = self.redis, self.session_cache
        if redis is None:
            return

        async def _end() -> None:
            if local is not None:  # this worker at once; the others by message
                local.forget_user(user_id)
            await end_cached_sessions(redis, user_id)

        self.uow.after_commit(_end)

    async def _locked(self, user_id: uuid.UUID) -> User:
        user = await self.users.get(user_id, for_update=True)
        if user is None:
            raise UserNotFound
        return user

    async def _keep_an_admin(self, user: User) -> None:
        if (
            user.role is Role.ADMIN
            and user.is_active
            and await self.users.count_active_admins() <= 1
        ):
            raise LastAdmin


def _now() -> datetime:
    return datetime.now(UTC)
