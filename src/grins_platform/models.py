"""Every ORM model imported in one place, so Alembic and tests see the whole schema."""

from __future__ import annotations

from grins_platform.audit.models import AuditEntry
from grins_platform.auth.models import AuthSession, RefreshToken
from grins_platform.customers.models import Customer, CustomerConsent
from grins_platform.db.base import Base
from grins_platform.properties.models import Property
from grins_platform.requests.models import ServiceRequest
from grins_platform.users.models import User

metadata = Base.metadata

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "Customer",
    "CustomerConsent",
    "Property",
    "RefreshToken",
    "ServiceRequest",
    "User",
    "metadata",
]
