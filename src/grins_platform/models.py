"""Every ORM model imported in one place, so Alembic and tests see the whole schema."""

from __future__ import annotations

from grins_platform.db.base import Base

metadata = Base.metadata

__all__ = ["Base", "metadata"]
