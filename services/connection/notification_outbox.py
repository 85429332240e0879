"""Notices to the notification service, delivered from an outbox (R23).

A transition writes its notices in its own transaction; right after commit the worker is
poked and delivers them with ``Notify`` (each with its idempotency key, so a redelivery
queues no second email); a notification service that is down is retried with back-off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import grpc
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from services.connection.store.models import NotificationOutboxEntry
from shared.persistence.db import utcnow
from shared.runtime.background_rounds import BackgroundRounds, backoff_seconds

log = logging.getLogger("connectability.connection.notices")

Notify = Callable[[notification_pb.NotificationEvent, str], None]
BATCH_SIZE = 100


class NotificationOutbox:
    def __init__(self, sessions: sessionmaker[Session], notify: Notify):
        self._sessions = sessions
        self._notify = notify
        self._rounds = BackgroundRounds("notification-outbox", self.deliver_pending)

    @staticmethod
    def add(session: Session, notices: list[tuple[str, notification_pb.NotificationEvent]]) -> None:
        for key, event in notices:
            session.add(
                NotificationOutboxEntry(
                    idempotency_key=key, payload=event.SerializeToString(deterministic=True)
                )
            )
        session.flush()

    def deliver_pending(self) -> int:
        with self._sessions() as session:
            due = session.scalars(
                select(NotificationOutboxEntry)
                .where(
                    NotificationOutboxEntry.delivered_at.is_(None),
                    NotificationOutboxEntry.next_attempt_at <= utcnow(),
                )
                .order_by(NotificationOutboxEntry.id)
                .limit(BATCH_SIZE)
            ).all()
        delivered = 0
        for entry in due:
            event = notification_pb.NotificationEvent.FromString(entry.payload)
            try:
                self._notify(event, entry.idempotency_key)
            except grpc.RpcError as error:
                detail = f"{error.code().name}: {error.details()}"  # type: ignore[attr-defined]
                log.warning("notice not delivered", extra={"key": entry.idempotency_key})
                self._mark(entry.id, attempts=entry.attempts + 1, last_error=detail[:500])
                continue
            self._mark(entry.id, delivered_at=utcnow())
            delivered += 1
        return delivered

    def _mark(self, entry_id: int, **values: object) -> None:
        if "attempts" in values:
            retry_in = timedelta(seconds=backoff_seconds(int(str(values["attempts"]))))
            values["next_attempt_at"] = utcnow() + retry_in
        with self._sessions.begin() as session:
            session.execute(
                update(NotificationOutboxEntry)
                .where(NotificationOutboxEntry.id == entry_id)
                .values(**values)
            )

    def poke(self) -> None:
        self._rounds.poke()

    def start(self) -> None:
        self._rounds.start()

    def stop(self) -> None:
        self._rounds.stop()
