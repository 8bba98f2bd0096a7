"""The technician's day (job cards in route order) and their private calendar feed.

Gate and lock-box codes are decrypted only for the day being worked: a technician
sees them on the cards of today's appointments (business time zone), never for other
days and never in the calendar feed (calendar apps keep copies). The office sees
them always, as elsewhere.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import AppointmentStatus
from grins_platform.appointments.repository import Visit, VisitRepository
from grins_platform.core.config import Settings
from grins_platform.core.errors import NotFoundError
from grins_platform.core.log_config import LoggerMixin
from grins_platform.jobs.models import Job
from grins_platform.staff.models import StaffMember
from grins_platform.staff.repository import StaffRepository
from grins_platform.staff.service import StaffNotFound, hash_token
from grins_platform.users.models import User

MAPS = "https://www.google.com/maps/search/?api=1&query={lat},{lon}"
FEED_DAYS_BACK = 30
FEED_DAYS_AHEAD = 120


class CardCustomer(BaseModel):
    """Who the visit is for."""

    id: uuid.UUID
    name: str
    phone: str | None


class CardProperty(BaseModel):
    """Where the visit is and how to get in."""

    id: uuid.UUID
    address: str
    city: str
    zip_code: str
    latitude: float | None
    longitude: float | None
    map_url: str | None
    gate_code: str | None = Field(description="Only on the day of the visit.")
    lockbox_code: str | None = Field(description="Only on the day of the visit.")
    has_gate_code: bool
    has_lockbox_code: bool
    has_dogs: bool
    access_instructions: str | None
    zone_count: int | None
    controller_location: str | None
    system_type: str


class CardJob(BaseModel):
    """What to do and what to charge."""

    id: uuid.UUID
    title: str
    offering: str | None
    description: str | None
    notes: str | None
    zone_count: int | None
    estimated_minutes: int
    price_cents: int | None
    status: str


class PastVisit(BaseModel):
    """An earlier finished job at the property."""

    job_id: uuid.UUID
    title: str
    completed_at: datetime | None
    final_price_cents: int | None


class JobCard(BaseModel):
    """One stop of the day."""

    appointment_id: uuid.UUID
    order: int
    status: AppointmentStatus
    window_start: datetime
    window_end: datetime
    planned_start: datetime
    planned_end: datetime
    travel_minutes: int
    customer: CardCustomer
    property: CardProperty
    job: CardJob
    history: list[PastVisit]


class DayView(BaseModel):
    """A technician's day in route order."""

    day: date
    staff_id: uuid.UUID
    staff_name: str
    codes_visible: bool = Field(description="Whether access codes are shown.")
    stops: list[JobCard]


def _map_url(visit: Visit) -> str | None:
    lat, lon = visit.prop.latitude, visit.prop.longitude
    return None if lat is None or lon is None else MAPS.format(lat=lat, lon=lon)


def _card(order: int, visit: Visit, history: list[PastVisit], reveal: bool) -> JobCard:
    a, job, prop = visit.appointment, visit.job, visit.prop
    return JobCard(
        appointment_id=a.id,
        order=order,
        status=a.status,
        window_start=a.window_start,
        window_end=a.window_end,
        planned_start=a.planned_start,
        planned_end=a.planned_end,
        travel_minutes=a.travel_minutes,
        customer=CardCustomer(
            id=visit.customer.id, name=visit.customer.name, phone=visit.customer.phone
        ),
        property=CardProperty(
            id=prop.id,
            address=prop.address,
            city=prop.city,
            zip_code=prop.zip_code,
            latitude=prop.latitude,
            longitude=prop.longitude,
            map_url=_map_url(visit),
            gate_code=prop.gate_code if reveal else None,
            lockbox_code=prop.lockbox_code if reveal else None,
            has_gate_code=prop.gate_code is not None,
            has_lockbox_code=prop.lockbox_code is not None,
            has_dogs=prop.has_dogs,
            access_instructions=prop.access_instructions,
            zone_count=prop.zone_count,
            controller_location=prop.controller_location,
            system_type=prop.system_type.value,
        ),
        job=CardJob(
            id=job.id,
            title=job.title,
            offering=visit.offering_name,
            description=job.description,
            notes=job.notes,
            zone_count=job.zone_count,
            estimated_minutes=job.estimated_minutes,
            price_cents=job.final_price_cents or job.quoted_price_cents,
            status=job.status.value,
        ),
        history=history,
    )


class TechnicianViews(LoggerMixin):
    """Read-only views of one staff member's schedule."""

    DOMAIN = "appointments"
    COMPONENT = "views"

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.settings = settings
        self.staff = StaffRepository(session)
        self.visits = VisitRepository(session)

    def today(self) -> date:
        """Today in the business time zone."""
        return datetime.now(UTC).astimezone(self.settings.tz).date()

    async def day(
        self, caller: User, day: date | None, staff_id: uuid.UUID | None
    ) -> DayView:
        """The caller's day (or, for the office, anyone's) with job cards."""
        member = await self._member(caller, staff_id)
        when = day or self.today()
        visits = await self.visits.visits(member.id, when, when, live_only=True)
        past = await self.visits.history({v.prop.id for v in visits})
        reveal = caller.is_manager or when == self.today()
        cards = [
            _card(i, v, [_past(j) for j in past[v.prop.id] if j.id != v.job.id], reveal)
            for i, v in enumerate(visits, start=1)
        ]
        self.log_completed("day", staff_id=str(member.id), stops=len(cards))
        return DayView(
            day=when,
            staff_id=member.id,
            staff_name=member.name,
            codes_visible=reveal,
            stops=cards,
        )

    async def feed(self, token: str) -> bytes:
        """The iCalendar feed behind a secret token (404 if unknown or revoked)."""
        member = await self.staff.get_by_calendar_hash(hash_token(token))
        if member is None or not member.is_active:
            raise NotFoundError("calendar not found")
        today = self.today()
        visits = await self.visits.visits(
            member.id,
            today - timedelta(days=FEED_DAYS_BACK),
            today + timedelta(days=FEED_DAYS_AHEAD),
            live_only=True,
        )
        self.log_completed("feed", staff_id=str(member.id), events=len(visits))
        return _calendar(member, visits, self.settings.tz)

    async def _member(self, caller: User, staff_id: uuid.UUID | None) -> StaffMember:
        if staff_id is None:
            member = await self.staff.get_by_user(caller.id)
        else:
            member = await self.staff.get(staff_id)
            if (
                member is not None
                and not caller.is_manager
                and member.user_id != caller.id
            ):
                member = None
        if member is None:
            raise StaffNotFound
        return member


def _past(job: Job) -> PastVisit:
    return PastVisit(
        job_id=job.id,
        title=job.title,
        completed_at=job.completed_at,
        final_price_cents=job.final_price_cents,
    )


def _put(component: Component, name: str, value: object) -> None:
    component.add(name, value)  # pyright: ignore[reportUnknownMemberType] - value untyped upstream


def _calendar(member: StaffMember, visits: list[Visit], tz: ZoneInfo) -> bytes:
    cal = Calendar()
    _put(cal, "prodid", "-//Grins Platform//Technician schedule//EN")
    _put(cal, "version", "2.0")
    _put(cal, "calscale", "GREGORIAN")
    _put(cal, "x-wr-calname", f"Grins - {member.name}")
    _put(cal, "x-wr-timezone", str(tz))
    stamp = datetime.now(UTC)
    for visit in visits:
        a = visit.appointment
        event = Event()
        _put(event, "uid", f"{a.id}@grins-platform")
        _put(event, "dtstamp", stamp)
        _put(event, "dtstart", a.planned_start.astimezone(UTC))
        _put(event, "dtend", a.planned_end.astimezone(UTC))
        _put(event, "last-modified", a.updated_at.astimezone(UTC))
        _put(event, "summary", f"{visit.job.title} - {visit.prop.city}")
        _put(
            event,
            "location",
            f"{visit.prop.address}, {visit.prop.city} {visit.prop.zip_code}",
        )
        _put(
            event,
            "description",
            f"Arrival between {a.window_start.astimezone(tz):%H:%M} and "
            f"{a.window_end.astimezone(tz):%H:%M}\nStatus: {a.status.value}",
        )
        _put(
            event,
            "status",
            "TENTATIVE" if a.status is AppointmentStatus.PROPOSED else "CONFIRMED",
        )
        url = _map_url(visit)
        if url is not None:
            _put(event, "url", url)
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
