"""Password rules, bcrypt cost and access-token verification (unit + property)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grins_platform.auth.security import (
    MAX_PASSWORD_BYTES,
    InvalidToken,
    create_access_token,
    decode_access_token,
    hash_password,
    hash_refresh_token,
    new_refresh_token,
    password_problem,
    verify_password,
)
from grins_platform.core.config import Settings, load_settings

pytestmark = pytest.mark.unit
SETTINGS = load_settings(environment="test", jwt_secret_key="k" * 48)
USER, SESSION = uuid.uuid4(), uuid.uuid4()


def _token(settings: Settings = SETTINGS, **kw: object) -> str:
    token, _ = create_access_token(
        settings,
        user_id=USER,
        session_id=SESSION,
        token_version=3,
        role="manager",
        **kw,  # type: ignore[arg-type]
    )
    return token


def _claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": SETTINGS.jwt_issuer,
        "aud": SETTINGS.jwt_audience,
        "typ": "access",
        "sub": str(USER),
        "sid": str(SESSION),
        "ver": 3,
        "role": "manager",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": "abc",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_valid_token_round_trips() -> None:
    claims = decode_access_token(SETTINGS, _token())
    assert claims.user_id == USER
    assert claims.session_id == SESSION
    assert claims.token_version == 3
    expected = datetime.now(UTC) + timedelta(minutes=15)
    assert abs((claims.expires_at - expected).total_seconds()) < 5


@pytest.mark.parametrize(
    ("why", "token"),
    [
        ("alg none", jwt.encode(_claims(), "", algorithm="none")),
        ("wrong key", jwt.encode(_claims(), "w" * 48, algorithm="HS256")),
        ("HS512", jwt.encode(_claims(), "k" * 48, algorithm="HS512")),
        ("wrong aud", jwt.encode(_claims(aud="other"), "k" * 48, algorithm="HS256")),
        ("wrong iss", jwt.encode(_claims(iss="evil"), "k" * 48, algorithm="HS256")),
        (
            "refresh typ",
            jwt.encode(_claims(typ="refresh"), "k" * 48, algorithm="HS256"),
        ),
        ("no jti", jwt.encode(_claims(jti=None), "k" * 48, algorithm="HS256")),
        ("no sid", jwt.encode(_claims(sid=None), "k" * 48, algorithm="HS256")),
        ("bad sub", jwt.encode(_claims(sub="not-a-uuid"), "k" * 48, algorithm="HS256")),
        (
            "expired",
            jwt.encode(
                _claims(
                    exp=int((datetime.now(UTC) - timedelta(seconds=5)).timestamp())
                ),
                "k" * 48,
                algorithm="HS256",
            ),
        ),
        ("garbage", "not.a.jwt"),
        ("opaque refresh token", new_refresh_token()),
    ],
)
def test_tampered_tokens_are_refused(why: str, token: str) -> None:
    with pytest.raises(InvalidToken):
        decode_access_token(SETTINGS, token)


def test_token_from_the_past_is_expired() -> None:
    old = _token(now=datetime.now(UTC) - timedelta(minutes=16))
    with pytest.raises(InvalidToken):
        decode_access_token(SETTINGS, old)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 12"),
        ("x" * 73, "at most 72 bytes"),
        ("é" * 37, "at most 72 bytes"),  # 74 bytes in UTF-8, 37 characters
        (" " * 12, "blank"),
        ("x" * 12, None),
        ("x" * 72, None),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    found = password_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


async def test_default_cost_is_12_and_hashing_verifies() -> None:
    rounds = load_settings(environment="development").password_hash_rounds
    assert rounds == 12
    hashed = await hash_password("a-good-password-1", rounds)
    assert hashed.startswith("$2b$12$")
    assert await verify_password("a-good-password-1", hashed)
    assert not await verify_password("a-good-password-2", hashed)
    assert not await verify_password("x" * (MAX_PASSWORD_BYTES + 1), hashed)
    assert not await verify_password("anything", "not-a-hash")


@given(st.text(min_size=1, max_size=64))
@settings(max_examples=50)
def test_refresh_tokens_are_stored_as_hashes(raw: str) -> None:
    digest = hash_refresh_token(raw)
    assert len(digest) == 64
    assert raw not in digest or len(raw) < 2


def test_refresh_tokens_are_long_and_unique() -> None:
    tokens = {new_refresh_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) >= 43 for t in tokens)  # 32 bytes, base64url


def test_a_verified_token_is_remembered_but_still_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = _token()
    first = decode_access_token(SETTINGS, token)
    assert decode_access_token(SETTINGS, token) is first  # served from the memo
    later = first.expires_at.timestamp() + 1
    monkeypatch.setattr("grins_platform.auth.security.time.time", lambda: later)
    with pytest.raises(InvalidToken, match="Expired"):
        decode_access_token(SETTINGS, token)


def test_the_memo_is_keyed_by_the_signing_key() -> None:
    token = _token()
    decode_access_token(SETTINGS, token)
    other = load_settings(environment="test", jwt_secret_key="o" * 48)
    with pytest.raises(InvalidToken):
        decode_access_token(other, token)


def test_the_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("grins_platform.auth.security._VERIFIED_MAX", 3)
    tokens = [_token() for _ in range(5)]
    for token in tokens:
        decode_access_token(SETTINGS, token)
    from grins_platform.auth import security  # noqa: PLC0415

    assert len(security._VERIFIED) <= 3
    assert decode_access_token(SETTINGS, tokens[0]).user_id == USER  # re-verified
