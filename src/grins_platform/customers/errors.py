"""Customer errors; each maps to one HTTP status through ``core/errors``."""

from __future__ import annotations

import uuid

from grins_platform.core.errors import ConflictError, NotFoundError


class CustomerNotFound(NotFoundError):
    """No such live customer, or not visible to the caller.

    A merged customer's 404 names the survivor in ``merged_into_id``.
    """

    def __init__(self, merged_into_id: uuid.UUID | None = None) -> None:
        if merged_into_id is None:
            super().__init__("customer not found")
        else:
            super().__init__("customer not found", merged_into_id=str(merged_into_id))


class DuplicateCustomer(ConflictError):
    """A live customer already has this phone or email (409 with its id)."""

    def __init__(self, field: str, existing_id: uuid.UUID | None) -> None:
        super().__init__(
            f"a customer with this {field} already exists",
            field=field,
            existing_id=str(existing_id) if existing_id else None,
        )
        self.field = field
        self.existing_id = existing_id


class MergeConflict(ConflictError):
    """The two customers cannot be merged (same customer, or already merged)."""
