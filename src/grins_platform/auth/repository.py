"""SQL for login sessions and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update

from grins_platform.auth.models import AuthSession, RefreshToken
from grins_platform.db.repository import Repository
from grins_platform.users.models import User


class AuthSessionRepository(Repository[AuthSession]):
    """Sessions (refresh-token families) and their tokens."""

    model = AuthSession

    async def get_user_and_session(
        self, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> tuple[User, AuthSession] | None:
        """The user and the session an access token names, in one query."""
        stmt = (
            select(User, AuthSession)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(User.id == user_id, AuthSession.id == session_id)
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def add_token(self, session_id: uuid.UUID, token_hash: str) -> RefreshToken:
        """Store a new refresh token (its hash) in a session."""
        token = RefreshToken(session_id=session_id, token_hash=token_hash)
        self.session.add(token)
        await self.session.flush()
        return token

    async def get_token_for_update(
        self, token_hash: str
    ) -> tuple[RefreshToken, AuthSession] | None:
        """A refresh token and its session, both locked so rotation is serialised."""
        stmt = (
            select(RefreshToken, AuthSession)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .where(RefreshToken.token_hash == token_hash)
            .with_for_update()
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def revoke(self, session_id: uuid.UUID, reason: str, now: datetime) -> None:
        """End one session."""
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_all_for_user(
        self, user_id: uuid.UUID, reason: str, now: datetime
    ) -> int:
        """End every open session of a user; returns how many."""
        result = await self.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .returning(AuthSession.id)
        )
        return len(result.all())
