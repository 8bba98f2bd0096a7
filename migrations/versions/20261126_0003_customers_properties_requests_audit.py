"""Customers, consent ledger, properties, service requests and the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:58:22.538530+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("alt_phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "preferred_channel",
            sa.Enum("sms", "email", "phone", name="contact_channel"),
            server_default="sms",
            nullable=False,
        ),
        sa.Column("is_priority", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_red_flag", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "is_slow_payer", sa.Boolean(), server_default="false", nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("lead_source", sa.String(length=50), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('simple', coalesce(name, '') || ' ' || "
                "coalesce(company, '') || ' ' || coalesce(email, ''))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["customers.id"],
            name=op.f("fk_customers_merged_into_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_index(
        "ix_customers_created_at", "customers", ["created_at", "id"], unique=False
    )
    op.create_index(
        op.f("ix_customers_lead_source"), "customers", ["lead_source"], unique=False
    )
    op.create_index(
        "ix_customers_name_lower",
        "customers",
        [sa.literal_column("lower(name)"), "id"],
        unique=False,
    )
    op.create_index(
        "ix_customers_search",
        "customers",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "uq_customers_email_live",
        "customers",
        [sa.literal_column("lower(email)")],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND email IS NOT NULL"),
    )
    op.create_index(
        "uq_customers_phone_live",
        "customers",
        ["phone"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_log_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        "ix_audit_log_actor", "audit_log", ["actor_id", "occurred_at"], unique=False
    )
    op.create_index(
        "ix_audit_log_entity",
        "audit_log",
        ["entity_type", "entity_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_audit_log_occurred_at", "audit_log", ["occurred_at"], unique=False
    )
    op.create_table(
        "customer_consents",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel", sa.Enum("sms", "email", name="consent_channel"), nullable=False
        ),
        sa.Column(
            "purpose",
            sa.Enum("transactional", "marketing", name="consent_purpose"),
            nullable=False,
        ),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("wording_version", sa.String(length=40), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_consents_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_customer_consents_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_consents")),
    )
    op.create_index(
        "ix_customer_consents_current",
        "customer_consents",
        ["customer_id", "channel", "purpose", "recorded_at"],
        unique=False,
    )
    op.create_table(
        "properties",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), server_default="MN", nullable=False),
        sa.Column("zip_code", sa.String(length=10), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column(
            "geo_source",
            sa.Enum("manual", "nominatim", "zip_centroid", name="geo_source"),
            nullable=True,
        ),
        sa.Column(
            "property_type",
            sa.Enum("residential", "commercial", name="property_type"),
            server_default="residential",
            nullable=False,
        ),
        sa.Column("is_hoa", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("zone_count", sa.SmallInteger(), nullable=True),
        sa.Column(
            "system_type",
            sa.Enum("standard", "lake_pump", name="system_type"),
            server_default="standard",
            nullable=False,
        ),
        sa.Column("controller_make", sa.String(length=80), nullable=True),
        sa.Column("controller_model", sa.String(length=80), nullable=True),
        sa.Column("controller_location", sa.String(length=200), nullable=True),
        sa.Column("backflow_type", sa.String(length=80), nullable=True),
        sa.Column("backflow_serial", sa.String(length=80), nullable=True),
        sa.Column("backflow_last_test", sa.Date(), nullable=True),
        sa.Column("backflow_next_test_due", sa.Date(), nullable=True),
        sa.Column("gate_code", sa.Text(), nullable=True),
        sa.Column("lockbox_code", sa.Text(), nullable=True),
        sa.Column("has_dogs", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("access_instructions", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "latitude BETWEEN -90 AND 90", name=op.f("ck_properties_latitude_range")
        ),
        sa.CheckConstraint(
            "longitude BETWEEN -180 AND 180", name=op.f("ck_properties_longitude_range")
        ),
        sa.CheckConstraint(
            "zone_count >= 0 AND zone_count <= 99",
            name=op.f("ck_properties_zone_count_range"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_properties_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_properties")),
    )
    op.create_index(
        "ix_properties_address_lower",
        "properties",
        [sa.literal_column("lower(address)")],
        unique=False,
    )
    op.create_index(
        op.f("ix_properties_backflow_next_test_due"),
        "properties",
        ["backflow_next_test_due"],
        unique=False,
    )
    op.create_index(
        "ix_properties_city_lower",
        "properties",
        [sa.literal_column("lower(city)")],
        unique=False,
    )
    op.create_index(
        op.f("ix_properties_customer_id"), "properties", ["customer_id"], unique=False
    )
    op.create_index("ix_properties_zip", "properties", ["zip_code"], unique=False)
    op.create_index(
        "uq_properties_primary_per_customer",
        "properties",
        ["customer_id"],
        unique=True,
        postgresql_where=sa.text("is_primary AND deleted_at IS NULL"),
    )
    op.create_table(
        "service_requests",
        sa.Column(
            "status",
            sa.Enum(
                "new", "contacted", "converted", "lost", "spam", name="request_status"
            ),
            server_default="new",
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "web_form", "phone", "text", "email", "walk_in", name="request_source"
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("zip_code", sa.String(length=10), nullable=True),
        sa.Column("service_wanted", sa.String(length=120), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("preferred_week", sa.Date(), nullable=True),
        sa.Column("preferred_time", sa.String(length=40), nullable=True),
        sa.Column("sms_consent", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("consent_wording_version", sa.String(length=40), nullable=True),
        sa.Column("submit_count", sa.Integer(), server_default="1", nullable=False),
        sa.Column("ip", postgresql.INET(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("property_id", sa.Uuid(), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_service_requests_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_service_requests_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_service_requests_property_id_properties"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
    )
    op.create_index(
        op.f("ix_service_requests_customer_id"),
        "service_requests",
        ["customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_service_requests_email_open",
        "service_requests",
        [sa.literal_column("lower(email)")],
        unique=False,
        postgresql_where=sa.text("status IN ('new', 'contacted')"),
    )
    op.create_index(
        "ix_service_requests_phone_open",
        "service_requests",
        ["phone"],
        unique=False,
        postgresql_where=sa.text("status IN ('new', 'contacted')"),
    )
    op.create_index(
        "ix_service_requests_status_created",
        "service_requests",
        ["status", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_service_requests_status_created", table_name="service_requests")
    op.drop_index(
        "ix_service_requests_phone_open",
        table_name="service_requests",
        postgresql_where=sa.text("status IN ('new', 'contacted')"),
    )
    op.drop_index(
        "ix_service_requests_email_open",
        table_name="service_requests",
        postgresql_where=sa.text("status IN ('new', 'contacted')"),
    )
    op.drop_index(
        op.f("ix_service_requests_customer_id"), table_name="service_requests"
    )
    op.drop_table("service_requests")
    op.drop_index(
        "uq_properties_primary_per_customer",
        table_name="properties",
        postgresql_where=sa.text("is_primary AND deleted_at IS NULL"),
    )
    op.drop_index("ix_properties_zip", table_name="properties")
    op.drop_index(op.f("ix_properties_customer_id"), table_name="properties")
    op.drop_index("ix_properties_city_lower", table_name="properties")
    op.drop_index(op.f("ix_properties_backflow_next_test_due"), table_name="properties")
    op.drop_index("ix_properties_address_lower", table_name="properties")
    op.drop_table("properties")
    op.drop_index("ix_customer_consents_current", table_name="customer_consents")
    op.drop_table("customer_consents")
    op.drop_index("ix_audit_log_occurred_at", table_name="audit_log")
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    op.drop_index("ix_audit_log_actor", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(
        "uq_customers_phone_live",
        table_name="customers",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index(
        "uq_customers_email_live",
        table_name="customers",
        postgresql_where=sa.text("deleted_at IS NULL AND email IS NOT NULL"),
    )
    op.drop_index("ix_customers_search", table_name="customers", postgresql_using="gin")
    op.drop_index("ix_customers_name_lower", table_name="customers")
    op.drop_index(op.f("ix_customers_lead_source"), table_name="customers")
    op.drop_index("ix_customers_created_at", table_name="customers")
    op.drop_table("customers")
    sa.Enum(name="contact_channel").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="consent_channel").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="consent_purpose").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="geo_source").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="property_type").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="system_type").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="request_status").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="request_source").drop(op.get_bind(), checkfirst=True)
