"""SQL for staff members, time off and crews."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, delete, select, update

from grins_platform.catalog.models import Equipment, Skill
from grins_platform.db.repository import Repository
from grins_platform.staff.models import Crew, CrewMember, StaffMember, StaffTimeOff


class StaffRepository(Repository[StaffMember]):
    """Staff members."""

    model = StaffMember

    async def get_by_user(self, user_id: uuid.UUID) -> StaffMember | None:
        """The staff record linked to a login account."""
        return await self.session.scalar(
            select(StaffMember).where(StaffMember.user_id == user_id)
        )

    async def get_by_calendar_hash(self, token_hash: str) -> StaffMember | None:
        """The staff member whose calendar feed token hashes to ``token_hash``."""
        return await self.session.scalar(
            select(StaffMember).where(StaffMember.calendar_token_hash == token_hash)
        )

    async def lock_many(self, ids: Iterable[uuid.UUID]) -> list[StaffMember]:
        """Lock staff rows ``FOR UPDATE`` in id order (the one lock order)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        result = await self.session.execute(
            select(StaffMember)
            .where(StaffMember.id.in_(wanted))
            .order_by(StaffMember.id)
            .with_for_update()
        )
        return list(result.scalars().all())

    async def touch(self, staff_id: uuid.UUID) -> None:
        """Mark a staff member changed (time off edited), staling proposals."""
        await self.session.execute(
            update(StaffMember)
            .where(StaffMember.id == staff_id)
            .values(updated_at=datetime.now(UTC))
        )

    def _filtered(self, active: bool | None) -> Select[Any]:
        stmt = select(StaffMember)
        if active is not None:
            stmt = stmt.where(StaffMember.is_active.is_(active))
        return stmt.order_by(StaffMember.name, StaffMember.id)

    async def list_filtered(
        self, *, active: bool | None, limit: int, offset: int
    ) -> tuple[Sequence[StaffMember], int]:
        """A page of staff ordered by name, and the total."""
        stmt = self._filtered(active)
        return await self.page(stmt, limit=limit, offset=offset), await self.count(stmt)

    async def list_active(self) -> Sequence[StaffMember]:
        """Every active staff member, by id."""
        result = await self.session.execute(
            select(StaffMember)
            .where(StaffMember.is_active.is_(True))
            .order_by(StaffMember.id)
        )
        return result.scalars().all()

    async def unknown_codes(
        self, skills: Sequence[str], equipment: Sequence[str]
    ) -> tuple[list[str], list[str]]:
        """The skill and equipment codes that are not in the vocabularies."""
        known_skills = set(
            await self.session.scalars(select(Skill.code).where(Skill.code.in_(skills)))
        )
        known_equipment = set(
            await self.session.scalars(
                select(Equipment.code).where(Equipment.code.in_(equipment))
            )
        )
        return (
            sorted(set(skills) - known_skills),
            sorted(set(equipment) - known_equipment),
        )


class TimeOffRepository(Repository[StaffTimeOff]):
    """Days off."""

    model = StaffTimeOff

    async def list_for(self, staff_id: uuid.UUID) -> Sequence[StaffTimeOff]:
        """A staff member's time off, oldest first."""
        result = await self.session.execute(
            select(StaffTimeOff)
            .where(StaffTimeOff.staff_id == staff_id)
            .order_by(StaffTimeOff.start_date)
        )
        return result.scalars().all()

    async def overlapping(
        self, staff_ids: Sequence[uuid.UUID], start: date, end: date
    ) -> Sequence[StaffTimeOff]:
        """Time off of these staff touching ``start``..``end`` (inclusive)."""
        result = await self.session.execute(
            select(StaffTimeOff).where(
                StaffTimeOff.staff_id.in_(staff_ids),
                StaffTimeOff.start_date <= end,
                StaffTimeOff.end_date >= start,
            )
        )
        return result.scalars().all()


class CrewRepository(Repository[Crew]):
    """Crews and their members."""

    model = Crew

    async def get_by_name(self, name: str) -> Crew | None:
        """The crew with this name."""
        return await self.session.scalar(select(Crew).where(Crew.name == name))

    async def member_ids(self, crew_id: uuid.UUID) -> list[uuid.UUID]:
        """The members of a crew, by id."""
        result = await self.session.scalars(
            select(CrewMember.staff_id)
            .where(CrewMember.crew_id == crew_id)
            .order_by(CrewMember.staff_id)
        )
        return list(result)

    async def members_of(
        self, crew_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Members of each crew (sorted ids)."""
        result = await self.session.execute(
            select(CrewMember.crew_id, CrewMember.staff_id)
            .where(CrewMember.crew_id.in_(crew_ids))
            .order_by(CrewMember.crew_id, CrewMember.staff_id)
        )
        members: dict[uuid.UUID, list[uuid.UUID]] = {cid: [] for cid in crew_ids}
        for crew_id, staff_id in result.all():
            members[crew_id].append(staff_id)
        return members

    async def set_members(
        self, crew_id: uuid.UUID, staff_ids: Sequence[uuid.UUID]
    ) -> None:
        """Replace the members of a crew."""
        await self.session.execute(
            delete(CrewMember).where(CrewMember.crew_id == crew_id)
        )
        self.session.add_all(
            [
                CrewMember(crew_id=crew_id, staff_id=sid)
                for sid in sorted(set(staff_ids))
            ]
        )
        await self.session.flush()

    async def list_all(self, *, active: bool | None = None) -> Sequence[Crew]:
        """Crews by name."""
        stmt = select(Crew).order_by(Crew.name)
        if active is not None:
            stmt = stmt.where(Crew.is_active.is_(active))
        return (await self.session.execute(stmt)).scalars().all()
