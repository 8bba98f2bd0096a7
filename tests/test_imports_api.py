"""Spreadsheet import (dry run, all-or-nothing) and export, through the API and
the CLI's import function."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.core.config import Settings
from grins_platform.customers.models import Customer
from grins_platform.imports.cli import report, run_import
from grins_platform.properties.models import Property
from grins_platform.users.models import Role
from tests.conftest import LogCapture, remember_secret
from tests.factories import LoggedIn, logged_in, make_customer, make_property

pytestmark = pytest.mark.api
IMPORT = "/api/v1/imports/customers"
GATE = remember_secret("GATE-31337#")
HEADER = "Customer Name,Mobile,E-mail,Street Address,City,Zip,Zones,Gate Code,Notes\n"
GOOD = (
    HEADER
    + f"Ann Able,(612) 555-0501,ann@example.com,1 Oak Ave,Rogers,55374,6,{GATE},dog\n"
    + "Ben Best,763.555.0502,,2 Elm St,Plymouth,55447,4,,\n"
)
BAD = (
    HEADER
    + "Ann Able,(612) 555-0501,ann@example.com,1 Oak Ave,Rogers,55374,6,,\n"
    + "Bad Phone,555-01,,3 Pine Rd,Rogers,55374,,,\n"
    + "No Address,612-555-0503,,,Rogers,55374,,,\n"
    + "Twin Ann,612 555 0501,,4 Fir Ln,Rogers,55374,,,\n"
    + "Known Person,612-555-0599,,5 Ash Ct,Rogers,55374,,,\n"
)


@pytest.fixture
async def admin(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.ADMIN)


async def _customers(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(Customer.id))) or 0)


async def test_dry_run_reports_every_rejected_row_and_saves_nothing(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    known = await make_customer(session, phone="+16125550599")
    before = await _customers(session)
    response = await app_client.post(
        IMPORT,
        headers={**admin.headers, "content-type": "text/csv"},
        params={"dry_run": True},
        content=BAD.encode(),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True
    assert body["total_rows"] == 5
    assert body["imported"] == 0
    problems = {
        r["row_number"]: [(e["field"], e["message"]) for e in r["errors"]]
        for r in body["rejected"]
    }
    assert set(problems) == {3, 4, 5, 6}
    assert problems[3][0][0] == "phone"
    assert problems[4][0][0] == "address"
    assert problems[5] == [("phone", "same phone as row 2")]
    assert problems[6] == [("phone", f"already a customer ({known.id})")]
    assert body["columns"]["phone"] == ["Mobile"]
    assert await _customers(session) == before


async def test_real_import_with_a_bad_row_imports_nothing(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    before = await _customers(session)
    response = await app_client.post(
        IMPORT, headers=admin.headers, content=BAD.encode()
    )
    assert response.status_code == 422
    fields = [d["field"] for d in response.json()["detail"]]
    assert "row 3: phone" in fields
    assert "row 4: address" in fields
    assert response.json()["rejected_count"] == 3
    assert await _customers(session) == before


async def test_real_import_saves_customers_properties_and_encrypts_codes(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession, logs: LogCapture
) -> None:
    response = await app_client.post(
        IMPORT, headers=admin.headers, content=GOOD.encode()
    )
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2
    ann = (
        await session.scalars(select(Customer).where(Customer.phone == "+16125550501"))
    ).one()
    assert ann.email == "ann@example.com"
    home = (
        await session.scalars(select(Property).where(Property.customer_id == ann.id))
    ).one()
    assert home.is_primary is True
    assert home.zone_count == 6
    assert home.gate_code == GATE
    assert home.geo_source is not None
    raw = await session.scalar(
        text("SELECT gate_code FROM properties WHERE id = :id"), {"id": home.id}
    )
    assert raw is not None
    assert GATE not in raw
    audit = (
        await session.execute(text("SELECT coalesce(after::text, '') FROM audit_log"))
    ).all()
    assert all(GATE not in row[0] for row in audit)
    actions = (
        await session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_id == ann.id)
        )
    ).all()
    assert actions == ["customer.imported"]
    assert all(GATE not in line for line in logs.lines[logs.mark :])


async def test_import_authorization_and_bad_files(
    app_client: AsyncClient, session: AsyncSession, admin: LoggedIn
) -> None:
    assert (await app_client.post(IMPORT, content=GOOD.encode())).status_code == 401
    for role in (Role.MANAGER, Role.TECHNICIAN):
        caller = await logged_in(app_client, session, role)
        denied = await app_client.post(
            IMPORT, headers=caller.headers, content=GOOD.encode()
        )
        assert denied.status_code == 403
    for content in (b"", b"just,some,words\n1,2,3\n"):
        response = await app_client.post(IMPORT, headers=admin.headers, content=content)
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "file"


async def test_export_customers_and_properties_as_csv_and_json(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session, name="Export Me", email="ex@example.com")
    await make_property(session, customer, address="9 Export Way")
    as_csv = await app_client.get("/api/v1/exports/customers", headers=admin.headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert any(
        r["name"] == "Export Me" and r["email"] == "ex@example.com" for r in rows
    )
    as_json = await app_client.get(
        "/api/v1/exports/properties", headers=admin.headers, params={"format": "json"}
    )
    assert as_json.status_code == 200
    items = json.loads(as_json.text)
    assert any(p["address"] == "9 Export Way" for p in items)
    manager = await logged_in(app_client, session, Role.MANAGER)
    denied = await app_client.get("/api/v1/exports/customers", headers=manager.headers)
    assert denied.status_code == 403
    bad = await app_client.get(
        "/api/v1/exports/customers", headers=admin.headers, params={"format": "xml"}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "format"
    unknown = await app_client.get("/api/v1/exports/jobs", headers=admin.headers)
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "entity"
    assert (await app_client.get("/api/v1/exports/customers")).status_code == 401


@pytest.fixture
async def clean_tables(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE customers, audit_log CASCADE"))


async def test_cli_import_dry_run_then_for_real(
    test_settings: Settings,
    tmp_path: Path,
    engine: AsyncEngine,
    clean_tables: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(GOOD.replace("Ben Best,763.555.0502", "Ben Best,555"))
    dry = await run_import(test_settings, path, dry_run=True, show_progress=False)
    report(dry)
    assert "row 3: phone" in capsys.readouterr().out
    assert dry.imported == 0
    path.write_text(GOOD)
    real = await run_import(test_settings, path, dry_run=False, show_progress=False)
    report(real)
    assert "imported 2 customers" in capsys.readouterr().out
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM customers"))
    assert count == 2


async def test_customer_added_during_import_fails_it_cleanly(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grins_platform.audit.service import Actor  # noqa: PLC0415
    from grins_platform.imports.customers import CustomerCsv  # noqa: PLC0415
    from grins_platform.imports.service import (  # noqa: PLC0415
        CustomerImportService,
        ImportConflict,
    )

    await make_customer(session, phone="+17635550502")
    service = CustomerImportService(session)

    async def nothing_known() -> dict[str, object]:
        return {}  # as if the customer arrived after the file was checked

    monkeypatch.setattr(service, "_known_contacts", nothing_known)
    before = await _customers(session)
    with pytest.raises(ImportConflict):
        await service.import_customers(
            CustomerCsv(io.BytesIO(GOOD.encode())).rows(),
            actor=Actor.system(),
            dry_run=False,
        )
    assert await _customers(session) == before
