"""What each transition tells whom (R23): the notices a connection's change sends to the
distribution lists of its projects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from services.connection.domain.connection_lifecycle import (
    ConnectionEnds,
    ConnectionState,
    Side,
    project_of,
)

EventKind = notification_pb.NotificationEventKind
# state reached → (event kind, which sides' lists are told); a withdrawn request tells nobody
NOTICES: dict[ConnectionState, tuple[EventKind, tuple[Side, ...]]] = {
    ConnectionState.PENDING: (
        notification_pb.NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED,
        (Side.UPSTREAM,),
    ),
    ConnectionState.ACTIVE: (
        notification_pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED,
        (Side.UPSTREAM, Side.DOWNSTREAM),
    ),
    ConnectionState.REJECTED: (
        notification_pb.NOTIFICATION_EVENT_KIND_CONNECTION_REJECTED,
        (Side.DOWNSTREAM,),
    ),
    ConnectionState.DISCONNECTED: (
        notification_pb.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED,
        (Side.UPSTREAM, Side.DOWNSTREAM),
    ),
}


class NotifiedConnection(ConnectionEnds, Protocol):
    @property
    def id(self) -> str: ...
    @property
    def state(self) -> str: ...


@dataclass(frozen=True)
class NoticeDue:
    """One list to tell: the ``side`` project's, with an event of ``kind``."""

    side: Side
    project_id: str
    kind: EventKind
    # The notification service queues one email per key, however often it is delivered.
    idempotency_key: str


def notices_due(connection: NotifiedConnection) -> list[NoticeDue]:
    """Every list the connection's new state must reach."""
    state = ConnectionState(connection.state)
    if state not in NOTICES:
        return []
    kind, sides = NOTICES[state]
    return [
        NoticeDue(
            side,
            project_of(connection, side),
            kind,
            f"{connection.id}:{state.value}:{project_of(connection, side)}",
        )
        for side in sides
    ]
