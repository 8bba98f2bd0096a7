"""Request and response bodies of service requests (intake)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grins_platform.customers.fields import Email, Phone
from grins_platform.properties.schemas import State, Zip
from grins_platform.requests.models import RequestSource, RequestStatus

ShortText = Annotated[str | None, Field(max_length=200)]


class _RequestFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    phone: Phone = None
    email: Email = None
    address: ShortText = None
    city: str | None = Field(default=None, max_length=100)
    zip_code: Zip = None
    service_wanted: str | None = Field(
        default=None, max_length=120, description="service type or a few words"
    )
    message: str | None = Field(default=None, max_length=5000)
    preferred_week: date | None = Field(
        default=None, description="any day of the week they would like"
    )
    preferred_time: str | None = Field(
        default=None, max_length=40, description="morning, afternoon, any..."
    )
    sms_consent: bool = Field(
        default=False, description="ticked: transactional texts are welcome"
    )
    consent_wording_version: str | None = Field(default=None, max_length=40)


class PublicRequestCreate(_RequestFields):
    """The website form. ``website`` is a honeypot: people leave it empty."""

    website: str | None = Field(
        default=None, max_length=500, description="leave empty (spam trap)"
    )


class StaffRequestCreate(_RequestFields):
    """A request taken by the office from a call, text, email or walk-in."""

    source: RequestSource = RequestSource.PHONE

    @field_validator("source")
    @classmethod
    def _not_web(cls, value: RequestSource) -> RequestSource:
        if value is RequestSource.WEB_FORM:
            raise ValueError("web_form requests come in through the public form")
        return value


class PublicRequestReceipt(BaseModel):
    """What the website gets back: a reference, nothing else."""

    reference: uuid.UUID
    received_at: datetime


class RequestTransition(BaseModel):
    """Move a request to a new status."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: RequestStatus
    reason: str | None = Field(
        default=None, max_length=200, description="why it was lost or spam"
    )


class RequestConvert(BaseModel):
    """Convert: match or create the customer and property.

    ``customer_id`` forces the match; otherwise the phone, then the email, is
    looked up and a new customer made when nothing matches. ``address``,
    ``city``, ``zip_code`` and ``state`` complete or correct the request's address
    for the property.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: uuid.UUID | None = None
    address: ShortText = None
    city: str | None = Field(default=None, max_length=100)
    zip_code: Zip = None
    state: State = None


class ServiceRequestRead(BaseModel):
    """A request as the office sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: RequestStatus
    source: RequestSource
    name: str
    phone: str | None
    email: str | None
    address: str | None
    city: str | None
    zip_code: str | None
    service_wanted: str | None
    message: str | None
    preferred_week: date | None
    preferred_time: str | None
    sms_consent: bool
    consent_wording_version: str | None
    submit_count: int
    created_by_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    property_id: uuid.UUID | None
    first_response_at: datetime | None
    response_minutes: float | None = Field(
        default=None, description="minutes from arrival to first response"
    )
    closed_at: datetime | None
    close_reason: str | None
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="after")
    def _response_minutes(self) -> Any:
        if self.first_response_at is not None:
            delta = self.first_response_at - self.created_at
            self.response_minutes = round(delta.total_seconds() / 60, 1)
        return self
