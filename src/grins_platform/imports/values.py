"""Normalising single spreadsheet values: state, ZIP, zones, system type, email.

Each function returns the clean value or raises ``ValueError`` with a message
fit to show the person who made the spreadsheet.
"""

from __future__ import annotations

import re
from typing import Final

from email_validator import EmailNotValidError
from pydantic.networks import validate_email

MAX_ZONES: Final = 99
_ZIP: Final = re.compile(r"(\d{5})(?:[-\s]?(\d{4}))?")
_EXCEL_NUMBER: Final = re.compile(r"(\d+)\.0+")
_ZIP_WITHOUT_LEADING_ZERO: Final = 4
_ZIP_PLUS4_WITHOUT_LEADING_ZERO: Final = 8

US_STATES: Final[dict[str, str]] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR",
    "california": "CA", "colorado": "CO", "connecticut": "CT", "delaware": "DE",
    "district of columbia": "DC", "florida": "FL", "georgia": "GA", "hawaii": "HI",
    "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI",
    "south carolina": "SC", "south dakota": "SD", "tennessee": "TN", "texas": "TX",
    "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR",
    "minn": "MN", "wis": "WI", "wisc": "WI", "guam": "GU", "virgin islands": "VI",
    "american samoa": "AS", "northern mariana islands": "MP",
}  # fmt: skip
# Every USPS code: the states, DC, territories, freely associated states, military.
STATE_CODES: Final = frozenset(US_STATES.values()) | {
    "FM", "MH", "PW", "AA", "AE", "AP",
}  # fmt: skip

SYSTEM_TYPES: Final[dict[str, str]] = {
    "standard": "standard",
    "std": "standard",
    "city water": "standard",
    "municipal": "standard",
    "well": "standard",
    "lake pump": "lake_pump",
    "lake_pump": "lake_pump",
    "lakepump": "lake_pump",
    "lake": "lake_pump",
    "pump": "lake_pump",
}
"""Spreadsheet wording → the system types of DESIGN §3.2 (standard, lake pump)."""


def normalize_state(text: str) -> str:
    """``"mn"``, ``"Minnesota"`` → ``"MN"``."""
    cleaned = " ".join(text.strip().split()).rstrip(".")
    if cleaned.upper() in STATE_CODES:
        return cleaned.upper()
    code = US_STATES.get(cleaned.lower())
    if code is None:
        raise ValueError("not a US state (use the two-letter code, e.g. MN)")
    return code


def normalize_zip(text: str) -> str:
    """``"55344"``, ``"55344-1234"``, ``"553441234"`` → ``"55344"``/``"55344-1234"``.

    Excel turns ZIPs into numbers: a trailing ``.0`` is dropped and a ZIP that lost
    its leading zero (``"2134"`` for ``"02134"``) gets it back.
    """
    cleaned = text.strip()
    excel = _EXCEL_NUMBER.fullmatch(cleaned)
    if excel:
        cleaned = excel.group(1)
    if cleaned.isdigit() and len(cleaned) in {
        _ZIP_WITHOUT_LEADING_ZERO,
        _ZIP_PLUS4_WITHOUT_LEADING_ZERO,
    }:
        cleaned = "0" + cleaned
    match = _ZIP.fullmatch(cleaned)
    if match is None:
        raise ValueError("ZIP must be 5 digits or ZIP+4 (55344 or 55344-1234)")
    five, four = match.groups()
    return f"{five}-{four}" if four else five


def parse_zone_count(text: str) -> int:
    """A whole number of irrigation zones, 0 to 99 (``"6"``, ``"6.0"``)."""
    cleaned = text.strip()
    excel = _EXCEL_NUMBER.fullmatch(cleaned)
    if excel:
        cleaned = excel.group(1)
    if not cleaned.isdigit():
        raise ValueError(f"zones must be a whole number from 0 to {MAX_ZONES}")
    zones = int(cleaned)
    if zones > MAX_ZONES:
        raise ValueError(f"zones must be a whole number from 0 to {MAX_ZONES}")
    return zones


def normalize_system_type(text: str) -> str:
    """Spreadsheet wording → ``"standard"`` or ``"lake_pump"``."""
    key = " ".join(text.strip().lower().replace("-", " ").split())
    system = SYSTEM_TYPES.get(key)
    if system is None:
        raise ValueError("system type must be 'standard' or 'lake pump'")
    return system


def normalize_email(text: str) -> str:
    """A valid address, lowercased (the way duplicates are compared)."""
    try:
        _, address = validate_email(text.strip())
    except (EmailNotValidError, ValueError) as exc:
        reason = str(exc).removeprefix("value is not a valid email address: ")
        raise ValueError(f"not a valid email address: {reason}") from None
    return address.lower()
