"""The one transition table of service requests.

``new → contacted → converted | lost | spam``; a new request may also be converted,
lost or marked spam at once.
"""

from __future__ import annotations

from typing import Final

from grins_platform.core.errors import ConflictError
from grins_platform.requests.models import RequestStatus

TRANSITIONS: Final[dict[RequestStatus, frozenset[RequestStatus]]] = {
    RequestStatus.NEW: frozenset(
        {
            RequestStatus.CONTACTED,
            RequestStatus.CONVERTED,
            RequestStatus.LOST,
            RequestStatus.SPAM,
        }
    ),
    RequestStatus.CONTACTED: frozenset(
        {RequestStatus.CONVERTED, RequestStatus.LOST, RequestStatus.SPAM}
    ),
    RequestStatus.CONVERTED: frozenset(),
    RequestStatus.LOST: frozenset(),
    RequestStatus.SPAM: frozenset(),
}
OPEN: Final = frozenset({RequestStatus.NEW, RequestStatus.CONTACTED})
CLOSED: Final = frozenset(RequestStatus) - OPEN
RESPONDED: Final = frozenset(
    {RequestStatus.CONTACTED, RequestStatus.CONVERTED, RequestStatus.LOST}
)
"""Leaving ``new`` for one of these is the first response (spam is not)."""


class InvalidTransition(ConflictError):
    """The request cannot move from its status to the one asked (409)."""

    def __init__(self, current: RequestStatus, wanted: RequestStatus) -> None:
        super().__init__(
            f"a {current.value} request cannot become {wanted.value}",
            current_status=current.value,
        )


def ensure_transition(current: RequestStatus, wanted: RequestStatus) -> None:
    """Raise :class:`InvalidTransition` unless the table allows the move."""
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransition(current, wanted)
