"""Notices to the notification service, written to an outbox (R23, R24).

A transition writes its notices in its own transaction (``NotificationOutbox``, on the unit
of work); right after commit the delivery worker is woken and delivers them, each with its
idempotency key, so a redelivery queues no second email (``OutboxEntries`` is what the
worker reads and marks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from services.connection.domain.connection_lifecycle import Side, other_side, project_of
from services.connection.domain.connection_notices import NoticeDue
from services.connection.store.models import (
    Company,
    Connection,
    NotificationOutboxEntry,
    Project,
    User,
)
from shared.persistence.db import utcnow
from shared.runtime.tracing import current_traceparent

Notice = tuple[str, notification_pb.NotificationEvent]  # (idempotency key, event)


class NotificationOutbox:
    """The notices written in one transaction."""

    def __init__(self, session: Session):
        self._session = session

    def add(self, notices: Iterable[Notice]) -> None:
        traceparent = current_traceparent()  # the call's trace, continued by the delivery
        for key, event in notices:
            self._session.add(
                NotificationOutboxEntry(
                    idempotency_key=key,
                    payload=event.SerializeToString(deterministic=True),
                    traceparent=traceparent,
                )
            )
        self._session.flush()

    def add_connection_notices(
        self, connection: Connection, due: Sequence[NoticeDue], actor_user_id: str
    ) -> None:
        """The notices of a connection's new state, naming who changed it and why."""
        actor = self._session.get(User, actor_user_id) if due else None
        notices = []
        for notice in due:
            event = self.event_for_side(connection, notice.side, notice.kind)
            event.actor_user_id = actor_user_id
            event.actor_name = actor.display_name if actor else actor_user_id
            event.reason = connection.state_reason
            notices.append((notice.idempotency_key, event))
        self.add(notices)

    def event_for_side(
        self, connection: Connection, side: Side, kind: notification_pb.NotificationEventKind
    ) -> notification_pb.NotificationEvent:
        """An event for the ``side`` project's list, naming both ends as they are now (the
        email needs no further look-up)."""
        project, company = self._project_and_company(project_of(connection, side))
        other_project, other_company = self._project_and_company(
            project_of(connection, other_side(side))
        )
        return notification_pb.NotificationEvent(
            kind=kind,
            project_id=project.id,
            connection_id=connection.id,
            project_name=project.name,
            company_name=company.name,
            other_project_id=other_project.id,
            other_project_name=other_project.name,
            other_company_id=other_company.id,
            other_company_name=other_company.name,
        )

    def _project_and_company(self, project_id: str) -> tuple[Project, Company]:
        project = self._session.get(Project, project_id)
        assert project is not None
        company = self._session.get(Company, project.company_id)
        assert company is not None
        return project, company


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    idempotency_key: str
    event: notification_pb.NotificationEvent
    attempts: int
    traceparent: str = ""


class OutboxEntries:
    """The delivery worker's reads and marks, each in a short transaction of its own."""

    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def due(self, limit: int) -> list[OutboxEntry]:
        with self._sessions() as session:
            rows = session.scalars(
                select(NotificationOutboxEntry)
                .where(
                    NotificationOutboxEntry.delivered_at.is_(None),
                    NotificationOutboxEntry.next_attempt_at <= utcnow(),
                )
                .order_by(NotificationOutboxEntry.id)
                .limit(limit)
            ).all()
        return [
            OutboxEntry(
                row.id,
                row.idempotency_key,
                notification_pb.NotificationEvent.FromString(row.payload),
                row.attempts,
                row.traceparent,
            )
            for row in rows
        ]

    def delivered(self, entry_id: int) -> None:
        self._mark(entry_id, delivered_at=utcnow())

    def failed(self, entry_id: int, attempts: int, error: str, retry_at: datetime) -> None:
        self._mark(entry_id, attempts=attempts, last_error=error[:500], next_attempt_at=retry_at)

    def _mark(self, entry_id: int, **values: object) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(NotificationOutboxEntry)
                .where(NotificationOutboxEntry.id == entry_id)
                .values(**values)
            )
