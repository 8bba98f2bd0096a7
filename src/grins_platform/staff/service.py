"""Staff and crew management, and each technician's private calendar feed token."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService, changed_only, snapshot
from grins_platform.core.errors import ConflictError, NotFoundError, ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.uow import UnitOfWork
from grins_platform.staff.models import Crew, StaffMember, StaffTimeOff
from grins_platform.staff.repository import (
    CrewRepository,
    StaffRepository,
    TimeOffRepository,
)
from grins_platform.staff.schemas import (
    CrewCreate,
    CrewUpdate,
    StaffCreate,
    StaffUpdate,
    TimeOffCreate,
)
from grins_platform.users.models import User


class StaffNotFound(NotFoundError):
    """No such staff member (or not the caller's)."""

    def __init__(self) -> None:
        super().__init__("staff member not found")


class CrewNotFound(NotFoundError):
    """No such crew."""

    def __init__(self) -> None:
        super().__init__("crew not found")


class UserAlreadyLinked(ConflictError):
    """The login account already belongs to another staff member."""

    def __init__(self) -> None:
        super().__init__("this user is already linked to a staff member")


class CrewNameTaken(ConflictError):
    """Another crew has this name."""

    def __init__(self) -> None:
        super().__init__("a crew with this name already exists")


def hash_token(token: str) -> str:
    """The stored form of a calendar token (SHA-256 hex; tokens are random)."""
    return hashlib.sha256(token.encode()).hexdigest()


class StaffService(LoggerMixin):
    """Staff members, their time off, crews and calendar tokens; commits once."""

    DOMAIN = "staff"

    def __init__(self, session: AsyncSession) -> None:
        self.uow = UnitOfWork(session)
        self.staff = StaffRepository(session)
        self.time_off = TimeOffRepository(session)
        self.crews = CrewRepository(session)
        self.audit = AuditService(session)

    async def create_staff(self, data: StaffCreate, actor: Actor) -> StaffMember:
        """Create a staff member after checking the skill and equipment codes."""
        await self._check_codes(data.skills, data.equipment)
        fields = data.model_dump(
            mode="json",
            exclude={"user_id", "lunch_start", "lunch_end", "lunch_minutes"},
        )
        member = StaffMember(
            **fields,
            user_id=data.user_id,
            lunch_start=data.lunch_start,
            lunch_end=data.lunch_end,
            lunch_minutes=data.lunch_minutes or 0,
        )
        await self._save(member, actor, "staff.created", None)
        self.log_completed("create", staff_id=str(member.id))
        return member

    async def update_staff(
        self, staff_id: uuid.UUID, data: StaffUpdate, actor: Actor
    ) -> StaffMember:
        """Apply the fields sent; codes are checked against the vocabularies."""
        member = await self._locked(staff_id)
        before = _plain(snapshot(member))
        fields = data.model_dump(mode="json", exclude_unset=True)
        await self._check_codes(fields.get("skills", []), fields.get("equipment", []))
        raw = data.model_dump(exclude_unset=True)
        for name, json_value in fields.items():
            native = {"user_id", "lunch_start", "lunch_end"}
            value = raw[name] if name in native else json_value
            if value is None and name in _NOT_NULL:
                raise ValidationFailed(name, "must not be null")
            setattr(member, name, value)
        await self._save(member, actor, "staff.updated", before)
        self.log_completed("update", staff_id=str(member.id), fields=sorted(fields))
        return member

    async def get_staff(self, staff_id: uuid.UUID, *, caller: User) -> StaffMember:
        """Office roles see anyone; a technician only their own record."""
        member = await self.staff.get(staff_id)
        if member is None or not (caller.is_manager or member.user_id == caller.id):
            raise StaffNotFound
        return member

    async def get_own(self, caller: User) -> StaffMember:
        """The caller's own staff record."""
        member = await self.staff.get_by_user(caller.id)
        if member is None:
            raise StaffNotFound
        return member

    async def list_staff(
        self, *, active: bool | None, limit: int, offset: int
    ) -> tuple[Sequence[StaffMember], int]:
        """A page of staff by name, and the total."""
        return await self.staff.list_filtered(active=active, limit=limit, offset=offset)

    async def add_time_off(
        self, staff_id: uuid.UUID, data: TimeOffCreate, actor: Actor
    ) -> StaffTimeOff:
        """Record days off (the staff member counts as changed)."""
        await self._locked(staff_id)
        entry = StaffTimeOff(staff_id=staff_id, **data.model_dump())
        await self.time_off.add(entry)
        await self.staff.touch(staff_id)
        await self.audit.record(
            actor,
            "staff.time_off_added",
            "staff_member",
            staff_id,
            after=snapshot(entry),
        )
        await self.uow.commit()
        self.log_completed("add_time_off", staff_id=str(staff_id))
        return entry

    async def list_time_off(
        self, staff_id: uuid.UUID, *, caller: User
    ) -> Sequence[StaffTimeOff]:
        """A staff member's time off (own record or office)."""
        await self.get_staff(staff_id, caller=caller)
        return await self.time_off.list_for(staff_id)

    async def remove_time_off(
        self, staff_id: uuid.UUID, entry_id: uuid.UUID, actor: Actor
    ) -> None:
        """Delete an entry of time off."""
        await self._locked(staff_id)
        entry = await self.time_off.get(entry_id)
        if entry is None or entry.staff_id != staff_id:
            raise NotFoundError("time off not found")
        before = snapshot(entry)
        await self.time_off.delete(entry)
        await self.staff.touch(staff_id)
        await self.audit.record(
            actor, "staff.time_off_removed", "staff_member", staff_id, before=before
        )
        await self.uow.commit()
        self.log_completed("remove_time_off", staff_id=str(staff_id))

    async def issue_calendar_token(self, staff_id: uuid.UUID, *, caller: User) -> str:
        """A new secret feed token; the previous URL stops working."""
        await self.get_staff(staff_id, caller=caller)
        member = await self._locked(staff_id)
        token = secrets.token_urlsafe(32)
        member.calendar_token_hash = hash_token(token)
        await self.audit.record(
            Actor.of(caller), "staff.calendar_feed_issued", "staff_member", staff_id
        )
        await self.uow.commit()
        self.log_completed("issue_calendar_token", staff_id=str(staff_id))
        return token

    async def revoke_calendar_token(self, staff_id: uuid.UUID, *, caller: User) -> None:
        """Turn the private calendar URL off."""
        await self.get_staff(staff_id, caller=caller)
        member = await self._locked(staff_id)
        member.calendar_token_hash = None
        await self.audit.record(
            Actor.of(caller), "staff.calendar_feed_revoked", "staff_member", staff_id
        )
        await self.uow.commit()
        self.log_completed("revoke_calendar_token", staff_id=str(staff_id))

    async def create_crew(
        self, data: CrewCreate, actor: Actor
    ) -> tuple[Crew, list[uuid.UUID]]:
        """A crew of two or more existing staff members."""
        await self._check_members(data.member_ids)
        crew = Crew(name=data.name)
        try:
            await self.crews.add(crew)
            await self.crews.set_members(crew.id, data.member_ids)
            await self.audit.record(
                actor,
                "crew.created",
                "crew",
                crew.id,
                after={
                    "name": crew.name,
                    "member_ids": sorted(map(str, data.member_ids)),
                },
            )
            await self.uow.commit()
        except IntegrityError as exc:
            await self.uow.rollback()
            raise CrewNameTaken from exc
        self.log_completed("create_crew", crew_id=str(crew.id))
        return crew, sorted(set(data.member_ids))

    async def update_crew(
        self, crew_id: uuid.UUID, data: CrewUpdate, actor: Actor
    ) -> tuple[Crew, list[uuid.UUID]]:
        """Rename, (de)activate or change the members of a crew."""
        crew = await self.crews.get(crew_id, for_update=True)
        if crew is None:
            raise CrewNotFound
        if data.member_ids is not None:
            await self._check_members(data.member_ids)
            await self.crews.set_members(crew.id, data.member_ids)
        if data.name is not None:
            crew.name = data.name
        if data.is_active is not None:
            crew.is_active = data.is_active
        crew.updated_at = _now()
        await self.audit.record(
            actor,
            "crew.updated",
            "crew",
            crew.id,
            after=data.model_dump(mode="json", exclude_unset=True),
        )
        try:
            await self.uow.commit()
        except IntegrityError as exc:
            await self.uow.rollback()
            raise CrewNameTaken from exc
        self.log_completed("update_crew", crew_id=str(crew.id))
        return crew, await self.crews.member_ids(crew.id)

    async def get_crew(self, crew_id: uuid.UUID) -> tuple[Crew, list[uuid.UUID]]:
        """A crew and its member ids."""
        crew = await self.crews.get(crew_id)
        if crew is None:
            raise CrewNotFound
        return crew, await self.crews.member_ids(crew.id)

    async def list_crews(self) -> list[tuple[Crew, list[uuid.UUID]]]:
        """Every crew with its members."""
        crews = await self.crews.list_all()
        members = await self.crews.members_of([c.id for c in crews])
        return [(crew, members[crew.id]) for crew in crews]

    async def _locked(self, staff_id: uuid.UUID) -> StaffMember:
        member = await self.staff.get(staff_id, for_update=True)
        if member is None:
            raise StaffNotFound
        return member

    async def _save(
        self,
        member: StaffMember,
        actor: Actor,
        action: str,
        before: dict[str, Any] | None,
    ) -> None:
        try:
            await self.staff.add(member)
        except IntegrityError as exc:
            await self.uow.rollback()
            if "user_id" in str(exc.orig):
                raise UserAlreadyLinked from exc
            raise ValidationFailed("user_id", "no such user") from exc
        after = _plain(snapshot(member))
        if before is not None:
            before, after = changed_only(before, after)
        await self.audit.record(
            actor, action, "staff_member", member.id, before=before, after=after
        )
        await self.uow.commit()

    async def _check_codes(
        self, skills: Sequence[str], equipment: Sequence[str]
    ) -> None:
        bad_skills, bad_equipment = await self.staff.unknown_codes(skills, equipment)
        if bad_skills:
            raise ValidationFailed(
                "skills", f"unknown skill code(s): {', '.join(bad_skills)}"
            )
        if bad_equipment:
            raise ValidationFailed(
                "equipment", f"unknown equipment code(s): {', '.join(bad_equipment)}"
            )

    async def _check_members(self, member_ids: Sequence[uuid.UUID]) -> None:
        if len(set(member_ids)) < 2:  # noqa: PLR2004 - a crew is two or more
            raise ValidationFailed(
                "member_ids", "a crew needs two or more different staff"
            )
        for staff_id in set(member_ids):
            if await self.staff.get(staff_id) is None:
                raise ValidationFailed("member_ids", f"no staff member {staff_id}")


_NOT_NULL: frozenset[str] = frozenset(
    {
        "name",
        "skills",
        "equipment",
        "home_latitude",
        "home_longitude",
        "working_hours",
        "lunch_minutes",
        "hourly_cost_cents",
        "is_active",
    }
)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Audit values made JSON-safe (the audit snapshot leaves ``time`` as is)."""
    return {k: v.isoformat() if isinstance(v, time) else v for k, v in values.items()}


def _now() -> datetime:
    return datetime.now(UTC)
