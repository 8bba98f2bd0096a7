"""``properties``: addresses, irrigation systems and (encrypted) access codes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.core.crypto import EncryptedString
from grins_platform.db.base import (
    Base,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    enum_values,
)


class PropertyType(StrEnum):
    """Residential or commercial."""

    RESIDENTIAL = "residential"
    COMMERCIAL = "commercial"


class SystemType(StrEnum):
    """The irrigation system's water source."""

    STANDARD = "standard"
    LAKE_PUMP = "lake_pump"


class GeoSource(StrEnum):
    """Where the coordinates came from."""

    MANUAL = "manual"
    NOMINATIM = "nominatim"
    ZIP_CENTROID = "zip_centroid"


class Property(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A service location of a customer; exactly one live property is primary."""

    __tablename__ = "properties"
    __table_args__ = (
        Index(
            "uq_properties_primary_per_customer",
            "customer_id",
            unique=True,
            postgresql_where=text("is_primary AND deleted_at IS NULL"),
        ),
        Index("ix_properties_city_lower", func.lower(text("city"))),
        Index("ix_properties_city_pattern", text("lower(city) text_pattern_ops")),
        Index(
            "ix_properties_address_search",
            text("to_tsvector('simple'::regconfig, address)"),
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},  # no pending list (0013p)
        ),
        Index("ix_properties_address_lower", func.lower(text("address"))),
        Index("ix_properties_zip", "zip_code"),
        CheckConstraint(
            "zone_count >= 0 AND zone_count <= 99", name="zone_count_range"
        ),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    is_primary: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    address: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2), default="MN", server_default="MN")
    zip_code: Mapped[str] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    geo_source: Mapped[GeoSource | None] = mapped_column(
        Enum(GeoSource, name="geo_source", values_callable=enum_values)
    )
    property_type: Mapped[PropertyType] = mapped_column(
        Enum(PropertyType, name="property_type", values_callable=enum_values),
        default=PropertyType.RESIDENTIAL,
        server_default=PropertyType.RESIDENTIAL.value,
    )
    is_hoa: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    zone_count: Mapped[int | None] = mapped_column(SmallInteger)
    system_type: Mapped[SystemType] = mapped_column(
        Enum(SystemType, name="system_type", values_callable=enum_values),
        default=SystemType.STANDARD,
        server_default=SystemType.STANDARD.value,
    )
    controller_make: Mapped[str | None] = mapped_column(String(80))
    controller_model: Mapped[str | None] = mapped_column(String(80))
    controller_location: Mapped[str | None] = mapped_column(String(200))
    backflow_type: Mapped[str | None] = mapped_column(String(80))
    backflow_serial: Mapped[str | None] = mapped_column(String(80))
    backflow_last_test: Mapped[date | None] = mapped_column(Date)
    backflow_next_test_due: Mapped[date | None] = mapped_column(Date, index=True)
    gate_code: Mapped[str | None] = mapped_column(
        EncryptedString("properties.gate_code")
    )
    lockbox_code: Mapped[str | None] = mapped_column(
        EncryptedString("properties.lockbox_code")
    )
    has_dogs: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    access_instructions: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
