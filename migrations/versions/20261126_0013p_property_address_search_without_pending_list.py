"""Property address search without a GIN pending list (as 0012n for customers).

``ix_properties_address_search`` serves the customer search's street-word matches.
With ``fastupdate`` on, every property added since the last vacuum waits in an
unsorted pending list that each search reads in full (and whose cost can turn the
plan into a scan); off, each insert updates the index itself.

Revision ID: 0013p
Revises: 0012n
Create Date: 2026-11-26 19:15:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013p"
down_revision: str | None = "0012n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER INDEX ix_properties_address_search SET (fastupdate = off)")
    op.execute(
        "SELECT gin_clean_pending_list('ix_properties_address_search'::regclass)"
    )


def downgrade() -> None:
    op.execute("ALTER INDEX ix_properties_address_search RESET (fastupdate)")
