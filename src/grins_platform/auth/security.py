"""Passwords (bcrypt, off the event loop), access tokens (JWT), refresh tokens."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import bcrypt
import jwt

from grins_platform.core.config import Settings

ALGORITHM: Final = "HS256"
ACCESS_TYPE: Final = "access"
MIN_PASSWORD_BYTES: Final = 12
MAX_PASSWORD_BYTES: Final = 72  # bcrypt reads no further: longer is refused, not cut
REFRESH_TOKEN_BYTES: Final = 32  # 256 bits of randomness
REQUIRED_CLAIMS: Final = ["iss", "aud", "typ", "exp", "iat", "jti", "sub", "sid", "ver"]


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable as a new password, or ``None``."""
    size = len(password.encode())
    if size < MIN_PASSWORD_BYTES:
        return f"must be at least {MIN_PASSWORD_BYTES} characters"
    if size > MAX_PASSWORD_BYTES:
        return f"must be at most {MAX_PASSWORD_BYTES} bytes (UTF-8); it is {size}"
    if not password.strip():
        return "must not be blank"
    return None


def _hash_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def _verify_sync(password: str, hashed: str) -> bool:
    raw = password.encode()
    if len(raw) > MAX_PASSWORD_BYTES:
        # Still spend the hashing time, so a long password is not a timing oracle.
        bcrypt.checkpw(raw[:MAX_PASSWORD_BYTES], hashed.encode())
        return False
    return bcrypt.checkpw(raw, hashed.encode())


async def hash_password(password: str, rounds: int) -> str:
    """The bcrypt hash of ``password``, computed in a worker thread."""
    return await asyncio.to_thread(_hash_sync, password, rounds)


async def verify_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches ``hashed``, computed in a worker thread."""
    try:
        return await asyncio.to_thread(_verify_sync, password, hashed)
    except ValueError:  # malformed stored hash
        return False


class DummyHash:
    """A hash of a random password with the configured cost.

    Verifying against it when the email is unknown makes that answer take as long as
    a wrong password does.
    """

    _cache: dict[int, str] = {}  # noqa: RUF012 - per-process memo by cost

    @classmethod
    async def get(cls, rounds: int) -> str:
        """The dummy hash for ``rounds``, made once per process."""
        if rounds not in cls._cache:
            cls._cache[rounds] = await hash_password(secrets.token_urlsafe(16), rounds)
        return cls._cache[rounds]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    token_version: int
    role: str
    jti: str
    expires_at: datetime


class InvalidToken(Exception):
    """The token is not one we issued, or no longer valid."""


def create_access_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    token_version: int,
    role: str,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """Sign a short-lived access token; returns it with its expiry."""
    issued = now or datetime.now(UTC)
    expires = issued + timedelta(minutes=settings.access_token_minutes)
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "typ": ACCESS_TYPE,
        "sub": str(user_id),
        "sid": str(session_id),
        "ver": token_version,
        "role": role,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, settings.jwt_key(), algorithm=ALGORITHM)
    return token, expires


# Tokens whose signature and claims were verified, by (key, audience, issuer, token):
# the HMAC check and claim parsing cost more than many endpoints' own work, and an
# office client sends the same token for its whole lifetime. Only the exact string
# that verified can hit; expiry is still checked on every use.
_VERIFIED: dict[tuple[str, str, str, str], AccessClaims] = {}
_VERIFIED_MAX: Final = 4096


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """Verify signature, algorithm, issuer, audience, type, expiry and claim shapes."""
    memo_key = (settings.jwt_key(), settings.jwt_audience, settings.jwt_issuer, token)
    known = _VERIFIED.get(memo_key)
    if known is not None:
        if known.expires_at.timestamp() > time.time():
            return known
        del _VERIFIED[memo_key]
        raise InvalidToken("ExpiredSignatureError")
    claims = _verify_access_token(settings, token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _forget_expired_tokens()
    _VERIFIED[memo_key] = claims
    return claims


def _forget_expired_tokens() -> None:
    now = time.time()
    for key in [k for k, c in _VERIFIED.items() if c.expires_at.timestamp() <= now]:
        del _VERIFIED[key]
    while len(_VERIFIED) >= _VERIFIED_MAX:
        del _VERIFIED[next(iter(_VERIFIED))]


def _verify_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unexpected algorithm")
        claims = jwt.decode(
            token,
            settings.jwt_key(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from exc
    if claims.get("typ") != ACCESS_TYPE:
        raise InvalidToken("not an access token")
    try:
        return AccessClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            session_id=uuid.UUID(str(claims["sid"])),
            token_version=int(claims["ver"]),
            role=str(claims.get("role", "")),
            jti=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (ValueError, TypeError) as exc:
        raise InvalidToken("malformed claims") from exc


def new_refresh_token() -> str:
    """A fresh opaque refresh token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def hash_refresh_token(token: str) -> str:
    """What is stored for a refresh token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()
