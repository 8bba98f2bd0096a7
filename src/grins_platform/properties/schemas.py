"""Request and response bodies of properties (service locations)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from grins_platform.imports.values import normalize_state, normalize_zip
from grins_platform.jobs.schemas import JobSummary
from grins_platform.properties.models import (
    GeoSource,
    Property,
    PropertyType,
    SystemType,
)


def _zip(value: str | None) -> str | None:
    return normalize_zip(value) if value is not None else None


def _state(value: str | None) -> str | None:
    return normalize_state(value) if value is not None else None


Zip = Annotated[
    str | None,
    Field(max_length=10, description="55344 or 55344-1234"),
    AfterValidator(_zip),
]
State = Annotated[str | None, Field(max_length=30), AfterValidator(_state)]
AccessCode = Annotated[
    str | None, Field(max_length=100, description="stored encrypted; shown to office")
]


class PropertySort(StrEnum):
    """Whitelisted orders; a leading ``-`` sorts descending. Ties go by id."""

    ADDRESS = "address"
    ADDRESS_DESC = "-address"
    CREATED = "created_at"
    CREATED_DESC = "-created_at"


class _PropertyFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    property_type: PropertyType | None = None
    is_hoa: bool | None = None
    zone_count: int | None = Field(default=None, ge=0, le=99)
    system_type: SystemType | None = None
    controller_make: str | None = Field(default=None, max_length=80)
    controller_model: str | None = Field(default=None, max_length=80)
    controller_location: str | None = Field(default=None, max_length=200)
    backflow_type: str | None = Field(default=None, max_length=80)
    backflow_serial: str | None = Field(default=None, max_length=80)
    backflow_last_test: date | None = None
    backflow_next_test_due: date | None = None
    gate_code: AccessCode = None
    lockbox_code: AccessCode = None
    has_dogs: bool | None = None
    access_instructions: str | None = Field(default=None, max_length=2000)
    notes: str | None = Field(default=None, max_length=10_000)


class PropertyCreate(_PropertyFields):
    """A new service location; the customer's first one becomes primary.

    Coordinates entered by hand win; otherwise the address is geocoded (ZIP centre
    as the fallback).
    """

    address: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    state: State = "MN"
    zip_code: Annotated[
        str,
        Field(max_length=10, description="55344 or 55344-1234"),
        AfterValidator(normalize_zip),
    ]
    is_primary: bool = Field(default=False, description="make this the primary one")


class PropertyUpdate(_PropertyFields):
    """Fields to change; unset fields stay as they are."""

    address: str | None = Field(default=None, min_length=1, max_length=200)
    city: str | None = Field(default=None, min_length=1, max_length=100)
    state: State = None
    zip_code: Zip = None

    @field_validator(
        "address",
        "city",
        "state",
        "zip_code",
        "property_type",
        "is_hoa",
        "system_type",
        "has_dogs",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class PropertyRead(BaseModel):
    """A property; access codes only for those allowed to see them."""

    id: uuid.UUID
    customer_id: uuid.UUID
    is_primary: bool
    address: str
    city: str
    state: str
    zip_code: str
    latitude: float | None
    longitude: float | None
    geo_source: GeoSource | None
    property_type: PropertyType
    is_hoa: bool
    zone_count: int | None
    system_type: SystemType
    controller_make: str | None
    controller_model: str | None
    controller_location: str | None
    backflow_type: str | None
    backflow_serial: str | None
    backflow_last_test: date | None
    backflow_next_test_due: date | None
    has_gate_code: bool
    has_lockbox_code: bool
    access_codes_visible: bool = Field(
        description="false: gate_code and lockbox_code are withheld (null)"
    )
    gate_code: str | None
    lockbox_code: str | None
    has_dogs: bool
    access_instructions: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_property(cls, prop: Property, *, show_codes: bool) -> PropertyRead:
        """The API view of ``prop``; codes withheld unless ``show_codes``."""
        values = {name: getattr(prop, name) for name in _READ_COLUMNS}
        return cls(
            **values,
            has_gate_code=prop.gate_code is not None,
            has_lockbox_code=prop.lockbox_code is not None,
            access_codes_visible=show_codes,
            gate_code=prop.gate_code if show_codes else None,
            lockbox_code=prop.lockbox_code if show_codes else None,
        )


_READ_COLUMNS: tuple[str, ...] = tuple(
    name
    for name in PropertyRead.model_fields
    if name
    not in {
        "has_gate_code",
        "has_lockbox_code",
        "access_codes_visible",
        "gate_code",
        "lockbox_code",
    }
)


class PropertyHistoryRead(BaseModel):
    """A property and what happened there (jobs now; visits and photos later)."""

    property: PropertyRead
    jobs: list[JobSummary] = Field(description="newest first (up to 200)")
