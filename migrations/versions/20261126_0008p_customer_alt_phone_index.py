"""Customer alternate phone index: a whole number is looked up on both phones.

Revision ID: 0008p
Revises: 0007c
Create Date: 2026-11-26 14:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008p"
down_revision: str | None = "0007c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_customers_alt_phone",
        "customers",
        ["alt_phone"],
        unique=False,
        postgresql_where=sa.text("alt_phone IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_customers_alt_phone",
        table_name="customers",
        postgresql_where=sa.text("alt_phone IS NOT NULL"),
    )
