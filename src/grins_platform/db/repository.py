"""Repository base: all SQL lives in repositories, and repositories never commit."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.db.base import Base

ModelT = TypeVar("ModelT", bound=Base)


@functools.cache
def _by_id(model: type[Base], *, for_update: bool) -> Select[Any]:
    """``SELECT`` one row of ``model`` by id, built once per model."""
    stmt: Select[Any] = select(model).where(
        model.id == bindparam("entity_id")  # type: ignore[attr-defined]
    )
    if for_update:
        # Re-read after locking: an object already in the session is refreshed.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return stmt


class Repository(Generic[ModelT]):
    """Common data access for one model. Subclasses set ``model``.

    Statements are logged (with duration) by the engine's query logging, so every
    repository gets the seed's query logging without doing anything.
    """

    model: ClassVar[type[Base]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, entity_id: uuid.UUID, *, for_update: bool = False
    ) -> ModelT | None:
        """The row with this id, optionally locked ``FOR UPDATE``."""
        result = await self.session.execute(
            _by_id(self.model, for_update=for_update), {"entity_id": entity_id}
        )
        row: ModelT | None = result.scalar_one_or_none()
        return row

    async def add(self, entity: ModelT) -> ModelT:
        """Stage a new row and flush it so defaults and constraints apply now."""
        self.session.add(entity)
        await self.session.flush()
        return entity

    async def delete(self, entity: ModelT) -> None:
        """Delete a row (soft deletes are the subclass's business)."""
        await self.session.delete(entity)
        await self.session.flush()

    async def count(self, stmt: Select[Any]) -> int:
        """Rows ``stmt`` would return."""
        total = await self.session.scalar(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
        return int(total or 0)

    async def page_and_total(
        self, stmt: Select[Any], *, limit: int, offset: int
    ) -> tuple[Sequence[ModelT], int]:
        """One page of ``stmt`` and its total row count, in one statement.

        ``count(*) OVER ()`` makes PostgreSQL find the matches once instead of twice
        (page, then count). Meant for selective filters such as a search; for an
        unfiltered list ``page`` + ``count`` is cheaper (index order, index-only
        count). A page past the end has no row to carry the total: it is counted.
        """
        counted = stmt.add_columns(func.count().over().label("total_rows"))
        result = await self.session.execute(counted.limit(limit).offset(offset))
        rows = result.all()
        if rows:
            entities: list[ModelT] = [row[0] for row in rows]
            return entities, int(rows[0][-1])
        if offset == 0:
            return [], 0
        return [], await self.count(stmt)

    async def page(
        self, stmt: Select[Any], *, limit: int, offset: int
    ) -> Sequence[ModelT]:
        """One page of ``stmt``'s rows."""
        result = await self.session.execute(stmt.limit(limit).offset(offset))
        rows: Sequence[ModelT] = result.scalars().all()
        return rows
