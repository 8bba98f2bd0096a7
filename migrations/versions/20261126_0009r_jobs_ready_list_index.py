"""Ready-to-schedule list index: a week's approved, priced jobs in priority order.

The office's most used working list (``GET /jobs/ready?week=``) read a busy week's
~900 matches from the heap to keep 25; this partial index hands them over in order.

Revision ID: 0009r
Revises: 0008p
Create Date: 2026-11-26 17:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009r"
down_revision: str | None = "0008p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READY: str = "status = 'approved' AND category = 'ready_to_schedule'"


def upgrade() -> None:
    op.create_index(
        "ix_jobs_ready_week",
        "jobs",
        ["target_week", "priority", "id"],
        unique=False,
        postgresql_where=sa.text(READY),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_jobs_ready_week", table_name="jobs", postgresql_where=sa.text(READY)
    )
