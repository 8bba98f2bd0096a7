"""Login, refresh-token rotation with reuse detection, logout, password change."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.auth.models import AuthSession
from grins_platform.auth.repository import AuthSessionRepository
from grins_platform.auth.security import (
    AccessClaims,
    DummyHash,
    InvalidToken,
    create_access_token,
    decode_access_token,
    hash_password,
    hash_refresh_token,
    new_refresh_token,
    password_problem,
    verify_password,
)
from grins_platform.auth.session_cache import SessionCache, end_cached_sessions
from grins_platform.auth.throttle import LoginThrottle, ThrottleLimits
from grins_platform.core.config import Settings
from grins_platform.core.errors import AuthenticationError, ValidationFailed
from grins_platform.core.log_config import DomainLogger, LoggerMixin
from grins_platform.db.uow import UnitOfWork
from grins_platform.users.models import User
from grins_platform.users.repository import UserRepository

auth_log = DomainLogger("auth", "session")


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


BAD_CREDENTIALS = "invalid email or password"


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a successful login, refresh or password change hands out."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: User


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where a request came from (for throttling and the session record)."""

    ip: str
    user_agent: str | None = None


def access_claims(settings: Settings, token: str) -> AccessClaims:
    """The claims of a valid access token, or ``AuthenticationError``."""
    try:
        return decode_access_token(settings, token)
    except InvalidToken as exc:
        auth_log.rejected("access_token", reason=str(exc))
        raise AuthenticationError("invalid or expired access token") from exc


async def remembered_session(
    settings: Settings, cache: SessionCache, token: str
) -> tuple[User, uuid.UUID] | None:
    """The token's user and session from this worker's memory, or ``None``.

    No database and no ORM session: ``None`` means ``authenticate`` must check.
    """
    claims = access_claims(settings, token)
    user = await cache.lookup(claims.user_id, claims.session_id, claims.token_version)
    return None if user is None else (user, claims.session_id)


class AuthService(LoggerMixin):
    """Authentication use cases; commits once per use case."""

    DOMAIN = "auth"

    def __init__(
        self,
        session: AsyncSession,
        redis: Redis,
        settings: Settings,
        session_cache: SessionCache | None = None,
    ) -> None:
        self.session = session
        self.redis = redis
        self.settings = settings
        self.session_cache = session_cache
        self.uow = UnitOfWork(session)
        self.users = UserRepository(session)
        self.sessions = AuthSessionRepository(session)
        self.throttle = LoginThrottle(
            redis,
            ThrottleLimits(
                per_account=settings.login_max_failures,
                per_ip=settings.login_max_failures_per_ip,
                window_seconds=settings.login_throttle_window_seconds,
            ),
        )

    async def login(self, email: str, password: str, client: ClientInfo) -> TokenPair:
        """Check the password and open a session; the same 401 for every failure."""
        await self.throttle.check(email, client.ip)
        user = await self.users.get_by_email(email)
        stored = user.password_hash if user else await DummyHash.get(self._rounds())
        matches = await verify_password(password, stored)
        if user is None or not matches or not user.is_active:
            await self.throttle.record_failure(email, client.ip)
            reason = "unknown_email" if user is None else "bad_password"
            if user is not None and matches:
                reason = "inactive"
            auth_log.event(
                "login",
                "failed",
                30,
                reason=reason,
                user_id=str(user.id) if user else None,
            )
            raise AuthenticationError(BAD_CREDENTIALS)
        await self.throttle.reset_account(email)
        now = datetime.now(UTC)
        user.last_login_at = now
        pair = await self._open_session(user, client, now)
        await self.uow.commit()
        auth_log.succeeded("login", user_id=str(user.id), role=user.role.value)
        return pair

    async def refresh(self, token: str) -> TokenPair:
        """Rotate a refresh token. A token presented twice revokes its whole family."""
        now = datetime.now(UTC)
        found = await self.sessions.get_token_for_update(hash_refresh_token(token))
        if found is None:
            auth_log.rejected("refresh", reason="unknown_token")
            raise AuthenticationError("invalid refresh token")
        stored, family = found
        if stored.used_at is not None:
            await self.sessions.revoke(family.id, "refresh_reuse", now)
            self._end_cached_sessions_after_commit(family.user_id)
            await self.uow.commit()
            auth_log.detected(
                "refresh_reuse", user_id=str(family.user_id), session_id=str(family.id)
            )
            raise AuthenticationError("refresh token already used; session revoked")
        if family.revoked_at is not None or family.expires_at <= now:
            auth_log.rejected(
                "refresh", reason="session_ended", user_id=str(family.user_id)
            )
            raise AuthenticationError("session has ended; log in again")
        user = await self.users.get(family.user_id)
        if user is None or not user.is_active:
            raise AuthenticationError("session has ended; log in again")
        stored.used_at = now
        pair = await self._issue(user, family, now)
        await self.uow.commit()
        auth_log.completed("refresh", user_id=str(user.id), session_id=str(family.id))
        return pair

    async def logout(self, user: User, session_id: uuid.UUID) -> None:
        """End the session the caller's access token belongs to."""
        await self.sessions.revoke(session_id, "logout", datetime.now(UTC))
        self._end_cached_sessions_after_commit(user.id)
        await self.uow.commit()
        auth_log.completed("logout", user_id=str(user.id), session_id=str(session_id))

    async def change_password(
        self, caller: User, current: str, new: str, client: ClientInfo
    ) -> TokenPair:
        """Replace the password, end every session, and open a fresh one.

        The account row is re-read under a lock: concurrent changes are serialised
        and the caller object (possibly a cached copy) is never written through.
        """
        user = await self.users.get(caller.id, for_update=True)
        if user is None:
            raise AuthenticationError("session has ended; log in again")
        if not await verify_password(current, user.password_hash):
            auth_log.rejected(
                "password_change", reason="bad_current", user_id=str(user.id)
            )
            raise ValidationFailed("current_password", "is not your current password")
        problem = password_problem(new)
        if problem is not None:
            raise ValidationFailed("new_password", problem)
        if new == current:
            raise ValidationFailed(
                "new_password", "must differ from the current password"
            )
        now = datetime.now(UTC)
        user.password_hash = await hash_password(new, self._rounds())
        user.must_change_password = False
        user.token_version += 1
        await self.sessions.revoke_all_for_user(user.id, "password_change", now)
        pair = await self._open_session(user, client, now)
        self._end_cached_sessions_after_commit(user.id)
        await self.uow.commit()
        auth_log.completed("password_change", user_id=str(user.id))
        return pair

    async def authenticate(self, token: str) -> tuple[User, uuid.UUID]:
        """The active user behind an access token, or ``AuthenticationError``."""
        claims = access_claims(self.settings, token)
        cache, read = self.session_cache, None
        if cache is not None:
            cached = await cache.lookup(
                claims.user_id, claims.session_id, claims.token_version
            )
            if cached is not None:
                return cached, claims.session_id
            read = await cache.current_epoch(claims.user_id)
        found = await self.sessions.get_user_and_session(
            claims.user_id, claims.session_id
        )
        if found is None:
            raise AuthenticationError("invalid or expired access token")
        user, family = found
        if (
            not user.is_active
            or user.token_version != claims.token_version
            or family.revoked_at is not None
        ):
            auth_log.rejected("access_token", reason="revoked", user_id=str(user.id))
            raise AuthenticationError("session has ended; log in again")
        if cache is not None and read is not None:
            cache.remember(user, family.id, read)
        return user, family.id

    def _end_cached_sessions_after_commit(self, user_id: uuid.UUID) -> None:
        async def _end() -> None:
            if self.session_cache is not None:
                self.session_cache.forget_user(user_id)
            await end_cached_sessions(self.redis, user_id)

        self.uow.after_commit(_end)

    def _rounds(self) -> int:
        return self.settings.password_hash_rounds

    async def _open_session(
        self, user: User, client: ClientInfo, now: datetime
    ) -> TokenPair:
        family = AuthSession(
            id=uuid.uuid4(),
            user_id=user.id,
            expires_at=now + timedelta(days=self.settings.refresh_token_days),
            ip=_valid_ip(client.ip),
            user_agent=(client.user_agent or "")[:300] or None,
        )
        await self.sessions.add(family)
        return await self._issue(user, family, now)

    async def _issue(self, user: User, family: AuthSession, now: datetime) -> TokenPair:
        refresh = new_refresh_token()
        await self.sessions.add_token(family.id, hash_refresh_token(refresh))
        access, access_expires = create_access_token(
            self.settings,
            user_id=user.id,
            session_id=family.id,
            token_version=user.token_version,
            role=user.role.value,
            now=now,
        )
        return TokenPair(access, access_expires, refresh, family.expires_at, user)
