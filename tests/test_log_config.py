"""PII masking and secret redaction (property-based), and the logger helpers."""

from __future__ import annotations

import json
import logging
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grins_platform.core.log_config import (
    REDACTED,
    DomainLogger,
    LoggerMixin,
    mask_pii,
    mask_text,
    mask_url,
)
from tests.conftest import LogCapture

pytestmark = pytest.mark.unit

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
area = st.integers(min_value=201, max_value=989).map(str)
exchange = st.integers(min_value=200, max_value=999).map(str)
line = st.integers(min_value=0, max_value=9999).map(lambda n: f"{n:04d}")


@st.composite
def phone_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A US phone number in one of the ways people type it, and its 10 digits."""
    a, e, n = draw(area), draw(exchange), draw(line)
    fmt = draw(
        st.sampled_from(
            [
                "{a}-{e}-{n}",
                "({a}) {e}-{n}",
                "{a}.{e}.{n}",
                "{a} {e} {n}",
                "{a}{e}{n}",
                "+1{a}{e}{n}",
                "+1 {a} {e} {n}",
                "1-{a}-{e}-{n}",
                "+1 ({a}) {e}-{n}",
            ]
        )
    )
    return fmt.format(a=a, e=e, n=n), f"{a}{e}{n}"


surrounding = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40
)


def _digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


@given(phone=phone_numbers(), before=surrounding, after=surrounding)
@settings(max_examples=400)
def test_phone_never_survives_masking(
    phone: tuple[str, str], before: str, after: str
) -> None:
    typed, ten = phone
    assume(ten not in _digits_only(before + after))
    out = mask_text(f"{before}{typed}{after}")
    assert ten not in _digits_only(out)
    assert typed not in out


@given(
    user=st.from_regex(r"[a-z][a-z0-9._+-]{0,15}", fullmatch=True),
    domain=st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(com|org|net|co\.uk)", fullmatch=True),
    before=surrounding,
    after=surrounding,
)
@settings(max_examples=300)
def test_email_never_survives_masking(
    user: str, domain: str, before: str, after: str
) -> None:
    email = f"{user}@{domain}"
    out = mask_text(f"{before} {email} {after}")
    assert email not in out
    assert f"@{domain}" not in out


@given(
    code=st.from_regex(r"#?[0-9]{3,6}[A-Z]?", fullmatch=True),
    label=st.sampled_from(
        [
            "gate code",
            "Gate code is",
            "GATE:",
            "lock box",
            "lockbox code",
            "Lock box code:",
            "garage code =",
            "keypad",
            "alarm code",
            "gate #",
        ]
    ),
    before=surrounding,
    after=surrounding,
)
@settings(max_examples=300)
def test_access_code_never_survives_masking(
    code: str, label: str, before: str, after: str
) -> None:
    core = code.lstrip("#")
    assume(core not in before and core not in after)
    assume(not after[:1].isalnum() and not before[-1:].isalnum())
    out = mask_text(f"{before}{label} {code}{after}")
    assert core not in out


def test_examples_read_well() -> None:
    assert mask_text("call (612) 555-0123 today") == "call ([phone] today"
    assert mask_text("gate code 4821, dog in yard") == "gate code [code], dog in yard"
    assert (
        mask_text("at 1234 Main St in Eden Prairie") == "at [address] in Eden Prairie"
    )
    assert mask_text("card 4111 1111 1111 1111") == "card [card]"
    assert mask_text("Bearer eyJhbGciOi.eyJzdWIiOiIx.sig") == f"Bearer {REDACTED}"
    uid = "123e4567-e89b-12d3-a456-426614174000"
    assert mask_text(f"customer {uid}") == f"customer {uid}"
    assert mask_text("at=2026-11-26T11:32:13Z") == "at=2026-11-26T11:32:13Z"


def test_secrets_redacted_anywhere_in_an_event() -> None:
    event = {
        "event": "auth.login.login_failed",
        "password": "hunter2hunter2",
        "headers": {"Authorization": "Bearer abc.def", "accept": "json"},
        "nested": [{"refresh_token": "r-123"}, {"deep": {"api_key": "k"}}],
        "note": "token=abcdef123 and password: swordfish",
        "email": "someone@example.com",
        "customer_id": "123e4567-e89b-12d3-a456-426614174000",
        "count": 6125550123,
    }
    out = mask_pii(None, "info", event)
    text = json.dumps(out)
    for secret in (
        "hunter2hunter2",
        "abc.def",
        "r-123",
        '"k"',
        "abcdef123",
        "swordfish",
    ):
        assert secret not in text
    assert "someone@example.com" not in text
    assert out["headers"]["accept"] == "json"
    assert out["customer_id"] == "123e4567-e89b-12d3-a456-426614174000"
    assert out["count"] == 6125550123  # numbers are not text; ids and counts stay


def test_mask_url_hides_password_only() -> None:
    assert mask_url("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert mask_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_domain_logger_and_mixin_name_events(logs: LogCapture) -> None:
    class CustomerThing(LoggerMixin):
        DOMAIN = "customers"

    thing = CustomerThing()
    thing.log_completed("create", customer_id="c-1")
    thing.log_rejected("create", reason="duplicate_phone")
    thing.log_failed("create", ValueError("boom"))
    DomainLogger("auth", "login").succeeded("login", user_id="u-1")
    DomainLogger("auth", "login").event("login", "throttled", logging.WARNING)
    names = [line["event"] for line in logs.since_mark()]
    assert "customers.service.create_completed" in names
    assert "customers.service.create_rejected" in names
    assert "customers.service.create_failed" in names
    assert "auth.login.login_succeeded" in names
    assert "auth.login.login_throttled" in names
    failed = next(x for x in logs.since_mark() if x["event"].endswith("create_failed"))
    assert failed["error"] == "ValueError"
    assert failed["level"] == "error"


def test_a_bare_id_and_a_route_template_pass_unchanged() -> None:
    ident = "0b6f9a52-1c3e-4d7a-9f00-123456789abc"
    assert mask_text(ident) == ident
    assert (
        mask_text(f"call 612 555 0123 about {ident}") == f"call [phone] about {ident}"
    )
    event = mask_pii(None, "info", {"event": "x", "route": "/api/v1/jobs/{job_id}"})
    assert event["route"] == "/api/v1/jobs/{job_id}"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("jobs.service.create_completed", "jobs.service.create_completed"),
        ("token is Bearer abcdefghij", f"token is Bearer {REDACTED}"),
        ("Basic QWxhZGRpbjpvcGVuc2VzYW1l", f"Basic {REDACTED}"),
        ("write to ann@example.org", "write to [email]"),
        ("password=hunter", f"password={REDACTED}"),
        ("jwt eyJhbGciOiJub.eyJzdWIiOiJhYmN.abc", "jwt [jwt]"),
    ],
)
def test_only_text_without_any_trigger_skips_the_patterns(
    text: str, masked: str
) -> None:
    # Each masked case has exactly one of the triggers the fast path looks for.
    assert mask_text(text) == masked
