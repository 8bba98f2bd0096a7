"""Demo customers, their consent ledger and their properties (rows in COPY order)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from faker import Faker

from grins_platform.core.crypto import get_cipher
from grins_platform.demo.places import (
    AREA_CODES,
    BACKFLOW_TYPES,
    CONTROLLER_SPOTS,
    CONTROLLERS,
    EMAIL_DOMAINS,
    LEAD_SOURCES,
    STREET_SUFFIXES,
    TWIN_CITIES_ZIPS,
)
from grins_platform.demo.plan import DemoOptions, at, new_id, pick_weighted
from grins_platform.geocoding import ZipCentroidGeocoder

Row = tuple[Any, ...]
CUSTOMER_COLUMNS: Final = (
    "id", "name", "company", "phone", "alt_phone", "email", "preferred_channel",
    "is_priority", "is_red_flag", "is_slow_payer", "is_active", "lead_source",
    "created_at", "updated_at",
)  # fmt: skip
CONSENT_COLUMNS: Final = (
    "id", "customer_id", "channel", "purpose", "granted", "source",
    "wording_version", "recorded_at",
)  # fmt: skip
PROPERTY_COLUMNS: Final = (
    "id", "customer_id", "is_primary", "address", "city", "state", "zip_code",
    "latitude", "longitude", "geo_source", "property_type", "is_hoa", "zone_count",
    "system_type", "controller_make", "controller_model", "controller_location",
    "backflow_type", "backflow_serial", "backflow_last_test", "backflow_next_test_due",
    "gate_code", "lockbox_code", "has_dogs", "access_instructions",
    "created_at", "updated_at",
)  # fmt: skip
JOIN_SEASON_WEIGHTS: Final = (0.45, 0.15, 0.14, 0.13, 0.13)
"""Which season a customer joined in: a base at the start, then steady growth."""
_JITTER_DEG: Final = 0.012


@dataclass(frozen=True, slots=True)
class Place:
    """A ZIP with its city and centroid."""

    zip_code: str
    city: str
    lat: float
    lon: float


@dataclass(slots=True)
class PropertyRef:
    """What job generation needs to know about a property."""

    id: uuid.UUID
    customer_id: uuid.UUID
    joined: int
    zone_count: int
    lake_pump: bool
    backflow: bool
    since: datetime


@dataclass(slots=True)
class People:
    """Generated rows plus the property references for the jobs."""

    customers: list[Row] = field(default_factory=list[Row])
    consents: list[Row] = field(default_factory=list[Row])
    properties: list[Row] = field(default_factory=list[Row])
    refs: list[PropertyRef] = field(default_factory=list["PropertyRef"])


def places() -> list[tuple[Place, float]]:
    """The Twin Cities ZIPs that have a centroid, with their weights."""
    geocoder = ZipCentroidGeocoder()
    found: list[tuple[Place, float]] = []
    for zip_code, city, weight in TWIN_CITIES_ZIPS:
        point = geocoder.lookup(zip_code)
        if point is not None:
            found.append((Place(zip_code, city, point.lat, point.lon), weight))
    return found


def unique_phones(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct, valid-looking Twin Cities numbers in E.164."""
    seen: set[str] = set()
    while len(seen) < count:
        exchange = rng.randint(200, 999)
        if exchange % 100 == 11 or exchange == 555:  # noqa: PLR2004 - N11 and 555
            continue
        seen.add(f"+1{rng.choice(AREA_CODES)}{exchange}{rng.randint(0, 9999):04d}")
    phones = sorted(seen)
    rng.shuffle(phones)
    return phones


def joined_at(
    rng: random.Random, joined: int, years: list[int], tz: ZoneInfo
) -> datetime:
    """When a customer who joined in season index ``joined`` was created.

    Customers sign up over the winter before their first season (the founding base
    over the two years before the data starts), so their work always comes later.
    """
    year = years[joined]
    start = date(year - 2, 4, 1) if joined == 0 else date(year - 1, 9, 1)
    span = (date(year, 2, 28) - start).days
    day = start + timedelta(days=rng.randrange(span))
    return at(day, rng.randint(8 * 60, 18 * 60), tz)


def make_people(
    options: DemoOptions, years: list[int], rng: random.Random, fake: Faker
) -> People:
    """Customers (with consents) and 1-3 properties each."""
    people = People()
    spots = places()
    size = options.size
    phones = unique_phones(rng, size.customers + size.customers // 10)
    extra_phones = phones[size.customers :]
    for index in range(size.customers):
        joined = pick_weighted(rng, tuple(enumerate(JOIN_SEASON_WEIGHTS)))
        created = joined_at(rng, joined, years, options.tz)
        alt = extra_phones.pop() if extra_phones and rng.random() < 0.1 else None  # noqa: PLR2004
        customer = _customer(rng, fake, index, phones[index], alt, created)
        people.customers.append(customer)
        people.consents.extend(_consents(rng, customer, created))
        for number in range(_property_count(rng)):
            place = pick_weighted(rng, spots)
            row, ref = _property(rng, fake, customer[0], number, place, created)
            ref.joined = joined
            people.properties.append(row)
            people.refs.append(ref)
    return people


def _property_count(rng: random.Random) -> int:
    roll = rng.random()
    return 1 if roll < 0.78 else 2 if roll < 0.97 else 3  # noqa: PLR2004


def _customer(
    rng: random.Random,
    fake: Faker,
    index: int,
    phone: str,
    alt_phone: str | None,
    created: datetime,
) -> Row:
    first, last = fake.first_name(), fake.last_name()
    company = (
        f"{last} {rng.choice(('Properties', 'HOA', 'Holdings'))}"
        if rng.random() < 0.05  # noqa: PLR2004
        else None
    )
    email = None
    if rng.random() < 0.85:  # noqa: PLR2004
        email = f"{first}.{last}{index}@{rng.choice(EMAIL_DOMAINS)}".lower()
    channel = pick_weighted(rng, (("sms", 0.7), ("email", 0.2), ("phone", 0.1)))
    if channel == "email" and email is None:
        channel = "sms"
    return (
        new_id(rng), f"{first} {last}", company, phone, alt_phone, email, channel,
        rng.random() < 0.05, rng.random() < 0.01, rng.random() < 0.03,  # noqa: PLR2004
        rng.random() < 0.97, rng.choice(LEAD_SOURCES), created, created,  # noqa: PLR2004
    )  # fmt: skip


def _consents(rng: random.Random, customer: Row, created: datetime) -> list[Row]:
    customer_id, email = customer[0], customer[5]
    source = rng.choice(("web_form", "phone", "office"))
    rows: list[Row] = [
        (
            new_id(rng),
            customer_id,
            "sms",
            "transactional",
            True,
            source,
            "sms-v1",
            created,
        )
    ]
    if email is not None and rng.random() < 0.3:  # noqa: PLR2004
        rows.append(
            (
                new_id(rng),
                customer_id,
                "email",
                "marketing",
                True,
                source,
                "email-v1",
                created,
            )
        )
    if rng.random() < 0.04:  # noqa: PLR2004 - later texted STOP
        later = created + timedelta(days=rng.randint(30, 900))
        rows.append(
            (
                new_id(rng),
                customer_id,
                "sms",
                "transactional",
                False,
                "inbound_sms",
                None,
                later,
            )
        )
    return rows


def _property(
    rng: random.Random,
    fake: Faker,
    customer_id: uuid.UUID,
    number: int,
    place: Place,
    created: datetime,
) -> tuple[Row, PropertyRef]:
    commercial = rng.random() < 0.05  # noqa: PLR2004
    zones = rng.randint(12, 40) if commercial else round(rng.triangular(3, 18, 8))
    lake_pump = rng.random() < 0.04  # noqa: PLR2004
    make, model = rng.choice(CONTROLLERS)
    backflow = _backflow(rng, created)
    street = f"{fake.last_name()} {rng.choice(STREET_SUFFIXES)}"
    address = f"{rng.randint(100, 19999)} {street}"
    has_note = rng.random() < 0.1  # noqa: PLR2004
    access = "Side gate; call on arrival" if has_note else None
    row = (
        new_id(rng), customer_id, number == 0, address, place.city, "MN",
        place.zip_code,
        round(place.lat + rng.gauss(0, _JITTER_DEG), 6),
        round(place.lon + rng.gauss(0, _JITTER_DEG), 6),
        "zip_centroid", "commercial" if commercial else "residential",
        rng.random() < 0.08, zones, "lake_pump" if lake_pump else "standard",  # noqa: PLR2004
        make, model, rng.choice(CONTROLLER_SPOTS), *backflow,
        _secret(rng, 0.05, "properties.gate_code"),
        _secret(rng, 0.02, "properties.lockbox_code"),
        rng.random() < 0.15, access,  # noqa: PLR2004
        created + timedelta(days=number * 200), created + timedelta(days=number * 200),
    )  # fmt: skip
    ref = PropertyRef(
        row[0], customer_id, 0, zones, lake_pump, backflow[0] is not None, row[-2]
    )
    return row, ref


def _backflow(rng: random.Random, created: datetime) -> Row:
    if rng.random() >= 0.3:  # noqa: PLR2004
        return (None, None, None, None)
    last = created.date() + timedelta(days=rng.randint(30, 700))
    serial = f"{rng.choice(('FB', 'WT', 'ZU'))}{rng.randint(100000, 999999)}"
    return (rng.choice(BACKFLOW_TYPES), serial, last, last + timedelta(days=365))


def _secret(rng: random.Random, share: float, column: str) -> str | None:
    """A code for ``share`` of the rows, encrypted exactly as the ORM column would."""
    if rng.random() >= share:
        return None
    code = f"{rng.randint(0, 9999):04d}"
    return get_cipher().encrypt(code, associated_data=column)
