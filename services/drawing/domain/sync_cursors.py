"""The rules of a connection's sync cursor (R19, R21): when a copy or an apply may go on.

The cursor holds the upstream feed sequence the connection's copies contain. It is
written in the same transaction as the copy or apply it records, so a change is applied
if and only if the cursor says so; a disconnected connection keeps its cursor, and
nothing more is copied or applied for it.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Protocol, TypeVar

from shared.facts.errors import ErrorReason, FailedPrecondition, InvalidArgument


class SyncCursor(Protocol):
    connection_id: str
    upstream_project_id: str | None  # None when the disconnect came before any copy
    downstream_project_id: str
    applied_through_sequence: int
    disconnected_at: datetime | None


CursorT = TypeVar("CursorT", bound=SyncCursor)


def require_copied(cursor: CursorT | None, connection_id: str) -> CursorT:
    """Changes follow the initial copy: without its cursor there is nothing to apply to."""
    if cursor is None:
        raise FailedPrecondition(
            ErrorReason.INITIAL_COPY_REQUIRED,
            "The connection's initial copy has not been made: copy before applying changes.",
            {"connection_id": connection_id},
        )
    return cursor


def require_connected(cursor: SyncCursor) -> None:
    if cursor.disconnected_at is not None:
        raise FailedPrecondition(
            ErrorReason.CONNECTION_DISCONNECTED,
            "The connection was disconnected: nothing more is copied or applied for it.",
            {"connection_id": cursor.connection_id},
        )


def require_same_projects(cursor: SyncCursor, upstream_id: str, downstream_id: str) -> None:
    if (cursor.upstream_project_id, cursor.downstream_project_id) != (upstream_id, downstream_id):
        raise InvalidArgument(
            ErrorReason.CONNECTION_PROJECTS_MISMATCH,
            "The connection copies between other projects than the ones named.",
            {"connection_id": cursor.connection_id},
        )


def require_active(project_id: str, active: bool | None) -> None:
    """Sync pauses while a project is inactive (R21); the caller retries later.

    ``active`` is None for a project not known here: that is refused elsewhere, not here.
    """
    if active is False:
        raise FailedPrecondition(
            ErrorReason.PROJECT_INACTIVE,
            f"Project {project_id!r} is inactive; the sync waits until it is active.",
            {"project_id": project_id},
        )


class Disconnect(Enum):
    """What recording a disconnect does to the connection's cursor."""

    START_DISCONNECTED = "start_disconnected"  # no copy yet: a late copy must be refused
    STOP = "stop"  # a following connection stops for good
    ALREADY_STOPPED = "already_stopped"  # a repeat: the first disconnect stands


def disconnect_step(cursor: SyncCursor | None, downstream_id: str) -> Disconnect:
    if cursor is None:
        return Disconnect.START_DISCONNECTED
    if cursor.downstream_project_id != downstream_id:
        raise InvalidArgument(
            ErrorReason.CONNECTION_PROJECTS_MISMATCH,
            "The connection copies into another project than the one named.",
            {"connection_id": cursor.connection_id},
        )
    if cursor.disconnected_at is None:
        return Disconnect.STOP
    return Disconnect.ALREADY_STOPPED
