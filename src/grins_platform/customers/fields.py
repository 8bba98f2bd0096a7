"""Field types shared by every body that carries contact details."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field

from grins_platform.core.phones import InvalidPhoneNumber, normalize_phone


def _e164(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalize_phone(value)
    except InvalidPhoneNumber as exc:
        raise ValueError(f"invalid phone number: {exc.reason}") from None


def _lower(value: str | None) -> str | None:
    return value.strip().lower() if value is not None else None


Phone = Annotated[
    str | None,
    Field(max_length=64, description="any format; stored as E.164 (US default)"),
    AfterValidator(_e164),
]
Email = Annotated[EmailStr | None, AfterValidator(_lower)]
