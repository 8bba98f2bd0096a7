"""Demo appointments: each staff member's days filled one visit after another.

Visits are placed in date order; a day's next visit starts after the previous one
ends plus the drive, so no staff member ever holds two overlapping appointments.
A full day pushes the visit to the next working day (peak weeks spill over, as
they do in real life). Older closed jobs only partly get appointments: the first
seasons came from the spreadsheet the business kept before, without visit records.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from grins_platform.demo.plan import at, new_id
from grins_platform.demo.work import ESTIMATE_ONLY, JobDraft

Row = tuple[Any, ...]
APPOINTMENT_COLUMNS: Final = (
    "id", "job_id", "staff_id", "day", "window_start", "window_end",
    "planned_start", "planned_end", "route_order", "travel_minutes", "status",
    "created_at", "updated_at",
)  # fmt: skip
APPOINTMENT_STAFF_COLUMNS: Final = ("appointment_id", "staff_id")
APPOINTMENT_HISTORY_COLUMNS: Final = (
    "id", "appointment_id", "from_status", "to_status", "changed_at",
)  # fmt: skip
DAY_START: Final = 7 * 60 + 30
DAY_END: Final = 18 * 60 + 30
MAX_SPILL_DAYS: Final = 21
WINDOW_MINUTES: Final = 120
VISITED: Final = frozenset({"scheduled", "in_progress", "completed", "closed"})
_APPOINTMENT_STATUS: Final = {
    "closed": "completed",
    "completed": "completed",
    "in_progress": "on_site",
}


@dataclass(slots=True)
class Appointments:
    """Appointment rows, their staff rows and their status history."""

    rows: list[Row] = field(default_factory=list[Row])
    staff: list[Row] = field(default_factory=list[Row])
    history: list[Row] = field(default_factory=list[Row])


@dataclass(slots=True)
class Calendar:
    """Where each staff member's day is filled up to (minutes after midnight)."""

    staff: list[uuid.UUID]
    saturday: set[uuid.UUID]
    cursor: dict[tuple[uuid.UUID, date], int] = field(
        default_factory=dict[tuple[uuid.UUID, date], int]
    )
    count: dict[tuple[uuid.UUID, date], int] = field(
        default_factory=dict[tuple[uuid.UUID, date], int]
    )

    def book(
        self, rng: random.Random, first_day: date, minutes: int
    ) -> tuple[uuid.UUID, date, int, int, int] | None:
        """The least-busy staff member with room, from ``first_day`` on."""
        for offset in range(MAX_SPILL_DAYS + 1):
            day = first_day + timedelta(days=offset)
            if day.weekday() == 6:  # noqa: PLR2004 - Sunday
                continue
            people = self.staff if day.weekday() < 5 else list(self.saturday)  # noqa: PLR2004
            if not people:
                continue
            who = min(people, key=lambda s: self.cursor.get((s, day), DAY_START))
            travel = rng.randint(8, 25)
            start = self.cursor.get((who, day), DAY_START) + travel
            if start + minutes <= DAY_END:
                self.cursor[(who, day)] = start + minutes
                order = self.count.get((who, day), 0) + 1
                self.count[(who, day)] = order
                return who, day, start, travel, order
        return None


def visit_order(
    drafts: list[JobDraft], rng: random.Random
) -> tuple[list[JobDraft], list[JobDraft]]:
    """Jobs that must have a visit, and older closed ones in the order to add them.

    Weighted random order (Efraimidis-Spirakis) favours recent seasons: the oldest
    seasons came from the spreadsheet kept before, mostly without visit records.
    """
    last = max((d.season for d in drafts), default=0)
    must: list[JobDraft] = []
    optional: list[tuple[float, int, JobDraft]] = []
    for index, draft in enumerate(drafts):
        if draft.status not in VISITED or draft.offering.code == ESTIMATE_ONLY:
            continue
        if draft.season == last or draft.status != "closed":
            must.append(draft)
        else:
            key = rng.random() ** (1.0 / (draft.season + 1))
            optional.append((key, index, draft))
    optional.sort(key=lambda item: (-item[0], item[1]))
    return must, [draft for _, _, draft in optional]


def make_appointments(
    drafts: list[JobDraft],
    calendar: Calendar,
    target: int,
    rng: random.Random,
    tz: ZoneInfo,
) -> Appointments:
    """Book visits day by day up to ``target``; sets each booked job's start and end.

    First the jobs that must have a visit plus enough older ones, in date order;
    then, if some did not fit, more older ones until ``target`` is reached.
    """
    out = Appointments()
    must, optional = visit_order(drafts, rng)
    room = max(0, target - len(must))
    first = sorted(must + optional[:room], key=lambda d: (d.day, -d.priority))
    for draft in [*first, *optional[room:]]:
        if len(out.rows) >= target:
            break
        slot = calendar.book(rng, draft.day, max(15, draft.minutes))
        if slot is not None:
            _append(out, draft, slot, rng, tz)
    for draft in drafts:
        if draft.start is None and draft.status in VISITED:
            if draft.status in {"scheduled", "in_progress"}:
                draft.status = "approved"  # nobody free: back on the list
            else:  # done before the platform: imported, no visit record
                draft.source, draft.batch_key = "import", None
    return out


def _append(
    out: Appointments,
    draft: JobDraft,
    slot: tuple[uuid.UUID, date, int, int, int],
    rng: random.Random,
    tz: ZoneInfo,
) -> None:
    who, day, start_min, travel, order = slot
    start = at(day, start_min, tz)
    end = start + timedelta(minutes=max(15, draft.minutes))
    window_start = at(day, (start_min // WINDOW_MINUTES) * WINDOW_MINUTES, tz)
    status = _APPOINTMENT_STATUS.get(draft.status) or rng.choice(
        ("scheduled", "confirmed")
    )
    booked = min(
        max(draft.created, start - timedelta(days=14)), start - timedelta(hours=12)
    )
    booked = max(booked, draft.created)
    changed = end if status == "completed" else start
    appointment_id = new_id(rng)
    out.rows.append(
        (appointment_id, draft.id, who, day, window_start,
         window_start + timedelta(minutes=WINDOW_MINUTES), start, end, order, travel,
         status, booked, changed if status != "scheduled" else booked)
    )  # fmt: skip
    out.staff.append((appointment_id, who))
    out.history.append((new_id(rng), appointment_id, None, "scheduled", booked))
    if status != "scheduled":
        out.history.append((new_id(rng), appointment_id, "scheduled", status, changed))
    draft.start, draft.end = start, end
