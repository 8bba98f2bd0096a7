"""The appointment status workflow, and keeping the job's status in step with it.

``proposed → scheduled → confirmed → en_route → on_site → completed``, plus
``cancelled``, ``no_show`` and ``reschedule_requested``: one transition table, one
history row per change. The job follows through :mod:`grins_platform.jobs.workflow`:
booking moves it ``approved → scheduled``, arriving ``scheduled → in_progress``,
completing the last open visit ``in_progress → completed``, and cancelling (or a
no-show) of its last live appointment takes it off the calendar, ``scheduled →
approved``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStatus,
    AppointmentStatusChange,
)
from grins_platform.core.errors import ConflictError
from grins_platform.jobs.models import Job, JobStatus
from grins_platform.jobs.workflow import apply_transition

A = AppointmentStatus
TRANSITIONS: Final[Mapping[AppointmentStatus, frozenset[AppointmentStatus]]] = {
    A.PROPOSED: frozenset({A.SCHEDULED, A.CANCELLED}),
    A.SCHEDULED: frozenset(
        {A.CONFIRMED, A.EN_ROUTE, A.CANCELLED, A.NO_SHOW, A.RESCHEDULE_REQUESTED}
    ),
    A.CONFIRMED: frozenset(
        {A.EN_ROUTE, A.CANCELLED, A.NO_SHOW, A.RESCHEDULE_REQUESTED}
    ),
    A.RESCHEDULE_REQUESTED: frozenset({A.SCHEDULED, A.CONFIRMED, A.CANCELLED}),
    A.EN_ROUTE: frozenset({A.ON_SITE, A.NO_SHOW, A.CANCELLED}),
    A.ON_SITE: frozenset({A.COMPLETED}),
    A.COMPLETED: frozenset(),
    A.CANCELLED: frozenset(),
    A.NO_SHOW: frozenset(),
}
"""Allowed next statuses of an appointment."""

RELEASED: Final = frozenset({A.CANCELLED, A.NO_SHOW})
"""Statuses that free the staff's time; every other status holds it."""
BLOCKING: Final = frozenset(set(A) - RELEASED)
OPEN: Final = frozenset(BLOCKING - {A.COMPLETED})
"""Visits still to happen (or happening)."""
TECHNICIAN_MAY: Final = frozenset({A.EN_ROUTE, A.ON_SITE, A.COMPLETED, A.NO_SHOW})
"""What a technician may do to their own appointment; the office may do anything."""


class IllegalAppointmentTransition(ConflictError):
    """The appointment cannot move to that status from where it is (409)."""

    def __init__(self, appointment: Appointment, target: AppointmentStatus) -> None:
        allowed = sorted(s.value for s in TRANSITIONS[appointment.status])
        super().__init__(
            f"cannot move a {appointment.status.value} appointment to "
            f"{target.value}; allowed: {', '.join(allowed) or 'none (final status)'}",
            current_status=appointment.status.value,
            allowed=allowed,
        )


def history_row(
    appointment: Appointment,
    previous: AppointmentStatus | None,
    *,
    actor_id: uuid.UUID | None,
    reason: str | None,
) -> AppointmentStatusChange:
    """The history row of a change to ``appointment.status``."""
    return AppointmentStatusChange(
        appointment_id=appointment.id,
        from_status=previous,
        to_status=appointment.status,
        changed_by_id=actor_id,
        changed_at=datetime.now(UTC),
        reason=reason,
    )


def transition(
    session: AsyncSession,
    appointment: Appointment,
    target: AppointmentStatus,
    *,
    actor_id: uuid.UUID | None,
    reason: str | None = None,
) -> AppointmentStatusChange:
    """Move a locked appointment to ``target`` and stage its history row."""
    if target not in TRANSITIONS[appointment.status]:
        raise IllegalAppointmentTransition(appointment, target)
    previous = appointment.status
    appointment.status = target
    change = history_row(appointment, previous, actor_id=actor_id, reason=reason)
    session.add(change)
    return change


def sync_job(
    session: AsyncSession,
    job: Job,
    target: AppointmentStatus,
    *,
    others_open: int,
    actor_id: uuid.UUID | None,
) -> None:
    """Move the (locked) job to match an appointment that just reached ``target``.

    ``others_open`` counts the job's *other* appointments still open (blocking and not
    completed); a multi-visit job leaves ``scheduled`` only with its last visit.
    """
    wanted = _job_target(job.status, target, others_open)
    if wanted is not None:
        apply_transition(
            session,
            job,
            wanted,
            actor_id=actor_id,
            reason=f"appointment {target.value}",
        )


def _job_target(
    current: JobStatus, target: AppointmentStatus, others_open: int
) -> JobStatus | None:
    if target in {A.SCHEDULED, A.CONFIRMED} and current is JobStatus.APPROVED:
        return JobStatus.SCHEDULED
    if target is A.ON_SITE and current is JobStatus.SCHEDULED:
        return JobStatus.IN_PROGRESS
    if target is A.COMPLETED and current is JobStatus.IN_PROGRESS and not others_open:
        return JobStatus.COMPLETED
    if target in RELEASED and current is JobStatus.SCHEDULED and not others_open:
        return JobStatus.APPROVED
    return None
