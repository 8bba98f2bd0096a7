"""Schedule generation (manager): propose, adjust, re-solve around locks, apply.

Applying is one transaction: the proposal row, then every job, then every staff row
are locked (the platform's lock order), the inputs are read again and their
fingerprint compared with the one stored when the proposal was solved; anything
changed since (a job's status, an appointment of one of its staff, a staff member or
crew edited) makes the proposal stale (409). Otherwise each visit is booked through
the same overlap check as a single booking and every job moves to ``scheduled``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.booking import Booker, Slot
from grins_platform.audit.service import Actor, AuditService, snapshot
from grins_platform.core.config import Settings
from grins_platform.core.errors import ConflictError, NotFoundError
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.uow import UnitOfWork
from grins_platform.jobs.workflow import lock_job
from grins_platform.scheduling.assemble import assemble, item_ids
from grins_platform.scheduling.builder import build, locked_items
from grins_platform.scheduling.editing import (
    ItemNotInProposal,
    find_item,
    find_route,
    place,
    refresh,
    set_locked,
    take_out,
)
from grins_platform.scheduling.engine import SolveOptions
from grins_platform.scheduling.models import ProposalStatus, ScheduleProposal
from grins_platform.scheduling.proposals import (
    ApplyResult,
    ItemMove,
    ItemSwap,
    ProposalBody,
    ProposalCreate,
    ProposalItem,
)
from grins_platform.scheduling.repository import JobInput, ScheduleRepository
from grins_platform.scheduling.runner import SolverPool, solver_pool
from grins_platform.scheduling.units import Inputs, days_of
from grins_platform.staff.models import Crew, StaffMember
from grins_platform.staff.repository import StaffRepository
from grins_platform.users.models import User


class ProposalNotFound(NotFoundError):
    """No such proposal."""

    def __init__(self) -> None:
        super().__init__("proposal not found")


class ProposalNotDraft(ConflictError):
    """Only a draft can be edited, re-solved or applied (409)."""

    def __init__(self, proposal: ScheduleProposal) -> None:
        super().__init__(
            f"the proposal is {proposal.status.value}",
            proposal_status=proposal.status.value,
        )


class ProposalStale(ConflictError):
    """Jobs, staff or appointments changed since the proposal was solved (409)."""

    def __init__(self) -> None:
        super().__init__(
            "jobs, staff or appointments changed since this proposal was made; "
            "re-solve it and review again"
        )


def fingerprint(inputs: Inputs) -> str:
    """A hash of everything a proposal was solved from."""
    parts = {
        "jobs": sorted(
            f"{j.job.id}|{j.job.status.value}|{j.job.updated_at.isoformat()}"
            for j in inputs.jobs
        ),
        "staff": sorted(
            f"{m.id}|{m.is_active}|{m.updated_at.isoformat()}" for m in inputs.staff
        ),
        "crews": sorted(
            f"{c.id}|{c.is_active}|{c.updated_at.isoformat()}|{','.join(map(str, ids))}"
            for c, ids in inputs.crews
        ),
        "appointments": sorted(
            f"{v.appointment_id}|{v.staff_id}|{v.stamp}" for v in inputs.fixed
        ),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class ScheduleService(LoggerMixin):
    """Proposals for a day or a week; commits once per use case."""

    DOMAIN = "scheduling"
    COMPONENT = "proposals"

    def __init__(
        self, session: AsyncSession, settings: Settings, pool: SolverPool = solver_pool
    ) -> None:
        self.session = session
        self.settings = settings
        self.pool = pool
        self.uow = UnitOfWork(session)
        self.repo = ScheduleRepository(session)
        self.audit = AuditService(session)

    async def generate(self, data: ProposalCreate, *, actor: User) -> ScheduleProposal:
        """Solve the period and store the result as a draft proposal."""
        end = data.start_date + timedelta(days=0 if data.period == "day" else 6)
        inputs = await self._inputs(data.start_date, end, {})
        body = await self._solve(inputs)
        proposal = ScheduleProposal(
            start_date=data.start_date,
            end_date=end,
            fingerprint=fingerprint(inputs),
            body=body.model_dump(mode="json"),
            created_by_id=actor.id,
        )
        await self.repo.add(proposal)
        await self.uow.commit()
        self.log_completed(
            "generate",
            proposal_id=str(proposal.id),
            assigned=body.totals.assigned,
            unassigned=body.totals.unassigned,
        )
        return proposal

    async def get(self, proposal_id: uuid.UUID) -> ScheduleProposal:
        """One proposal."""
        proposal = await self.repo.get(proposal_id)
        if proposal is None:
            raise ProposalNotFound
        return proposal

    async def list_proposals(
        self, status: ProposalStatus | None, *, limit: int, offset: int
    ) -> tuple[Sequence[ScheduleProposal], int]:
        """Proposals, newest first."""
        return await self.repo.list_recent(status, limit=limit, offset=offset)

    async def lock_item(
        self, proposal_id: uuid.UUID, job_id: uuid.UUID, *, locked: bool
    ) -> ScheduleProposal:
        """Keep (or release) an item in place for the next re-solve."""
        proposal, body = await self._draft(proposal_id)
        set_locked(body, job_id, locked=locked)
        return await self._save(proposal, body, "lock_item")

    async def move_item(
        self, proposal_id: uuid.UUID, job_id: uuid.UUID, data: ItemMove
    ) -> ScheduleProposal:
        """Put a job on a route at a time (locked there)."""
        proposal, body = await self._draft(proposal_id)
        route = find_route(body, data.route_key)
        item = take_out(body, job_id) or await self._fresh_item(job_id)
        place(
            route,
            item,
            data.eta,
            self.settings.tz,
            self.settings.arrival_window_minutes,
        )
        return await self._save(proposal, body, "move_item")

    async def swap_items(
        self, proposal_id: uuid.UUID, data: ItemSwap
    ) -> ScheduleProposal:
        """Exchange two assigned items' routes and times (both locked)."""
        proposal, body = await self._draft(proposal_id)
        first = find_item(body, data.first_job_id)
        second = find_item(body, data.second_job_id)
        if first is None or second is None:
            raise ItemNotInProposal
        (route_a, item_a), (route_b, item_b) = first, second
        take_out(body, item_a.job_id)
        take_out(body, item_b.job_id)
        tz, window = self.settings.tz, self.settings.arrival_window_minutes
        place(route_b, item_a, item_b.eta, tz, window)
        place(route_a, item_b, item_a.eta, tz, window)
        return await self._save(proposal, body, "swap_items")

    async def resolve(self, proposal_id: uuid.UUID) -> ScheduleProposal:
        """Solve again from today's data, keeping every locked item where it is."""
        proposal, body = await self._draft(proposal_id)
        locked = locked_items(
            [(route.key, item) for route in body.routes for item in route.items]
        )
        inputs = await self._inputs(proposal.start_date, proposal.end_date, locked)
        new_body = await self._solve(inputs)
        proposal.fingerprint = fingerprint(inputs)
        return await self._save(proposal, new_body, "resolve")

    async def apply(
        self, proposal_id: uuid.UUID, *, actor: User, ip: str | None = None
    ) -> ApplyResult:
        """Create every appointment and schedule every job, or nothing (409)."""
        proposal = await self.repo.get(proposal_id, for_update=True)
        if proposal is None:
            raise ProposalNotFound
        if proposal.status is not ProposalStatus.DRAFT:
            raise ProposalNotDraft(proposal)
        body = ProposalBody.model_validate(proposal.body)
        for job_id in sorted(set(body.job_ids)):
            await lock_job(self.session, job_id)
        await StaffRepository(self.session).lock_many(body.staff_ids)
        if fingerprint(await self._inputs_of(proposal, body)) != proposal.fingerprint:
            self.log_rejected("apply", reason="stale", proposal_id=str(proposal.id))
            raise ProposalStale
        created = await self._book_all(proposal, body, Actor.of(actor, ip))
        proposal.status = ProposalStatus.APPLIED
        proposal.applied_at = datetime.now(UTC)
        proposal.applied_by_id = actor.id
        await self.audit.record(
            Actor.of(actor, ip),
            "schedule_proposal.applied",
            "schedule_proposal",
            proposal.id,
            after={"appointments": len(created), "revision": proposal.revision},
        )
        await self.uow.commit()
        self.log_completed(
            "apply", proposal_id=str(proposal.id), appointments=len(created)
        )
        return ApplyResult(
            proposal_id=proposal.id,
            appointment_ids=created,
            jobs_scheduled=len(set(item_ids(body))),
        )

    async def discard(self, proposal_id: uuid.UUID) -> ScheduleProposal:
        """Set a draft aside."""
        proposal, _body = await self._draft(proposal_id)
        proposal.status = ProposalStatus.DISCARDED
        await self.uow.commit()
        self.log_completed("discard", proposal_id=str(proposal.id))
        return proposal

    async def _book_all(
        self, proposal: ScheduleProposal, body: ProposalBody, actor: Actor
    ) -> list[uuid.UUID]:
        booker = Booker(
            self.session, self.settings.tz, self.settings.arrival_window_minutes
        )
        created: list[uuid.UUID] = []
        for route in body.routes:
            for item in route.items:
                appointment = await booker.book(
                    Slot(
                        job_id=item.job_id,
                        planned_start=item.eta,
                        planned_end=item.planned_end,
                        staff_id=route.staff_id,
                        crew_id=route.crew_id,
                        window_start=item.window_start,
                        route_order=item.order,
                        travel_minutes=item.travel_minutes,
                        proposal_id=proposal.id,
                    ),
                    actor_id=actor.user_id,
                )
                await self.audit.record(
                    actor,
                    "appointment.created",
                    "appointment",
                    appointment.id,
                    after=snapshot(appointment),
                )
                created.append(appointment.id)
        return created

    async def _inputs(
        self, start: date, end: date, locked: dict[uuid.UUID, tuple[str, datetime]]
    ) -> Inputs:
        staff = await self.repo.active_staff()
        active = {m.id for m in staff}
        crews = [
            (crew, ids)
            for crew, ids in await self.repo.crews_with_members()
            if set(ids) <= active
        ]
        return await self._complete(
            start, end, staff, crews, await self.repo.approved_jobs(end), locked
        )

    async def _inputs_of(
        self, proposal: ScheduleProposal, body: ProposalBody
    ) -> Inputs:
        return await self._complete(
            proposal.start_date,
            proposal.end_date,
            await self.repo.staff_by_ids(body.staff_ids),
            await self.repo.crews_with_members(body.crew_ids),
            await self.repo.approved_jobs(proposal.end_date, body.job_ids),
            {},
        )

    async def _complete(
        self,
        start: date,
        end: date,
        staff: Sequence[StaffMember],
        crews: list[tuple[Crew, list[uuid.UUID]]],
        jobs: list[JobInput],
        locked: dict[uuid.UUID, tuple[str, datetime]],
    ) -> Inputs:
        away: dict[uuid.UUID, set[date]] = {}
        for entry in await self.repo.time_off(start, end):
            days = days_of(max(start, entry.start_date), min(end, entry.end_date))
            away.setdefault(entry.staff_id, set()).update(days)
        fixed = await self.repo.fixed_visits([m.id for m in staff], start, end)
        return Inputs(
            start=start,
            end=end,
            tz=self.settings.tz,
            staff=staff,
            away=away,
            crews=crews,
            jobs=jobs,
            fixed=fixed,
            locked=locked,
            city_penalty=self.settings.schedule_city_penalty_seconds,
        )

    async def _solve(self, inputs: Inputs) -> ProposalBody:
        built = build(inputs)
        solution = None
        if built.problem is not None:
            options = SolveOptions(time_limit=self.settings.schedule_solve_seconds)
            solution = await self.pool.solve(built.problem, options)
        return assemble(built, inputs, solution, self.settings.arrival_window_minutes)

    async def _draft(
        self, proposal_id: uuid.UUID
    ) -> tuple[ScheduleProposal, ProposalBody]:
        proposal = await self.repo.get(proposal_id, for_update=True)
        if proposal is None:
            raise ProposalNotFound
        if proposal.status is not ProposalStatus.DRAFT:
            raise ProposalNotDraft(proposal)
        return proposal, ProposalBody.model_validate(proposal.body)

    async def _save(
        self, proposal: ScheduleProposal, body: ProposalBody, action: str
    ) -> ScheduleProposal:
        if action != "resolve":
            refresh(body)
        proposal.body = body.model_dump(mode="json")
        proposal.revision += 1
        await self.uow.commit()
        self.log_completed(
            action, proposal_id=str(proposal.id), revision=proposal.revision
        )
        return proposal

    async def _fresh_item(self, job_id: uuid.UUID) -> ProposalItem:
        found = await self.repo.approved_jobs(date.max, [job_id])
        if not found:
            raise ItemNotInProposal
        job = found[0]
        if job.latitude is None or job.longitude is None:
            raise ItemNotInProposal
        now = datetime.now(UTC)
        length = timedelta(minutes=job.job.estimated_minutes)
        return ProposalItem(
            job_id=job_id,
            order=0,
            eta=now,
            planned_end=now + length,
            window_start=now,
            window_end=now,
            travel_minutes=0,
            city=job.city,
            latitude=job.latitude,
            longitude=job.longitude,
            title=job.job.title,
        )
