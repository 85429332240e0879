"""Each connection's sync cursor (R19, R21), stored.

The cursor is read under a row lock (``SELECT … FOR UPDATE``; SQLite holds the write lock
from ``BEGIN``) and written in the transaction that copies or applies, so two callers
never apply the same change and a crash either keeps both or neither.
"""

from __future__ import annotations

from sqlalchemy import select
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

    def stop(self, cursor: ConnectionCursor) -> None:
        now = utcnow()
        cursor.disconnected_at = now
        cursor.updated_at = now
