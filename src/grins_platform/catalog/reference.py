"""The reference catalog of DESIGN.md §3.4, loadable with ``grins seed catalog``."""

from __future__ import annotations

from typing import Any, Final

from grins_platform.catalog.models import OfferingCategory as C
from grins_platform.catalog.models import PricingModel as P

SKILLS: Final = {
    "backflow_certified": "Backflow tester (certified)",
    "installation": "System installation",
    "electrical": "Controller and valve wiring",
    "lake_pump": "Lake pump systems",
}
EQUIPMENT: Final = {
    "compressor": "Air compressor (winterizations)",
    "pipe_puller": "Vibratory pipe puller",
    "trailer": "Equipment trailer",
    "skid_steer": "Skid steer",
}

OFFERINGS: Final[list[dict[str, Any]]] = [
    {
        "code": "spring_startup",
        "name": "Spring start-up",
        "category": C.SEASONAL,
        "pricing_model": P.PER_ZONE,
        "base_price_cents": 5000,
        "per_zone_price_cents": 1000,
        "base_minutes": 30,
        "per_zone_minutes": 3,
        "weather_sensitive": True,
    },
    {
        "code": "summer_tuneup",
        "name": "Summer tune-up",
        "category": C.SEASONAL,
        "pricing_model": P.PER_ZONE,
        "base_price_cents": 5000,
        "per_zone_price_cents": 1000,
        "base_minutes": 30,
        "per_zone_minutes": 3,
    },
    {
        "code": "fall_winterization",
        "name": "Fall winterization",
        "category": C.SEASONAL,
        "pricing_model": P.PER_ZONE,
        "base_price_cents": 6000,
        "per_zone_price_cents": 1200,
        "base_minutes": 25,
        "per_zone_minutes": 2,
        "required_equipment": ["compressor"],
        "photos_required": False,
    },
    {
        "code": "head_replacement",
        "name": "Sprinkler head replacement",
        "category": C.REPAIR,
        "pricing_model": P.FLAT,
        "base_price_cents": 5000,
        "base_minutes": 30,
    },
    {
        "code": "diagnostic",
        "name": "Diagnostic visit",
        "category": C.DIAGNOSTIC,
        "pricing_model": P.HOURLY,
        "hourly_rate_cents": 10000,
        "minimum_minutes": 60,
        "base_minutes": 60,
    },
    {
        "code": "backflow_test",
        "name": "Backflow test",
        "category": C.REPAIR,
        "pricing_model": P.FLAT,
        "base_price_cents": 9000,
        "base_minutes": 30,
        "required_skills": ["backflow_certified"],
        "photos_required": False,
    },
    {
        "code": "new_system",
        "name": "New irrigation system",
        "category": C.INSTALLATION,
        "pricing_model": P.CUSTOM,
        "per_zone_price_cents": 70000,
        "base_minutes": 240,
        "per_zone_minutes": 60,
        "staff_needed": 3,
        "required_skills": ["installation"],
        "required_equipment": ["pipe_puller", "trailer"],
        "weather_sensitive": True,
        "lien_eligible": True,
    },
]
