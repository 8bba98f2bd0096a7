"""Matching a spreadsheet's header names to our fields.

Names are compared without case, spaces or punctuation, so "E-mail", "EMAIL",
" Email Address " and "email_address" are one column. A leading "customer",
"client", "primary", "property" or "service" is ignored ("Customer Phone",
"Service Address"). ``phone`` and ``notes`` may come from several columns (Phone,
Mobile, Work Phone; Notes, Comments); for every other field the first matching
column wins and later ones are listed as ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from grins_platform.imports.csv_stream import ImportFileError

HEADER_SEARCH_ROWS: Final = 10
_MIN_HEADER_MATCHES: Final = 2
_NOT_ALNUM: Final = re.compile(r"[^a-z0-9]+")
_PREFIXES: Final = ("customer", "client", "primary", "property", "service", "main")

ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "name": (
        "name", "customername", "fullname", "client", "clientname", "customer",
        "contactname", "contact", "homeowner", "ownername", "owner",
    ),
    "first_name": ("firstname", "first", "fname", "givenname"),
    "last_name": ("lastname", "last", "lname", "surname", "familyname"),
    "phone": (
        "phone", "phonenumber", "phoneno", "phonenum", "phone1", "phone2", "mobile",
        "mobilephone", "mobilenumber", "cell", "cellphone", "cellnumber",
        "homephone", "workphone", "officephone", "telephone", "tel", "altphone",
        "alternatephone", "secondaryphone", "otherphone", "contactphone",
    ),
    "email": ("email", "emailaddress", "mail", "email1", "emailaddr"),
    "address": (
        "address", "street", "streetaddress", "address1", "addressline1", "addr",
        "streetaddress1", "location", "siteaddress",
    ),
    "address2": ("address2", "addressline2", "streetaddress2", "apt", "unit", "suite"),
    "city": ("city", "town", "municipality", "cityname"),
    "state": ("state", "st", "province", "stateprovince", "region"),
    "zip_code": (
        "zip", "zipcode", "postalcode", "postcode", "zippostalcode", "zip5",
        "postal", "zipcode5",
    ),
    "zone_count": (
        "zones", "zonecount", "numberofzones", "noofzones", "numzones", "zone",
        "irrigationzones", "zonesqty", "zonecnt", "nzones", "zonenumber",
    ),
    "system_type": ("systemtype", "system", "irrigationsystem", "irrigationtype"),
    "lead_source": (
        "leadsource", "source", "referral", "referralsource", "referredby",
        "howdidyouhearaboutus", "howdidyouhear", "howheard", "lead",
    ),
    "gate_code": ("gatecode", "gate", "gatecombo", "gateaccess", "gatecodes"),
    "lockbox_code": ("lockbox", "lockboxcode", "keybox", "keyboxcode", "lockboxcombo"),
    "notes": (
        "notes", "note", "comments", "comment", "remarks", "specialinstructions",
        "instructions", "memo", "description", "accessnotes",
    ),
}  # fmt: skip
MULTI_COLUMN_FIELDS: Final = frozenset({"phone", "notes"})
_LOOKUP: Final[dict[str, str]] = {
    alias: name for name, aliases in ALIASES.items() for alias in aliases
}


def header_key(header: str) -> str:
    """A header name reduced to lowercase letters and digits."""
    return _NOT_ALNUM.sub("", header.lower())


def field_for(header: str) -> str | None:
    """Our field for a header name, or ``None`` when it is not one of ours."""
    key = header_key(header)
    if key in _LOOKUP:
        return _LOOKUP[key]
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key[len(prefix) :] in _LOOKUP:
            return _LOOKUP[key[len(prefix) :]]
    return None


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which columns feed which field, and the header cells that were not used."""

    fields: dict[str, tuple[int, ...]]
    headers: tuple[str, ...]
    ignored: tuple[str, ...]

    def has(self, name: str) -> bool:
        """Whether some column feeds ``name``."""
        return name in self.fields


def match_columns(headers: Sequence[str]) -> ColumnMap:
    """Map header cells to fields.

    Raises:
        ImportFileError: No column for the name, for a phone or email, or for the
            street address; the message names what is missing.
    """
    fields: dict[str, list[int]] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        name = field_for(header)
        if name is None or (name in fields and name not in MULTI_COLUMN_FIELDS):
            if header.strip():
                ignored.append(header.strip())
            continue
        fields.setdefault(name, []).append(index)
    columns = ColumnMap(
        {name: tuple(indexes) for name, indexes in fields.items()},
        tuple(headers),
        tuple(ignored),
    )
    _require(columns)
    return columns


def _require(columns: ColumnMap) -> None:
    missing: list[str] = []
    if not columns.has("name") and not (
        columns.has("first_name") or columns.has("last_name")
    ):
        missing.append("a name (Name, Customer Name, or First/Last Name)")
    if not (columns.has("phone") or columns.has("email")):
        missing.append("a phone or email (Phone, Mobile, Cell, Email)")
    if not columns.has("address"):
        missing.append("a street address (Address, Street, Street Address)")
    if missing:
        raise ImportFileError("no column for " + "; ".join(missing))


def find_header(
    records: Iterable[tuple[int, list[str]]],
) -> tuple[int, list[str]]:
    """The header: the first of the first rows naming at least two of our fields.

    Title rows above the header ("Customer list 2024") are skipped.

    Raises:
        ImportFileError: No such row in the first ``HEADER_SEARCH_ROWS`` rows.
    """
    seen = 0
    for row_number, cells in records:
        if not any(cells):
            continue
        if len({field_for(c) for c in cells} - {None}) >= _MIN_HEADER_MATCHES:
            return row_number, cells
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    raise ImportFileError(
        "no header row found: the first row should name the columns "
        "(Name, Phone, Email, Address, City, ZIP, ...)"
    )
