"""``offerings``, the ``skills``/``equipment`` vocabularies and ``price_overrides``."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.db.base import (
    Base,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    enum_values,
)


class OfferingCategory(StrEnum):
    """What kind of work an offering is."""

    SEASONAL = "seasonal"
    REPAIR = "repair"
    DIAGNOSTIC = "diagnostic"
    INSTALLATION = "installation"
    LANDSCAPING = "landscaping"


class PricingModel(StrEnum):
    """How an offering is priced."""

    FLAT = "flat"
    PER_ZONE = "per_zone"
    HOURLY = "hourly"
    CUSTOM = "custom"


class Skill(Base):
    """A managed skill name (``backflow_certified``)."""

    __tablename__ = "skills"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Equipment(Base):
    """A managed equipment name (``compressor``)."""

    __tablename__ = "equipment"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Offering(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A service we sell. Money in integer cents, durations in minutes."""

    __tablename__ = "offerings"
    __table_args__ = (
        CheckConstraint("staff_needed BETWEEN 1 AND 4", name="staff_needed_range"),
        CheckConstraint(
            "base_price_cents >= 0 AND per_zone_price_cents >= 0 "
            "AND hourly_rate_cents >= 0",
            name="prices_not_negative",
        ),
        CheckConstraint(
            "base_minutes >= 0 AND per_zone_minutes >= 0 AND minimum_minutes >= 0",
            name="minutes_not_negative",
        ),
    )

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[OfferingCategory] = mapped_column(
        Enum(OfferingCategory, name="offering_category", values_callable=enum_values)
    )
    pricing_model: Mapped[PricingModel] = mapped_column(
        Enum(PricingModel, name="pricing_model", values_callable=enum_values)
    )
    base_price_cents: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    per_zone_price_cents: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    hourly_rate_cents: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    minimum_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    base_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    per_zone_minutes: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    staff_needed: Mapped[int] = mapped_column(
        SmallInteger, default=1, server_default="1"
    )
    required_skills: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    required_equipment: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    weather_sensitive: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    lien_eligible: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    photos_required: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="true"
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="true"
    )


class PriceOverride(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A customer's (or partner's) own price for an offering; set fields win."""

    __tablename__ = "price_overrides"
    __table_args__ = (
        UniqueConstraint("customer_id", "offering_id"),
        CheckConstraint(
            "coalesce(base_price_cents, 0) >= 0 "
            "AND coalesce(per_zone_price_cents, 0) >= 0 "
            "AND coalesce(hourly_rate_cents, 0) >= 0",
            name="override_not_negative",
        ),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    offering_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("offerings.id", ondelete="CASCADE")
    )
    base_price_cents: Mapped[int | None] = mapped_column(Integer)
    per_zone_price_cents: Mapped[int | None] = mapped_column(Integer)
    hourly_rate_cents: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))


class ServicePlan(UUIDPrimaryKeyMixin, Base):
    """A customer who wants an offering every season (e.g. fall winterization)."""

    __tablename__ = "service_plans"
    __table_args__ = (UniqueConstraint("customer_id", "offering_id"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    offering_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("offerings.id", ondelete="CASCADE"), index=True
    )
    property_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE")
    )
