"""Service catalog (offerings, vocabularies, overrides, plans) and jobs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 11:59:57.775693+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equipment",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_equipment")),
    )
    op.create_table(
        "offerings",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "seasonal",
                "repair",
                "diagnostic",
                "installation",
                "landscaping",
                name="offering_category",
            ),
            nullable=False,
        ),
        sa.Column(
            "pricing_model",
            sa.Enum("flat", "per_zone", "hourly", "custom", name="pricing_model"),
            nullable=False,
        ),
        sa.Column("base_price_cents", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "per_zone_price_cents", sa.Integer(), server_default="0", nullable=False
        ),
        sa.Column(
            "hourly_rate_cents", sa.Integer(), server_default="0", nullable=False
        ),
        sa.Column("minimum_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("base_minutes", sa.Integer(), server_default="60", nullable=False),
        sa.Column("per_zone_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "staff_needed", sa.SmallInteger(), server_default="1", nullable=False
        ),
        sa.Column(
            "required_skills",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "required_equipment",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "weather_sensitive", sa.Boolean(), server_default="false", nullable=False
        ),
        sa.Column(
            "lien_eligible", sa.Boolean(), server_default="false", nullable=False
        ),
        sa.Column(
            "photos_required", sa.Boolean(), server_default="true", nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
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
            "base_minutes >= 0 AND per_zone_minutes >= 0 AND minimum_minutes >= 0",
            name=op.f("ck_offerings_minutes_not_negative"),
        ),
        sa.CheckConstraint(
            "base_price_cents >= 0 AND per_zone_price_cents >= 0 AND hourly_rate_cents >= 0",
            name=op.f("ck_offerings_prices_not_negative"),
        ),
        sa.CheckConstraint(
            "staff_needed BETWEEN 1 AND 4", name=op.f("ck_offerings_staff_needed_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings")),
        sa.UniqueConstraint("code", name=op.f("uq_offerings_code")),
    )
    op.create_table(
        "skills",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_skills")),
    )
    op.create_table(
        "price_overrides",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("offering_id", sa.Uuid(), nullable=False),
        sa.Column("base_price_cents", sa.Integer(), nullable=True),
        sa.Column("per_zone_price_cents", sa.Integer(), nullable=True),
        sa.Column("hourly_rate_cents", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
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
            "coalesce(base_price_cents, 0) >= 0 AND coalesce(per_zone_price_cents, 0) >= 0 AND coalesce(hourly_rate_cents, 0) >= 0",
            name=op.f("ck_price_overrides_override_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_price_overrides_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings.id"],
            name=op.f("fk_price_overrides_offering_id_offerings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_overrides")),
        sa.UniqueConstraint(
            "customer_id",
            "offering_id",
            name=op.f("uq_price_overrides_customer_id_offering_id"),
        ),
    )
    op.create_index(
        op.f("ix_price_overrides_customer_id"),
        "price_overrides",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "service_plans",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("offering_id", sa.Uuid(), nullable=False),
        sa.Column("property_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_service_plans_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings.id"],
            name=op.f("fk_service_plans_offering_id_offerings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_service_plans_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_plans")),
        sa.UniqueConstraint(
            "customer_id",
            "offering_id",
            name=op.f("uq_service_plans_customer_id_offering_id"),
        ),
    )
    op.create_index(
        op.f("ix_service_plans_customer_id"),
        "service_plans",
        ["customer_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_service_plans_offering_id"),
        "service_plans",
        ["offering_id"],
        unique=False,
    )
    op.create_table(
        "jobs",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("property_id", sa.Uuid(), nullable=False),
        sa.Column("offering_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "category",
            sa.Enum("ready_to_schedule", "requires_estimate", name="job_category"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "scheduled",
                "in_progress",
                "completed",
                "closed",
                "on_hold",
                "cancelled",
                name="job_status",
            ),
            server_default="requested",
            nullable=False,
        ),
        sa.Column(
            "status_before_hold",
            sa.Enum(
                "requested",
                "approved",
                "scheduled",
                "in_progress",
                "completed",
                "closed",
                "on_hold",
                "cancelled",
                name="job_status",
            ),
            nullable=True,
        ),
        sa.Column(
            "source",
            sa.Enum("request", "staff", "seasonal_batch", "import", name="job_source"),
            nullable=False,
        ),
        sa.Column("zone_count", sa.SmallInteger(), nullable=True),
        sa.Column("quoted_price_cents", sa.Integer(), nullable=True),
        sa.Column("final_price_cents", sa.Integer(), nullable=True),
        sa.Column(
            "estimated_minutes", sa.Integer(), server_default="60", nullable=False
        ),
        sa.Column("target_week", sa.Date(), nullable=True),
        sa.Column("priority", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column(
            "staff_needed", sa.SmallInteger(), server_default="1", nullable=False
        ),
        sa.Column(
            "required_skills",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "required_equipment",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "weather_sensitive", sa.Boolean(), server_default="false", nullable=False
        ),
        sa.Column("span_days", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("batch_key", sa.String(length=80), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
            "coalesce(quoted_price_cents, 0) >= 0 AND coalesce(final_price_cents, 0) >= 0",
            name=op.f("ck_jobs_prices_not_negative"),
        ),
        sa.CheckConstraint(
            "estimated_minutes >= 0", name=op.f("ck_jobs_minutes_not_negative")
        ),
        sa.CheckConstraint(
            "priority BETWEEN 0 AND 3", name=op.f("ck_jobs_priority_range")
        ),
        sa.CheckConstraint(
            "span_days BETWEEN 1 AND 30", name=op.f("ck_jobs_span_days_range")
        ),
        sa.CheckConstraint(
            "staff_needed BETWEEN 1 AND 4", name=op.f("ck_jobs_staff_needed_range")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_jobs_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings.id"],
            name=op.f("fk_jobs_offering_id_offerings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_jobs_property_id_properties"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_jobs_request_id_service_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(
        "ix_jobs_category_status",
        "jobs",
        ["category", "status", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_jobs_customer", "jobs", ["customer_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_jobs_offering_status", "jobs", ["offering_id", "status"], unique=False
    )
    op.create_index(
        "ix_jobs_property", "jobs", ["property_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_jobs_request_id"), "jobs", ["request_id"], unique=False)
    op.create_index(
        "ix_jobs_status_target_week",
        "jobs",
        ["status", "target_week", "priority"],
        unique=False,
    )
    op.create_index(
        "uq_jobs_batch_per_property",
        "jobs",
        ["property_id", "batch_key"],
        unique=True,
        postgresql_where=sa.text("batch_key IS NOT NULL"),
    )
    op.create_table(
        "job_line_items",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_job_line_items_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_line_items_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_line_items")),
    )
    op.create_index("ix_job_line_items_job", "job_line_items", ["job_id"], unique=False)
    op.create_table(
        "job_status_changes",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "requested",
                "approved",
                "scheduled",
                "in_progress",
                "completed",
                "closed",
                "on_hold",
                "cancelled",
                name="job_status",
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "requested",
                "approved",
                "scheduled",
                "in_progress",
                "completed",
                "closed",
                "on_hold",
                "cancelled",
                name="job_status",
            ),
            nullable=False,
        ),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_job_status_changes_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_status_changes_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_status_changes")),
    )
    op.create_index(
        "ix_job_status_changes_job",
        "job_status_changes",
        ["job_id", "changed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_job_status_changes_job", table_name="job_status_changes")
    op.drop_table("job_status_changes")
    op.drop_index("ix_job_line_items_job", table_name="job_line_items")
    op.drop_table("job_line_items")
    op.drop_index(
        "uq_jobs_batch_per_property",
        table_name="jobs",
        postgresql_where=sa.text("batch_key IS NOT NULL"),
    )
    op.drop_index("ix_jobs_status_target_week", table_name="jobs")
    op.drop_index(op.f("ix_jobs_request_id"), table_name="jobs")
    op.drop_index("ix_jobs_property", table_name="jobs")
    op.drop_index("ix_jobs_offering_status", table_name="jobs")
    op.drop_index("ix_jobs_customer", table_name="jobs")
    op.drop_index("ix_jobs_category_status", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index(op.f("ix_service_plans_offering_id"), table_name="service_plans")
    op.drop_index(op.f("ix_service_plans_customer_id"), table_name="service_plans")
    op.drop_table("service_plans")
    op.drop_index(op.f("ix_price_overrides_customer_id"), table_name="price_overrides")
    op.drop_table("price_overrides")
    op.drop_table("skills")
    op.drop_table("offerings")
    op.drop_table("equipment")
    sa.Enum(name="offering_category").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="pricing_model").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="job_category").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="job_status").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="job_source").drop(op.get_bind(), checkfirst=True)
