"""``/api/v1/audit``: admin-only, filtered, newest first; secrets redacted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import (
    Actor,
    AuditService,
    changed_only,
    redact,
)
from grins_platform.users.models import Role
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.api
AUDIT = "/api/v1/audit"


async def test_admin_lists_and_filters_entries(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    admin = await logged_in(app_client, session, Role.ADMIN)
    created = await app_client.post(
        "/api/v1/customers",
        headers=admin.headers,
        json={"name": "Audit Me", "phone": "612 555 0111"},
    )
    customer_id = created.json()["id"]
    await app_client.patch(
        f"/api/v1/customers/{customer_id}",
        headers=admin.headers,
        json={"is_priority": True},
    )
    response = await app_client.get(
        AUDIT,
        headers=admin.headers,
        params={"entity_type": "customer", "entity_id": customer_id},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["action"] for i in items] == ["customer.updated", "customer.created"]
    assert items[0]["actor_id"] == str(admin.user.id)
    assert items[0]["actor_type"] == "user"
    assert items[0]["before"] == {"is_priority": False}
    only = await app_client.get(
        AUDIT,
        headers=admin.headers,
        params={"action": "customer.created", "actor_id": str(admin.user.id)},
    )
    assert only.json()["total"] == 1
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    none = await app_client.get(AUDIT, headers=admin.headers, params={"since": later})
    assert none.json()["total"] == 0


async def test_audit_is_admin_only(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    assert (await app_client.get(AUDIT)).status_code == 401
    for role in (Role.MANAGER, Role.TECHNICIAN):
        caller = await logged_in(app_client, session, role)
        response = await app_client.get(AUDIT, headers=caller.headers)
        assert response.status_code == 403
    admin = await logged_in(app_client, session, Role.ADMIN)
    bad = await app_client.get(
        AUDIT, headers=admin.headers, params={"entity_id": "nope"}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "entity_id"


async def test_record_redacts_secrets_and_keeps_ip(session: AsyncSession) -> None:
    user = await make_user(session)
    entry = await AuditService(session).record(
        Actor.of(user, "203.0.113.9"),
        "property.updated",
        "property",
        uuid.uuid4(),
        before={"gate_code": None},
        after={"gate_code": "1234", "lockbox_code": "99", "zone_count": 4},
    )
    await session.flush()
    assert entry.after == {
        "gate_code": "[REDACTED]",
        "lockbox_code": "[REDACTED]",
        "zone_count": 4,
    }
    assert entry.before == {"gate_code": None}
    assert str(entry.ip) == "203.0.113.9"


def test_changed_only_and_redact() -> None:
    before = {"a": 1, "b": 2, "updated_at": "x"}
    after = {"a": 1, "b": 3, "updated_at": "y"}
    assert changed_only(before, after) == ({"b": 2}, {"b": 3})
    when = datetime(2026, 1, 2, tzinfo=UTC)
    assert redact({"t": when, "id": uuid.UUID(int=1), "role": Role.ADMIN}) == {
        "t": when.isoformat(),
        "id": str(uuid.UUID(int=1)),
        "role": "admin",
    }
    assert Actor.public("").ip is None
    assert Actor.system().type.value == "system"
