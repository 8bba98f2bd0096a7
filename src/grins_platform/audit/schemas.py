"""Audit entries as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AuditEntryRead(BaseModel):
    """One recorded change; secrets in ``before``/``after`` are redacted."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    actor_id: uuid.UUID | None = Field(description="the staff user, if any")
    actor_type: str = Field(description="user, public or system")
    action: str = Field(description="what happened, e.g. customer.created")
    entity_type: str
    entity_id: uuid.UUID
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    ip: str | None

    @field_validator("ip", mode="before")
    @classmethod
    def _ip_text(cls, value: object) -> str | None:
        """The INET column reads back as an address object."""
        return None if value is None else str(value)
