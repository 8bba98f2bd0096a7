"""Customer search: prefix (text_pattern_ops) and street-word (GIN) indexes.

Revision ID: 0007c
Revises: 0006j
Create Date: 2026-11-26 12:54:02.752491+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007c"
down_revision: str | None = "0006j"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_customers_email_pattern",
        "customers",
        [sa.literal_column("lower(email) text_pattern_ops")],
        unique=False,
    )
    op.create_index(
        "ix_customers_name_pattern",
        "customers",
        [sa.literal_column("lower(name) text_pattern_ops")],
        unique=False,
    )
    op.create_index(
        "ix_properties_address_search",
        "properties",
        [sa.literal_column("to_tsvector('simple'::regconfig, address)")],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_properties_city_pattern",
        "properties",
        [sa.literal_column("lower(city) text_pattern_ops")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_properties_city_pattern", table_name="properties")
    op.drop_index(
        "ix_properties_address_search", table_name="properties", postgresql_using="gin"
    )
    op.drop_index("ix_customers_name_pattern", table_name="customers")
    op.drop_index("ix_customers_email_pattern", table_name="customers")
