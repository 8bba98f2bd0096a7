"""Jobs: index for the newest-first lists (and the city list's scan).

Revision ID: 0006j
Revises: 0005s
Create Date: 2026-11-26 12:12:53.307852+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006j"
down_revision: str | None = "0005s"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_jobs_created_at", "jobs", ["created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_jobs_created_at", table_name="jobs")
