"""Unit of work: the service commits once per use case, then runs after-commit work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.core.log_config import get_logger

log = get_logger(__name__)

AfterCommit = Callable[[], Awaitable[None]]


class UnitOfWork:
    """Wraps the request's session; ``commit()`` then runs the after-commit callbacks.

    Side effects that must only happen once data is saved (cache invalidation, a wake-up
    for the worker) are registered with ``after_commit`` and run after a successful
    commit; a failing callback is logged, never turned into a failed request.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._after_commit: list[AfterCommit] = []
        self._every_commit: list[AfterCommit] = []

    def after_commit(self, callback: AfterCommit) -> None:
        """Run ``callback`` once the current transaction has committed."""
        self._after_commit.append(callback)

    def after_every_commit(self, callback: AfterCommit) -> None:
        """Run ``callback`` after each successful commit of this unit of work."""
        self._every_commit.append(callback)

    async def commit(self) -> None:
        """Commit, then run (and clear) the after-commit callbacks."""
        await self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in [*callbacks, *self._every_commit]:
            try:
                await callback()
            except Exception as exc:  # noqa: BLE001 - after-commit work must not fail the use case
                log.warning(
                    "database.uow.after_commit_failed", error=type(exc).__name__
                )

    async def rollback(self) -> None:
        """Roll back and forget the pending callbacks."""
        self._after_commit.clear()
        await self.session.rollback()
