"""Recording what the sync achieved, in the connection service's database.

Each record locks the connection's sync row and compares with what is stored, so a replay
after a crash, or a second replica that lost its lease mid-call, counts and announces
nothing twice: only sequences beyond the stored cursor are new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from services.connection.clients.drawing_sync_calls import CopyResult
from services.connection.store.models import Connection, ConnectionSync
from services.connection.store.notification_outbox import NotificationOutbox
from services.connection.store.sync_records import lock_in_id_order
from services.connection.use_cases.notice_delivery import NoticeDelivery
from services.connection.use_cases.sync import notices
from shared.persistence.db import utcnow
from shared.runtime.background_rounds import backoff_seconds

PUBLISHED = drawing_pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED
# The first back-off after a failed sync call; it doubles with each further failure.
FIRST_RETRY_SECONDS = 0.2


def _locked(session: Session, connection_id: str) -> ConnectionSync | None:
    return session.scalars(
        select(ConnectionSync)
        .where(ConnectionSync.connection_id == connection_id)
        .with_for_update()
    ).one_or_none()


def _recorded_at(change: drawing_pb.ProjectChange) -> datetime:
    return change.create_time.ToDatetime(tzinfo=UTC)


class SyncProgress:
    def __init__(self, sessions: sessionmaker[Session], notice_delivery: NoticeDelivery):
        self._sessions = sessions
        self._notice_delivery = notice_delivery

    def copy_started(self, connection_id: str) -> None:
        with self._sessions.begin() as session:
            row = _locked(session, connection_id)
            if row is not None and row.initial_copy_state != "complete":
                row.initial_copy_state = "running"
                row.updated_at = utcnow()

    def copy_completed(self, connection_id: str, result: CopyResult) -> None:
        with self._sessions.begin() as session:
            row = _locked(session, connection_id)
            if row is None or row.initial_copy_state == "complete":
                return  # another worker recorded it first
            now = utcnow()
            row.initial_copy_state = "complete"
            row.initial_copy_total = result.copied_count
            row.revisions_copied = result.copied_count
            row.applied_sequence = max(row.applied_sequence, result.snapshot_sequence)
            row.upstream_head_sequence = max(row.upstream_head_sequence, row.applied_sequence)
            row.last_synced_at = now
            self._succeeded(row)
            connection = session.get(Connection, connection_id)
            assert connection is not None
            NotificationOutbox(session).add(
                notices.initial_copy_complete(session, connection, result.copied_count)
            )
        self._notice_delivery.poke()

    def changes_applied(
        self, applied_through: Mapping[str, int], sent: Sequence[drawing_pb.ProjectChange]
    ) -> None:
        """Record, in one transaction, how far each connection's downstream now is."""
        if not applied_through:
            return
        added = []
        with self._sessions.begin() as session:
            for connection_id in sorted(applied_through):  # rows locked in id order
                added += self._record_applied(
                    session, connection_id, sent, applied_through[connection_id]
                )
            NotificationOutbox(session).add(added)
        if added:
            self._notice_delivery.poke()

    def _record_applied(
        self,
        session: Session,
        connection_id: str,
        sent: Sequence[drawing_pb.ProjectChange],
        applied_through: int,
    ) -> list[tuple[str, notification_pb.NotificationEvent]]:
        row = _locked(session, connection_id)
        if row is None or applied_through <= row.applied_sequence:
            return []
        new = [c for c in sent if row.applied_sequence < c.sequence <= applied_through]
        row.applied_sequence = applied_through
        row.revisions_copied += sum(1 for c in new if c.kind == PUBLISHED)
        row.upstream_head_sequence = max(row.upstream_head_sequence, applied_through)
        waiting = [c for c in sent if c.sequence > applied_through]
        row.oldest_pending_at = _recorded_at(waiting[0]) if waiting else None
        row.last_synced_at = utcnow()
        self._succeeded(row)
        connection = session.get(Connection, connection_id)
        assert connection is not None
        return notices.new_revisions_ready(session, connection, new) if new else []

    def changes_seen(self, connection_id: str, waiting: Sequence[drawing_pb.ProjectChange]) -> None:
        """The upstream has ``waiting`` changes beyond the cursor (for pending and lag)."""
        if not waiting:
            return
        with self._sessions.begin() as session:
            row = _locked(session, connection_id)
            if row is None:
                return
            row.upstream_head_sequence = max(row.upstream_head_sequence, waiting[-1].sequence)
            if row.oldest_pending_at is None:
                first = [c for c in waiting if c.sequence > row.applied_sequence]
                if first:
                    row.oldest_pending_at = _recorded_at(first[0])

    def caught_up(self, connection_ids: Sequence[str]) -> None:
        """The feed was read and held nothing new: an earlier error is over (R22)."""
        with self._sessions.begin() as session:
            lock_in_id_order(session, connection_ids)
            session.execute(
                update(ConnectionSync)
                .where(
                    ConnectionSync.connection_id.in_(list(connection_ids)),
                    ConnectionSync.failures > 0,
                )
                .values(failures=0, last_error="", next_attempt_at=utcnow(), updated_at=utcnow())
            )

    def failed(self, connection_id: str, error: str, copying: bool) -> None:
        """Record the error and back off: the next attempt waits longer after each
        consecutive failure (counted on the locked row, so replicas agree)."""
        with self._sessions.begin() as session:
            row = _locked(session, connection_id)
            if row is None:
                return
            row.failures += 1
            row.last_error = error[:1000]
            retry_in = backoff_seconds(row.failures, first=FIRST_RETRY_SECONDS)
            row.next_attempt_at = utcnow() + timedelta(seconds=retry_in)
            row.updated_at = utcnow()
            if copying and row.initial_copy_state != "complete":
                row.initial_copy_state = "failed"

    @staticmethod
    def _succeeded(row: ConnectionSync) -> None:
        row.failures = 0
        row.last_error = ""
        row.next_attempt_at = utcnow()
        row.updated_at = utcnow()
