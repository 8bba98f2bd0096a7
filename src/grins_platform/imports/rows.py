"""Validating one spreadsheet row into an ``ImportRow`` or its ``RowError``s.

Required for a customer of an irrigation business:

* a **name** (a Name column, or First and Last Name joined);
* a **phone or an email**, so the office can reach them;
* a **street address** and a **city or ZIP**: a visit needs a place to drive to, and
  either one pins the street down (and the ZIP alone gives a map position).

Everything else is optional but, when present, must be valid: a bad value rejects
the row instead of being dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

from grins_platform.core.phones import InvalidPhoneNumber, normalize_phone
from grins_platform.imports.columns import ColumnMap
from grins_platform.imports.values import (
    normalize_email,
    normalize_state,
    normalize_system_type,
    normalize_zip,
    parse_zone_count,
)

T = TypeVar("T")

MAX_LENGTHS: Final[dict[str, int]] = {
    "name": 200,
    "address": 300,
    "city": 100,
    "lead_source": 100,
    "gate_code": 100,
    "lockbox_code": 100,
    "notes": 10_000,
}
# "123 Main St, Plymouth, MN 55447" typed into the one Address cell.
_FULL_ADDRESS: Final = re.compile(
    r"(?P<street>[^,]+),\s*(?P<city>[^,]+?),?\s+(?P<state>[A-Za-z]{2})\.?,?\s+"
    r"(?P<zip>\d{5}(?:-\d{4})?)"
)


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row was rejected: its spreadsheet row number, our field, the reason."""

    row_number: int
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A valid row, normalised: phones E.164, email lowercased, ZIP 5 or ZIP+4.

    Access codes are left out of the ``repr`` so a row printed or logged by
    mistake does not show them.
    """

    row_number: int
    name: str
    phone: str | None
    alt_phone: str | None
    email: str | None
    address: str
    city: str | None
    state: str | None
    zip_code: str | None
    zone_count: int | None = None
    system_type: str | None = None
    lead_source: str | None = None
    gate_code: str | None = field(default=None, repr=False)
    lockbox_code: str | None = field(default=None, repr=False)
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that cannot be imported, with every reason found."""

    row_number: int
    errors: tuple[RowError, ...]


class _Row:
    """Reads the cells of one record and collects its errors."""

    def __init__(
        self, row_number: int, cells: Sequence[str], columns: ColumnMap
    ) -> None:
        self.row_number = row_number
        self.cells = cells
        self.columns = columns
        self.errors: list[RowError] = []

    def values(self, name: str) -> list[str]:
        cells = self.cells
        indexes = self.columns.fields.get(name, ())
        return [cells[i] for i in indexes if i < len(cells) and cells[i]]

    def text(self, name: str, *, joiner: str = " ") -> str | None:
        values = self.values(name)
        joined = joiner.join(values) if values else None
        limit = MAX_LENGTHS.get(name)
        if joined is not None and limit is not None and len(joined) > limit:
            self.error(name, f"longer than {limit} characters")
        return joined

    def error(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.row_number, name, message))

    def checked(self, name: str, parse: Callable[[str], T]) -> T | None:
        return self.parsed(name, self.text(name), parse)

    def parsed(self, name: str, raw: str | None, parse: Callable[[str], T]) -> T | None:
        if raw is None:
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            self.error(name, str(exc))
            return None

    def name(self) -> str | None:
        name = self.text("name")
        if name is None:
            parts = self.values("first_name") + self.values("last_name")
            name = " ".join(parts) or None
        if name is None:
            self.error("name", "a name is required")
            return None
        return " ".join(name.split())

    def phones(self) -> list[str]:
        phones: list[str] = []
        for raw in self.values("phone"):
            try:
                phone = normalize_phone(raw)
            except InvalidPhoneNumber as exc:
                self.error("phone", exc.reason)
                continue
            if phone not in phones:
                phones.append(phone)
        if len(phones) > 2:  # noqa: PLR2004 - a phone and one alternate
            self.error("phone", "more than two different phone numbers")
        return phones


@dataclass(frozen=True, slots=True)
class _Place:
    address: str | None
    city: str | None
    state: str | None
    zip_code: str | None


def _place(row: _Row) -> _Place:
    address = row.text("address")
    extra = row.text("address2")
    city, state, zip_code = row.text("city"), row.text("state"), row.text("zip_code")
    if address and city is None and zip_code is None:
        whole = _FULL_ADDRESS.fullmatch(address)
        if whole:
            address, city = whole["street"].strip(), whole["city"].strip()
            state, zip_code = state or whole["state"], whole["zip"]
    if address and extra:
        address = f"{address} {extra}"
    if address is None:
        row.error("address", "a street address is required")
    if city is None and zip_code is None:
        row.error("city", "a city or ZIP is required")
    return _Place(
        address=address,
        city=" ".join(city.split()) if city else None,
        state=row.parsed("state", state, normalize_state),
        zip_code=row.parsed("zip_code", zip_code, normalize_zip),
    )


def _contact(row: _Row) -> tuple[list[str], str | None]:
    phones = row.phones()
    email = row.checked("email", normalize_email)
    reported = any(e.field in {"phone", "email"} for e in row.errors)
    if not phones and email is None and not reported:
        row.error("phone", "a phone or an email is required")
    return phones, email


def validate_row(
    row_number: int, cells: Sequence[str], columns: ColumnMap
) -> ImportRow | RejectedRow:
    """Validate one record (cells already stripped) against the column map."""
    row = _Row(row_number, cells, columns)
    name = row.name()
    phones, email = _contact(row)
    place = _place(row)
    zone_count = row.checked("zone_count", parse_zone_count)
    system_type = row.checked("system_type", normalize_system_type)
    lead_source = row.text("lead_source")
    gate_code, lockbox_code = row.text("gate_code"), row.text("lockbox_code")
    notes = row.text("notes", joiner="\n")
    if row.errors or name is None or place.address is None:
        return RejectedRow(row_number, tuple(row.errors))
    return ImportRow(
        row_number=row_number,
        name=name,
        phone=phones[0] if phones else None,
        alt_phone=phones[1] if len(phones) > 1 else None,
        email=email,
        address=place.address,
        city=place.city,
        state=place.state,
        zip_code=place.zip_code,
        zone_count=zone_count,
        system_type=system_type,
        lead_source=lead_source,
        gate_code=gate_code,
        lockbox_code=lockbox_code,
        notes=notes,
    )
