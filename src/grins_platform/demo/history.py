"""Demo job rows and their status history (the workflow each job went through)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, Final
from zoneinfo import ZoneInfo

from grins_platform.demo.plan import at, monday, new_id
from grins_platform.demo.work import ESTIMATE_ONLY, JobDraft

Row = tuple[Any, ...]
JOB_COLUMNS: Final = (
    "id", "customer_id", "property_id", "offering_id", "title", "category", "status",
    "status_before_hold", "source", "zone_count", "quoted_price_cents",
    "final_price_cents", "estimated_minutes", "target_week", "priority",
    "staff_needed", "required_skills", "required_equipment", "weather_sensitive",
    "batch_key", "completed_at", "closed_at", "created_at", "updated_at",
)  # fmt: skip
JOB_HISTORY_COLUMNS: Final = ("id", "job_id", "from_status", "to_status", "changed_at")
_PATH: Final = (
    "requested",
    "approved",
    "scheduled",
    "in_progress",
    "completed",
    "closed",
)


def _path(draft: JobDraft) -> list[str]:
    """The statuses the job passed through, ``requested`` first."""
    if draft.status in _PATH:
        return list(_PATH[: _PATH.index(draft.status) + 1])
    if draft.offering.code == ESTIMATE_ONLY:  # a quote declined
        return ["requested", draft.status]
    return ["requested", "approved", draft.status]  # cancelled or on hold


def fill_history(
    draft: JobDraft, rng: random.Random, today_noon: datetime, tz: ZoneInfo
) -> None:
    """Timestamps for each move, in order and never after the as-of moment."""
    path = _path(draft)
    visit_start = draft.start or at(draft.day, 9 * 60, tz)
    visit_end = draft.end or visit_start + timedelta(minutes=draft.minutes)
    moment = draft.created
    for previous, status in pairwise(path):
        if status == "in_progress":
            candidate = visit_start
        elif status == "completed":
            candidate = visit_end
        elif status == "closed":
            candidate = visit_end + timedelta(days=rng.randint(2, 20))
        else:
            candidate = moment + timedelta(hours=rng.randint(1, 72))
        if candidate > today_noon and status != "closed":
            candidate = max(moment, today_noon - timedelta(minutes=rng.randint(1, 600)))
        if status == "closed" and candidate > today_noon:
            draft.status = "completed"
            break
        moment = max(moment + timedelta(seconds=1), candidate)
        draft.changes.append((previous, status, moment))


def job_row(draft: JobDraft) -> Row:
    """The ``jobs`` row of a draft (after its history is filled)."""
    offering, changes = draft.offering, draft.changes
    done = {to: when for _, to, when in changes}
    final = draft.price if draft.status in {"completed", "closed"} else None
    return (
        draft.id, draft.prop.customer_id, draft.prop.id, offering.id, offering.name,
        "ready_to_schedule" if draft.price is not None else "requires_estimate",
        draft.status, draft.before_hold, draft.source, draft.prop.zone_count,
        draft.price, final, draft.minutes, monday(draft.day), draft.priority,
        offering.staff_needed, offering.skills, offering.equipment,
        offering.weather_sensitive, draft.batch_key, done.get("completed"),
        done.get("closed"), draft.created, changes[-1][2] if changes else draft.created,
    )  # fmt: skip


def history_rows(draft: JobDraft, rng: random.Random) -> list[Row]:
    """The ``job_status_changes`` rows of a draft."""
    return [
        (new_id(rng), draft.id, previous, status, when)
        for previous, status, when in draft.changes
    ]
