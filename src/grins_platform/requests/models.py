"""``service_requests``: what came in (form, call, text) before it is a customer/job."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.db.base import (
    Base,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    enum_values,
)


class RequestStatus(StrEnum):
    """``new → contacted → converted | lost | spam``."""

    NEW = "new"
    CONTACTED = "contacted"
    CONVERTED = "converted"
    LOST = "lost"
    SPAM = "spam"


class RequestSource(StrEnum):
    """How the request reached us."""

    WEB_FORM = "web_form"
    PHONE = "phone"
    TEXT = "text"
    EMAIL = "email"
    WALK_IN = "walk_in"


class ServiceRequest(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """One request for service, open until converted, lost or marked spam."""

    __tablename__ = "service_requests"
    __table_args__ = (
        Index("ix_service_requests_status_created", "status", "created_at"),
        Index(
            "ix_service_requests_phone_open",
            "phone",
            postgresql_where=text("status IN ('new', 'contacted')"),
        ),
        Index(
            "ix_service_requests_email_open",
            func.lower(text("email")),
            postgresql_where=text("status IN ('new', 'contacted')"),
        ),
    )

    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, name="request_status", values_callable=enum_values),
        default=RequestStatus.NEW,
        server_default=RequestStatus.NEW.value,
    )
    source: Mapped[RequestSource] = mapped_column(
        Enum(RequestSource, name="request_source", values_callable=enum_values)
    )
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    service_wanted: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[str | None] = mapped_column(Text)
    preferred_week: Mapped[date | None] = mapped_column(Date)
    preferred_time: Mapped[str | None] = mapped_column(String(40))
    sms_consent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    consent_wording_version: Mapped[str | None] = mapped_column(String(40))
    submit_count: Mapped[int] = mapped_column(default=1, server_default="1")
    ip: Mapped[str | None] = mapped_column(INET)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    property_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("properties.id", ondelete="SET NULL")
    )
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(String(200))
