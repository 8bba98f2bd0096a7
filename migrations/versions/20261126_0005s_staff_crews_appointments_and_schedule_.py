"""Staff, crews, appointments (with the staff they occupy) and schedule proposals.

Revision ID: 0005s
Revises: 0004
Create Date: 2026-11-26 12:02:50.386393+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005s"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crews",
        sa.Column("name", sa.String(length=100), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crews")),
        sa.UniqueConstraint("name", name=op.f("uq_crews_name")),
    )
    op.create_table(
        "schedule_proposals",
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "applied", "discarded", name="proposal_status"),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("applied_by_id", sa.Uuid(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
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
            "end_date >= start_date", name=op.f("ck_schedule_proposals_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["applied_by_id"],
            ["users.id"],
            name=op.f("fk_schedule_proposals_applied_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_schedule_proposals_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_proposals")),
    )
    op.create_index(
        "ix_schedule_proposals_status_start",
        "schedule_proposals",
        ["status", "start_date"],
        unique=False,
    )
    op.create_table(
        "staff_members",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column(
            "skills",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "equipment",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("home_address", sa.String(length=300), nullable=True),
        sa.Column("home_latitude", sa.Float(), nullable=False),
        sa.Column("home_longitude", sa.Float(), nullable=False),
        sa.Column(
            "working_hours",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("lunch_start", sa.Time(), nullable=True),
        sa.Column("lunch_end", sa.Time(), nullable=True),
        sa.Column(
            "lunch_minutes", sa.SmallInteger(), server_default="30", nullable=False
        ),
        sa.Column(
            "hourly_cost_cents", sa.Integer(), server_default="0", nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("calendar_token_hash", sa.String(length=64), nullable=True),
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
            "home_latitude BETWEEN -90 AND 90",
            name=op.f("ck_staff_members_latitude_range"),
        ),
        sa.CheckConstraint(
            "home_longitude BETWEEN -180 AND 180",
            name=op.f("ck_staff_members_longitude_range"),
        ),
        sa.CheckConstraint(
            "hourly_cost_cents >= 0", name=op.f("ck_staff_members_cost_not_negative")
        ),
        sa.CheckConstraint(
            "lunch_minutes BETWEEN 0 AND 240", name=op.f("ck_staff_members_lunch_range")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_staff_members_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_members")),
    )
    op.create_index(
        "uq_staff_members_calendar_token_hash",
        "staff_members",
        ["calendar_token_hash"],
        unique=True,
        postgresql_where=sa.text("calendar_token_hash IS NOT NULL"),
    )
    op.create_index(
        "uq_staff_members_user_id",
        "staff_members",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.create_table(
        "crew_members",
        sa.Column("crew_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crew_id"],
            ["crews.id"],
            name=op.f("fk_crew_members_crew_id_crews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_crew_members_staff_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("crew_id", "staff_id", name=op.f("pk_crew_members")),
    )
    op.create_index(
        op.f("ix_crew_members_staff_id"), "crew_members", ["staff_id"], unique=False
    )
    op.create_table(
        "staff_time_off",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "end_date >= start_date", name=op.f("ck_staff_time_off_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_staff_time_off_staff_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_time_off")),
    )
    op.create_index(
        "ix_staff_time_off_staff_dates",
        "staff_time_off",
        ["staff_id", "start_date", "end_date"],
        unique=False,
    )
    op.create_table(
        "appointments",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("crew_id", sa.Uuid(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("route_order", sa.SmallInteger(), nullable=True),
        sa.Column("travel_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "scheduled",
                "confirmed",
                "en_route",
                "on_site",
                "completed",
                "cancelled",
                "no_show",
                "reschedule_requested",
                name="appointment_status",
            ),
            server_default="scheduled",
            nullable=False,
        ),
        sa.Column("proposal_id", sa.Uuid(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
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
            "(staff_id IS NULL) <> (crew_id IS NULL)",
            name=op.f("ck_appointments_staff_or_crew"),
        ),
        sa.CheckConstraint(
            "planned_end > planned_start", name=op.f("ck_appointments_planned_ordered")
        ),
        sa.CheckConstraint(
            "travel_minutes >= 0", name=op.f("ck_appointments_travel_not_negative")
        ),
        sa.CheckConstraint(
            "window_end > window_start", name=op.f("ck_appointments_window_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_appointments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["crew_id"],
            ["crews.id"],
            name=op.f("fk_appointments_crew_id_crews"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_appointments_job_id_jobs"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["schedule_proposals.id"],
            name=op.f("fk_appointments_proposal_id_schedule_proposals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_appointments_staff_id_staff_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    op.create_index(
        "ix_appointments_crew_day", "appointments", ["crew_id", "day"], unique=False
    )
    op.create_index(
        "ix_appointments_day_status", "appointments", ["day", "status"], unique=False
    )
    op.create_index("ix_appointments_job", "appointments", ["job_id"], unique=False)
    op.create_index(
        "ix_appointments_planned",
        "appointments",
        ["planned_start", "planned_end"],
        unique=False,
    )
    op.create_index(
        op.f("ix_appointments_proposal_id"),
        "appointments",
        ["proposal_id"],
        unique=False,
    )
    op.create_index(
        "ix_appointments_staff_day", "appointments", ["staff_id", "day"], unique=False
    )
    op.create_table(
        "appointment_staff",
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_appointment_staff_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_appointment_staff_staff_id_staff_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "appointment_id", "staff_id", name=op.f("pk_appointment_staff")
        ),
    )
    op.create_index(
        op.f("ix_appointment_staff_staff_id"),
        "appointment_staff",
        ["staff_id"],
        unique=False,
    )
    op.create_table(
        "appointment_status_changes",
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "proposed",
                "scheduled",
                "confirmed",
                "en_route",
                "on_site",
                "completed",
                "cancelled",
                "no_show",
                "reschedule_requested",
                name="appointment_status",
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "proposed",
                "scheduled",
                "confirmed",
                "en_route",
                "on_site",
                "completed",
                "cancelled",
                "no_show",
                "reschedule_requested",
                name="appointment_status",
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
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_appointment_status_changes_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_appointment_status_changes_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_status_changes")),
    )
    op.create_index(
        "ix_appointment_status_changes_appt",
        "appointment_status_changes",
        ["appointment_id", "changed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_appointment_status_changes_appt", table_name="appointment_status_changes"
    )
    op.drop_table("appointment_status_changes")
    op.drop_index(op.f("ix_appointment_staff_staff_id"), table_name="appointment_staff")
    op.drop_table("appointment_staff")
    op.drop_index("ix_appointments_staff_day", table_name="appointments")
    op.drop_index(op.f("ix_appointments_proposal_id"), table_name="appointments")
    op.drop_index("ix_appointments_planned", table_name="appointments")
    op.drop_index("ix_appointments_job", table_name="appointments")
    op.drop_index("ix_appointments_day_status", table_name="appointments")
    op.drop_index("ix_appointments_crew_day", table_name="appointments")
    op.drop_table("appointments")
    op.drop_index("ix_staff_time_off_staff_dates", table_name="staff_time_off")
    op.drop_table("staff_time_off")
    op.drop_index(op.f("ix_crew_members_staff_id"), table_name="crew_members")
    op.drop_table("crew_members")
    op.drop_index(
        "uq_staff_members_user_id",
        table_name="staff_members",
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.drop_index(
        "uq_staff_members_calendar_token_hash",
        table_name="staff_members",
        postgresql_where=sa.text("calendar_token_hash IS NOT NULL"),
    )
    op.drop_table("staff_members")
    op.drop_index("ix_schedule_proposals_status_start", table_name="schedule_proposals")
    op.drop_table("schedule_proposals")
    op.drop_table("crews")
    sa.Enum(name="appointment_status").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="proposal_status").drop(op.get_bind(), checkfirst=True)
