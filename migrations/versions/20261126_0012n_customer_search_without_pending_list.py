"""Customer word search without a GIN pending list: searches stop reading it.

With ``fastupdate`` on (the default), rows added to ``ix_customers_search`` wait
in an unsorted pending list until a vacuum or a 4 MB overflow merges them, and
every search reads the whole list. On the benchmark database (3,300 customers
added since its last vacuum, autovacuum off) that was 77 more pages for every
``?q=`` search, and the list's cost made PostgreSQL scan every customer instead
of the index for common prefixes (4.5 ms instead of 0.4 ms for "john"). Off, each
insert updates the index itself (about 10 µs more per customer); the entries
pending now are merged here.

Revision ID: 0012n
Revises: 0011s
Create Date: 2026-11-26 19:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012n"
down_revision: str | None = "0011s"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER INDEX ix_customers_search SET (fastupdate = off)")
    op.execute("SELECT gin_clean_pending_list('ix_customers_search'::regclass)")


def downgrade() -> None:
    op.execute("ALTER INDEX ix_customers_search RESET (fastupdate)")
