"""Jobs per status kept by triggers: the dashboard counts stop scanning jobs.

``GET /jobs/counts`` counted the live statuses (cached until the next job write,
which under an office's load meant nearly every time: 5 ms of PostgreSQL) and the
closed ones (cached for minutes, so not exact). ``job_status_counts`` holds the
counts as sums of rows per status: statement-level triggers append each change's
deltas in the same transaction as the jobs (creates, moves, batches, deletes), so
the sums are exact, and writers never wait for each other on a counter row.
``db/counters.py`` folds the deltas into one row per status every few seconds.

Revision ID: 0011s
Revises: 0010t
Create Date: 2026-11-26 17:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011s"
down_revision: str | None = "0010t"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One statement per block (asyncpg runs one statement per call).
FUNCTIONS = """
CREATE FUNCTION job_status_counts_apply(deltas jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO job_status_counts (status, jobs)
    SELECT key::job_status, value::bigint FROM jsonb_each_text(deltas)
    WHERE value::bigint <> 0;
$$;

CREATE FUNCTION jobs_counts_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM job_status_counts_apply((
        SELECT coalesce(jsonb_object_agg(status, n), '{}')
        FROM (SELECT status, count(*) AS n FROM new_rows GROUP BY status) d));
    RETURN NULL;
END $$;

CREATE FUNCTION jobs_counts_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM job_status_counts_apply((
        SELECT coalesce(jsonb_object_agg(status, n), '{}')
        FROM (SELECT status, sum(d) AS n FROM (
            SELECT status, 1 AS d FROM new_rows
            UNION ALL SELECT status, -1 FROM old_rows) x
            GROUP BY status) d));
    RETURN NULL;
END $$;

CREATE FUNCTION jobs_counts_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM job_status_counts_apply((
        SELECT coalesce(jsonb_object_agg(status, -n), '{}')
        FROM (SELECT status, count(*) AS n FROM old_rows GROUP BY status) d));
    RETURN NULL;
END $$;

CREATE FUNCTION jobs_counts_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_status_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_counts_insert AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_counts_inserted();

CREATE TRIGGER jobs_counts_update AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_counts_updated();

CREATE TRIGGER jobs_counts_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_counts_deleted();

CREATE TRIGGER jobs_counts_truncate AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_counts_truncated();
"""


def upgrade() -> None:
    op.create_table(
        "job_status_counts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "status",
            postgresql.ENUM(name="job_status", create_type=False),
            nullable=False,
        ),
        sa.Column("jobs", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_status_counts")),
    )
    op.execute(
        "INSERT INTO job_status_counts (status, jobs) "
        "SELECT status, count(*) FROM jobs GROUP BY status"
    )
    for statement in FUNCTIONS.split("\n\n"):
        if statement.strip():
            op.execute(statement)


def downgrade() -> None:
    for event in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER jobs_counts_{event} ON jobs")
    for function in ("inserted", "updated", "deleted", "truncated"):
        op.execute(f"DROP FUNCTION jobs_counts_{function}()")
    op.execute("DROP FUNCTION job_status_counts_apply(jsonb)")
    op.drop_table("job_status_counts")
