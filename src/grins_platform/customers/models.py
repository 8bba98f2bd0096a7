"""``customers`` and the append-only ``customer_consents`` ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import INET, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.db.base import (
    Base,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    enum_values,
)


class ContactChannel(StrEnum):
    """How the customer prefers to be reached."""

    SMS = "sms"
    EMAIL = "email"
    PHONE = "phone"


class ConsentChannel(StrEnum):
    """Channels that need consent."""

    SMS = "sms"
    EMAIL = "email"


class ConsentPurpose(StrEnum):
    """What the messages are for."""

    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


def _enum(enum: type[StrEnum], name: str) -> Enum:
    return Enum(enum, name=name, values_callable=enum_values)


class Customer(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A household or business we serve.

    Phone (E.164) and email (any case) are unique among live customers; a soft-deleted
    or merged customer keeps its row (history points at it) but frees them.
    """

    __tablename__ = "customers"
    __table_args__ = (
        Index(
            "uq_customers_phone_live",
            "phone",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index(
            "uq_customers_email_live",
            func.lower(text("email")),
            unique=True,
            postgresql_where=text("deleted_at IS NULL AND email IS NOT NULL"),
        ),
        Index("ix_customers_name_lower", func.lower(text("name")), "id"),
        # Prefix search (LIKE 'abc%') needs pattern ops under non-C collations.
        Index("ix_customers_name_pattern", text("lower(name) text_pattern_ops")),
        Index("ix_customers_email_pattern", text("lower(email) text_pattern_ops")),
        # No pending list: every search would read it (migration 0012n).
        Index(
            "ix_customers_search",
            "search_vector",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        Index(
            "ix_customers_alt_phone",
            "alt_phone",
            postgresql_where=text("alt_phone IS NOT NULL"),
        ),
        Index("ix_customers_created_at", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    alt_phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    preferred_channel: Mapped[ContactChannel] = mapped_column(
        _enum(ContactChannel, "contact_channel"),
        default=ContactChannel.SMS,
        server_default=ContactChannel.SMS.value,
    )
    is_priority: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    is_red_flag: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    is_slow_payer: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="true"
    )
    lead_source: Mapped[str | None] = mapped_column(String(50), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(company, '') "
            "|| ' ' || coalesce(email, ''))",
            persisted=True,
        ),
        deferred=True,
    )


class CustomerTotals(Base):
    """How many live (not deleted, not merged) customers there are: the sum of ``live``.

    Statement-level triggers on ``customers`` (migration 0010t) append each change's
    delta in the same transaction, so the sum is exact and writers never queue on
    one row; ``db/counters.py`` folds the rows into one now and then. The
    unfiltered customer list reads its total here instead of counting customers.
    """

    __tablename__ = "customer_totals"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    live: Mapped[int] = mapped_column(BigInteger)


class CustomerConsent(UUIDPrimaryKeyMixin, Base):
    """One opt-in or opt-out, never updated or deleted; the newest per channel wins."""

    __tablename__ = "customer_consents"
    __table_args__ = (
        Index(
            "ix_customer_consents_current",
            "customer_id",
            "channel",
            "purpose",
            "recorded_at",
        ),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE")
    )
    channel: Mapped[ConsentChannel] = mapped_column(
        _enum(ConsentChannel, "consent_channel")
    )
    purpose: Mapped[ConsentPurpose] = mapped_column(
        _enum(ConsentPurpose, "consent_purpose")
    )
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(40))
    wording_version: Mapped[str | None] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    ip: Mapped[str | None] = mapped_column(INET)
