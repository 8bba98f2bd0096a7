"""Where the demo customers live: Twin Cities ZIP codes, weighted towards the suburbs.

Irrigation customers are mostly in the lawn-heavy suburbs; the two cities carry a
smaller share. Coordinates come from the ZIP centroid table the geocoder ships with.
"""

from __future__ import annotations

from typing import Final

# (ZIP, city, relative weight)
TWIN_CITIES_ZIPS: Final[tuple[tuple[str, str, int], ...]] = (
    ("55344", "Eden Prairie", 6),
    ("55346", "Eden Prairie", 5),
    ("55347", "Eden Prairie", 5),
    ("55305", "Minnetonka", 4),
    ("55343", "Minnetonka", 3),
    ("55345", "Minnetonka", 4),
    ("55441", "Plymouth", 4),
    ("55446", "Plymouth", 5),
    ("55447", "Plymouth", 5),
    ("55311", "Maple Grove", 6),
    ("55369", "Maple Grove", 5),
    ("55443", "Brooklyn Park", 3),
    ("55445", "Brooklyn Park", 3),
    ("55424", "Edina", 3),
    ("55435", "Edina", 2),
    ("55436", "Edina", 3),
    ("55439", "Edina", 3),
    ("55420", "Bloomington", 2),
    ("55431", "Bloomington", 3),
    ("55437", "Bloomington", 3),
    ("55438", "Bloomington", 3),
    ("55337", "Burnsville", 3),
    ("55124", "Apple Valley", 4),
    ("55044", "Lakeville", 5),
    ("55121", "Eagan", 2),
    ("55122", "Eagan", 3),
    ("55123", "Eagan", 4),
    ("55125", "Woodbury", 5),
    ("55129", "Woodbury", 4),
    ("55113", "Roseville", 2),
    ("55449", "Blaine", 3),
    ("55448", "Coon Rapids", 2),
    ("55391", "Wayzata", 4),
    ("55317", "Chanhassen", 5),
    ("55379", "Shakopee", 3),
    ("55372", "Prior Lake", 4),
    ("55374", "Rogers", 4),
    ("55422", "Golden Valley", 2),
    ("55426", "St. Louis Park", 2),
    ("55082", "Stillwater", 3),
    ("55110", "White Bear Lake", 3),
    ("55410", "Minneapolis", 2),
    ("55419", "Minneapolis", 2),
    ("55417", "Minneapolis", 1),
    ("55105", "St. Paul", 1),
    ("55116", "St. Paul", 1),
)

AREA_CODES: Final = ("612", "651", "763", "952")
STREET_SUFFIXES: Final = ("St", "Ave", "Ln", "Dr", "Ct", "Rd", "Cir", "Way", "Trl")
CONTROLLERS: Final = (
    ("Hunter", "Pro-C"),
    ("Hunter", "X-Core"),
    ("Hunter", "Hydrawise HPC"),
    ("Rain Bird", "ESP-TM2"),
    ("Rain Bird", "ESP-Me3"),
    ("Rachio", "3"),
    ("Orbit", "B-hyve"),
)
CONTROLLER_SPOTS: Final = ("garage", "basement", "utility room", "side of house")
BACKFLOW_TYPES: Final = ("PVB", "RPZ", "DCVA")
LEAD_SOURCES: Final = (
    "referral",
    "website",
    "google",
    "yard_sign",
    "nextdoor",
    "repeat",
)
EMAIL_DOMAINS: Final = ("example.com", "example.net", "example.org")
