"""A manager's edits to a draft proposal: lock, move, swap (pure functions)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from grins_platform.core.errors import ConflictError, NotFoundError, ValidationFailed
from grins_platform.scheduling.proposals import (
    ProposalBody,
    ProposalItem,
    ProposalRoute,
    Totals,
)
from grins_platform.scheduling.travel import HaversineTravel

_TRAVEL = HaversineTravel()


class ItemNotInProposal(NotFoundError):
    """The job is not part of this proposal."""

    def __init__(self) -> None:
        super().__init__("job not in this proposal")


class ItemOverlap(ConflictError):
    """The edit would make two visits on one route overlap (409)."""

    def __init__(self, job_id: uuid.UUID) -> None:
        super().__init__(
            "that time overlaps another visit on the route",
            conflicting_job_id=str(job_id),
        )


def find_route(body: ProposalBody, key: str) -> ProposalRoute:
    """The route with ``key`` (422 naming ``route_key`` if unknown)."""
    for route in body.routes:
        if route.key == key:
            return route
    raise ValidationFailed("route_key", "no such route in this proposal")


def find_item(
    body: ProposalBody, job_id: uuid.UUID
) -> tuple[ProposalRoute, ProposalItem] | None:
    """The route and item of an assigned job, or None."""
    for route in body.routes:
        for item in route.items:
            if item.job_id == job_id:
                return route, item
    return None


def set_locked(body: ProposalBody, job_id: uuid.UUID, *, locked: bool) -> None:
    """Lock or unlock an assigned item."""
    found = find_item(body, job_id)
    if found is None:
        raise ItemNotInProposal
    found[1].locked = locked


def take_out(body: ProposalBody, job_id: uuid.UUID) -> ProposalItem | None:
    """Remove a job from its route (returned) or from the unassigned list (None)."""
    found = find_item(body, job_id)
    if found is not None:
        route, item = found
        route.items = [i for i in route.items if i.job_id != job_id]
        return item
    before = len(body.unassigned)
    body.unassigned = [u for u in body.unassigned if u.job_id != job_id]
    if len(body.unassigned) == before:
        raise ItemNotInProposal
    return None


def place(
    route: ProposalRoute, item: ProposalItem, eta: datetime, tz: ZoneInfo, window: int
) -> None:
    """Put ``item`` on ``route`` at ``eta``, locked, refusing overlaps."""
    if eta.astimezone(tz).date() != route.day:
        raise ValidationFailed(
            "eta", f"must be on {route.day.isoformat()} (the route's day)"
        )
    length = item.planned_end - item.eta
    start = eta.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    moved = item.model_copy(
        update={
            "eta": eta,
            "planned_end": eta + length,
            "window_start": start,
            "window_end": start + timedelta(minutes=window),
            "locked": True,
        }
    )
    for other in route.items:
        if other.eta < moved.planned_end and moved.eta < other.planned_end:
            raise ItemOverlap(other.job_id)
    route.items = sorted([*route.items, moved], key=lambda i: i.eta)


def refresh(body: ProposalBody) -> None:
    """Recompute order, legs and totals after an edit (haversine driving)."""
    for route in body.routes:
        previous = (route.home_longitude, route.home_latitude)
        drive = work = 0
        renumbered: list[ProposalItem] = []
        for order, item in enumerate(route.items, start=1):
            here = (item.longitude, item.latitude)
            leg = _TRAVEL.seconds(previous, here)
            previous, drive = here, drive + leg
            work += int((item.planned_end - item.eta).total_seconds())
            renumbered.append(
                item.model_copy(
                    update={"order": order, "travel_minutes": round(leg / 60)}
                )
            )
        drive += _TRAVEL.seconds(previous, (route.home_longitude, route.home_latitude))
        route.items = renumbered
        route.drive_minutes, route.work_minutes = round(drive / 60), round(work / 60)
        busy = route.drive_minutes + route.work_minutes
        route.utilisation = (
            round(busy / route.available_minutes, 3) if route.available_minutes else 0.0
        )
    drive = sum(r.drive_minutes for r in body.routes)
    work = sum(r.work_minutes for r in body.routes)
    available = body.totals.available_minutes
    body.totals = Totals(
        drive_minutes=drive,
        work_minutes=work,
        available_minutes=available,
        utilisation=round((drive + work) / available, 3) if available else 0.0,
        assigned=sum(len(r.items) for r in body.routes),
        unassigned=len(body.unassigned),
        solve_ms=body.totals.solve_ms,
    )
