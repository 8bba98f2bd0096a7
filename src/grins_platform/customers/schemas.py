"""Request and response bodies of customers and their consent ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from grins_platform.core.phones import format_phone
from grins_platform.customers.fields import Email, Phone
from grins_platform.customers.models import (
    ConsentChannel,
    ConsentPurpose,
    ContactChannel,
)
from grins_platform.jobs.schemas import JobSummary
from grins_platform.properties.schemas import PropertyRead
from grins_platform.requests.schemas import ServiceRequestRead


class CustomerSort(StrEnum):
    """Whitelisted orders; a leading ``-`` sorts descending. Ties go by id."""

    NAME = "name"
    NAME_DESC = "-name"
    CREATED = "created_at"
    CREATED_DESC = "-created_at"
    UPDATED = "updated_at"
    UPDATED_DESC = "-updated_at"


class CustomerCreate(BaseModel):
    """A new customer; a phone or an email is required to reach them (422 on phone)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    phone: Phone = None
    alt_phone: Phone = None
    email: Email = None
    preferred_channel: ContactChannel = ContactChannel.SMS
    is_priority: bool = False
    is_red_flag: bool = False
    is_slow_payer: bool = False
    lead_source: str | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=10_000)


class CustomerUpdate(BaseModel):
    """Fields to change; unset fields stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    phone: Phone = None
    alt_phone: Phone = None
    email: Email = None
    preferred_channel: ContactChannel | None = None
    is_priority: bool | None = None
    is_red_flag: bool | None = None
    is_slow_payer: bool | None = None
    is_active: bool | None = None
    lead_source: str | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=10_000)

    @field_validator(
        "name",
        "preferred_channel",
        "is_priority",
        "is_red_flag",
        "is_slow_payer",
        "is_active",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class CustomerRead(BaseModel):
    """A customer as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    company: str | None
    phone: str | None = Field(description="E.164")
    alt_phone: str | None
    email: str | None
    preferred_channel: ContactChannel
    is_priority: bool
    is_red_flag: bool
    is_slow_payer: bool
    is_active: bool
    lead_source: str | None
    notes: str | None
    merged_into_id: uuid.UUID | None
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def phone_display(self) -> str | None:
        """The phone as people write it, e.g. ``(612) 555-0123``."""
        return format_phone(self.phone) if self.phone else None


class ConsentCreate(BaseModel):
    """One opt-in or opt-out to append to the ledger."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: ConsentChannel
    purpose: ConsentPurpose = ConsentPurpose.TRANSACTIONAL
    granted: bool = Field(description="true = opt-in, false = opt-out")
    source: str = Field(
        default="staff",
        min_length=1,
        max_length=40,
        description="where it was given: staff, web_form, sms_reply, paper...",
    )
    wording_version: str | None = Field(
        default=None, max_length=40, description="version of the consent text shown"
    )


class ConsentRead(BaseModel):
    """One ledger row (never changed once written)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    channel: ConsentChannel
    purpose: ConsentPurpose
    granted: bool
    source: str
    wording_version: str | None
    recorded_at: datetime
    recorded_by_id: uuid.UUID | None
    ip: str | None

    @model_validator(mode="before")
    @classmethod
    def _ip_text(cls, data: Any) -> Any:
        ip = getattr(data, "ip", None)
        if ip is not None and not isinstance(ip, str):
            values = {k: getattr(data, k) for k in cls.model_fields}
            values["ip"] = str(ip)
            return values
        return data


class CurrentConsent(BaseModel):
    """The consent in force for one channel and purpose (newest ledger row)."""

    channel: ConsentChannel
    purpose: ConsentPurpose
    granted: bool = Field(description="false when never given")
    recorded_at: datetime | None
    source: str | None
    wording_version: str | None


class ConsentState(BaseModel):
    """The current consents and the full ledger, newest first."""

    current: list[CurrentConsent]
    ledger: list[ConsentRead]


class MergeRequest(BaseModel):
    """Merge ``duplicate_id`` into the customer of the path (the survivor)."""

    model_config = ConfigDict(extra="forbid")

    duplicate_id: uuid.UUID = Field(description="the customer that goes away")


class DuplicateCandidate(BaseModel):
    """A customer that may be the same person, and why."""

    customer: CustomerRead
    reasons: list[str] = Field(
        description="phone, email, name_and_zip, name_and_street"
    )


class CustomerHistoryRead(BaseModel):
    """A customer and what happened with them so far.

    Jobs, appointments, invoices and photos join this as those domains arrive.
    """

    customer: CustomerRead
    properties: list[PropertyRead]
    requests: list[ServiceRequestRead]
    jobs: list[JobSummary] = Field(
        default_factory=list[JobSummary], description="newest first (up to 200)"
    )
    consent: ConsentState
