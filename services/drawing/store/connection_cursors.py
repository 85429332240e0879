"""Each connection's sync cursor (R19, R21), stored.

The cursor is read under a row lock (``SELECT … FOR UPDATE``; SQLite holds the write lock
from ``BEGIN``) and written in the transaction that copies or applies, so two callers
never apply the same change and a crash either keeps both or neither.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.drawing.store.models import ConnectionCursor
from shared.persistence.db import utcnow


class ConnectionCursors:
    def __init__(self, session: Session) -> None:
        self._session = session

    def locked(self, connection_id: str) -> ConnectionCursor | None:
        return self._session.scalars(
            select(ConnectionCursor)
            .where(ConnectionCursor.connection_id == connection_id)
            .with_for_update()
        ).one_or_none()

    def locked_many(self, connection_ids: Sequence[str]) -> dict[str, ConnectionCursor]:
        """The cursors of several connections in one query, locked in id order (so two
        batches over the same connections never wait on each other)."""
        cursors = self._session.scalars(
            select(ConnectionCursor)
            .where(ConnectionCursor.connection_id.in_(sorted(set(connection_ids))))
            .order_by(ConnectionCursor.connection_id)
            .with_for_update()
        )
        return {cursor.connection_id: cursor for cursor in cursors}

    def start(
        self,
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
        self._session.add(cursor)
        self._session.flush()
        return cursor

    def advance(self, cursor: ConnectionCursor, sequence: int) -> None:
        if sequence > cursor.applied_through_sequence:
            cursor.applied_through_sequence = sequence
            cursor.updated_at = utcnow()

    def advance_many(self, connection_ids: Sequence[str], sequence: int) -> None:
        """Move the (locked) cursors of several connections to ``sequence`` in one
        statement; none moves back."""
        if not connection_ids:
            return
        self._session.execute(
            update(ConnectionCursor)
            .where(
                ConnectionCursor.connection_id.in_(list(connection_ids)),
                ConnectionCursor.applied_through_sequence < sequence,
            )
            .values(applied_through_sequence=sequence, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )

    def stop(self, cursor: ConnectionCursor) -> None:
        now = utcnow()
        cursor.disconnected_at = now
        cursor.updated_at = now
