"""Request and response bodies of the catalog."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from grins_platform.catalog.models import OfferingCategory, PricingModel

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
Cents = Field(ge=0, le=100_000_000, description="integer cents")


def _unique_codes(values: list[str]) -> list[str]:
    return sorted(set(values))


class OfferingBase(BaseModel):
    """Fields shared by create and read."""

    name: str = Field(min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    category: OfferingCategory
    pricing_model: PricingModel
    base_price_cents: int = Field(default=0, ge=0, le=100_000_000)
    per_zone_price_cents: int = Field(default=0, ge=0, le=100_000_000)
    hourly_rate_cents: int = Field(default=0, ge=0, le=100_000_000)
    minimum_minutes: int = Field(default=0, ge=0, le=24 * 60)
    base_minutes: int = Field(default=60, ge=0, le=24 * 60)
    per_zone_minutes: int = Field(default=0, ge=0, le=240)
    staff_needed: int = Field(default=1, ge=1, le=4)
    required_skills: list[str] = Field(default_factory=list[str], max_length=20)
    required_equipment: list[str] = Field(default_factory=list[str], max_length=20)
    weather_sensitive: bool = False
    lien_eligible: bool = False
    photos_required: bool = True


class OfferingCreate(OfferingBase):
    """A new offering; ``code`` is its stable key (``fall_winterization``)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN)

    _codes = field_validator("required_skills", "required_equipment")(_unique_codes)


class OfferingUpdate(BaseModel):
    """Fields to change; unset fields stay."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    category: OfferingCategory | None = None
    pricing_model: PricingModel | None = None
    base_price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    per_zone_price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    hourly_rate_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    minimum_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    base_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    per_zone_minutes: int | None = Field(default=None, ge=0, le=240)
    staff_needed: int | None = Field(default=None, ge=1, le=4)
    required_skills: list[str] | None = Field(default=None, max_length=20)
    required_equipment: list[str] | None = Field(default=None, max_length=20)
    weather_sensitive: bool | None = None
    lien_eligible: bool | None = None
    photos_required: bool | None = None
    is_active: bool | None = None


class OfferingRead(OfferingBase):
    """An offering as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class VocabularyItem(BaseModel):
    """A skill or piece of equipment."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=100)


class OverrideWrite(BaseModel):
    """A customer's own prices for one offering (unset = the offering's price)."""

    model_config = ConfigDict(extra="forbid")

    base_price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    per_zone_price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    hourly_rate_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    note: str | None = Field(default=None, max_length=200)


class OverrideRead(OverrideWrite):
    """A stored override."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    offering_id: uuid.UUID


class QuoteRead(BaseModel):
    """Price and duration of an offering at a property."""

    offering_id: uuid.UUID
    property_id: uuid.UUID
    zone_count: int | None
    price_cents: int | None = Field(description="null when a quote is needed")
    minutes: int
    pricing_model: PricingModel
    override_applied: bool
    quote_needed: bool
    explanation: str


class ServicePlanWrite(BaseModel):
    """The customer wants this offering every season (optionally at one property)."""

    model_config = ConfigDict(extra="forbid")

    property_id: uuid.UUID | None = Field(
        default=None, description="default: the customer's primary property"
    )


class ServicePlanRead(ServicePlanWrite):
    """A customer's standing request for an offering."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    offering_id: uuid.UUID
