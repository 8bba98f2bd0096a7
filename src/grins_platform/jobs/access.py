"""Which jobs a technician may see: the one place that rule lives."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from grins_platform.jobs.models import Job
from grins_platform.users.models import Role, User


def visible_job_ids(user: User) -> Select[Any] | None:
    """``None`` for the office (everything); else a subquery of the visible job ids.

    Technicians see the jobs on their own appointments. Until appointments exist the
    subquery selects nothing.
    """
    if user.role in {Role.ADMIN, Role.MANAGER}:
        return None
    return select(Job.id).where(Job.id.is_(None))
