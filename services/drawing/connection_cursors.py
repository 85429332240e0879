"""Each connection's sync cursor (R19, R21): the upstream feed sequence its copies contain.

The cursor is read under a row lock (``SELECT … FOR UPDATE``; SQLite holds the write lock
from ``BEGIN``) and written in the transaction that copies or applies, so two callers
never apply the same change and a crash either keeps both or neither.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.drawing.store.models import ConnectionCursor, DrawingSet, ProjectFacts
from shared.facts.errors import ErrorReason, FailedPrecondition, InvalidArgument
from shared.persistence.db import utcnow


def lock_downstream(session: Session, downstream_id: str) -> None:
    """Serialises the first cursor of a connection: a copy and a disconnection that both
    find none would otherwise both insert one (a key conflict on PostgreSQL). The
    downstream is never an upstream (R10), so this lock never waits on a feed writer."""
    session.execute(
        select(ProjectFacts.project_id)
        .where(ProjectFacts.project_id == downstream_id)
        .with_for_update()
    )


def locked_cursor(session: Session, connection_id: str) -> ConnectionCursor | None:
    return session.scalars(
        select(ConnectionCursor)
        .where(ConnectionCursor.connection_id == connection_id)
        .with_for_update()
    ).one_or_none()


def start_cursor(
    session: Session,
    connection_id: str,
    upstream_id: str | None,
    downstream_id: str,
    sequence: int,
    disconnected: bool = False,
) -> ConnectionCursor:
    now = utcnow()
    cursor = ConnectionCursor(
        connection_id=connection_id,
        upstream_project_id=upstream_id,
        downstream_project_id=downstream_id,
        applied_through_sequence=sequence,
        disconnected_at=now if disconnected else None,
        created_at=now,
        updated_at=now,
    )
    session.add(cursor)
    session.flush()
    return cursor


def require_connected(cursor: ConnectionCursor) -> None:
    if cursor.disconnected_at is not None:
        raise FailedPrecondition(
            ErrorReason.CONNECTION_DISCONNECTED,
            "The connection was disconnected: nothing more is copied or applied for it.",
            {"connection_id": cursor.connection_id},
        )


def require_same_projects(cursor: ConnectionCursor, upstream_id: str, downstream_id: str) -> None:
    if (cursor.upstream_project_id, cursor.downstream_project_id) != (upstream_id, downstream_id):
        raise InvalidArgument(
            ErrorReason.CONNECTION_PROJECTS_MISMATCH,
            "The connection copies between other projects than the ones named.",
            {"connection_id": cursor.connection_id},
        )


def require_active(session: Session, *project_ids: str) -> None:
    """Sync pauses while either project is inactive (R21); the caller retries later."""
    for project_id in project_ids:
        facts = session.get(ProjectFacts, project_id)
        if facts is not None and not facts.active:
            raise FailedPrecondition(
                ErrorReason.PROJECT_INACTIVE,
                f"Project {project_id!r} is inactive; the sync waits until it is active.",
                {"project_id": project_id},
            )


def advance(cursor: ConnectionCursor, sequence: int) -> None:
    if sequence > cursor.applied_through_sequence:
        cursor.applied_through_sequence = sequence
        cursor.updated_at = utcnow()


def mark_disconnected(session: Session, connection_id: str, downstream_id: str) -> int:
    """Stop the connection for good and mark its connected sets; the sets marked now."""
    lock_downstream(session, downstream_id)
    cursor = locked_cursor(session, connection_id)
    now = utcnow()
    if cursor is None:
        # Disconnected before any copy: the row remains, so a late copy is refused.
        start_cursor(session, connection_id, None, downstream_id, 0, disconnected=True)
    elif cursor.downstream_project_id != downstream_id:
        raise InvalidArgument(
            ErrorReason.CONNECTION_PROJECTS_MISMATCH,
            "The connection copies into another project than the one named.",
            {"connection_id": connection_id},
        )
    elif cursor.disconnected_at is None:
        cursor.disconnected_at = now
        cursor.updated_at = now
    marked = session.execute(
        update(DrawingSet)
        .where(
            DrawingSet.project_id == downstream_id,
            DrawingSet.connection_id == connection_id,
            DrawingSet.connection_state == "connected",
        )
        .values(connection_state="disconnected", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(marked.rowcount or 0)  # type: ignore[attr-defined]
