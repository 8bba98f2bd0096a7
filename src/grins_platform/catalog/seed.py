"""Loading the reference catalog (idempotent: existing codes are left as they are)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.catalog.models import Equipment, Offering, Skill
from grins_platform.catalog.reference import EQUIPMENT, OFFERINGS, SKILLS


async def seed_reference_catalog(session: AsyncSession) -> dict[str, int]:
    """Insert the reference skills, equipment and offerings that are missing.

    Returns how many rows of each kind were added. Does not commit.
    """
    added: dict[str, int] = {}
    for label, model, values in (
        ("skills", Skill, SKILLS),
        ("equipment", Equipment, EQUIPMENT),
    ):
        rows = [{"code": code, "name": name} for code, name in values.items()]
        result = await session.execute(
            insert(model).values(rows).on_conflict_do_nothing().returning(model.code)
        )
        added[label] = len(result.all())
    result = await session.execute(
        insert(Offering)
        .values([_offering_row(o) for o in OFFERINGS])
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(Offering.code)
    )
    added["offerings"] = len(result.all())
    return added


def _offering_row(spec: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "base_price_cents": 0,
        "per_zone_price_cents": 0,
        "hourly_rate_cents": 0,
        "minimum_minutes": 0,
        "base_minutes": 60,
        "per_zone_minutes": 0,
        "staff_needed": 1,
        "required_skills": [],
        "required_equipment": [],
        "weather_sensitive": False,
        "lien_eligible": False,
        "photos_required": True,
        "is_active": True,
    }
    row.update(spec)
    return row
