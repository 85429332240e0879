"""Notify: record an event and queue its messages, in one transaction (R23, R25)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from services.notification.domain.deliveries import DeliveryStatus
from services.notification.domain.events import (
    KIND_NAMES,
    as_recorded,
    fingerprint_of,
    joins_digest,
)
from services.notification.domain.mail_messages import message_id_for
from services.notification.domain.recipients import CONNECTION_MANAGER
from services.notification.store.models import Delivery, Digest, NotificationEvent
from services.notification.store.unit_of_work import NotificationUnitOfWork
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.persistence.db import RecordConflict, new_id, utcnow


@dataclass(frozen=True)
class Recorded:
    event_id: str
    queued_messages: int
    duplicate: bool


class EventIntake:
    def __init__(self, uow: Callable[[], NotificationUnitOfWork], digest_window: timedelta) -> None:
        self._uow = uow
        self._digest_window = digest_window

    def notify(self, event: pb.NotificationEvent, idempotency_key: str) -> Recorded:
        """Store the event and one queued delivery per Connection Manager recipient; the
        same key again answers the first event.

        A new-revision notice instead joins its connection's open digest (R24): it is sent,
        with everything else that arrived in the window, when the window closes.
        """
        try:
            return self._record(event, idempotency_key)
        except RecordConflict as conflict:
            if conflict.kind != "notification_event":
                raise
            # A twin with the same key committed first; a second pass answers its event.
            return self._record(event, idempotency_key)

    def _record(self, event: pb.NotificationEvent, key: str) -> Recorded:
        fingerprint = fingerprint_of(event)
        with self._uow() as uow:
            seen = uow.events.by_key(key)
            if seen is not None:
                if seen.fingerprint != fingerprint:
                    raise InvalidArgument(
                        ErrorReason.IDEMPOTENCY_KEY_REUSED,
                        f"idempotency_key {key!r} was already used for a different event.",
                    )
                return Recorded(seen.id, 0, True)
            uow.projects.require(event.project_id)
            now = utcnow()
            row = store_event(uow, as_recorded(event, now), key, fingerprint, now)
            if joins_digest(event, self._digest_window):
                join_open_digest(uow, row, event.connection_id, self._digest_window, now)
                return Recorded(row.id, 0, False)
            return Recorded(row.id, queue_deliveries(uow, row, now), False)


def store_event(
    uow: NotificationUnitOfWork,
    event: pb.NotificationEvent,
    key: str,
    fingerprint: str,
    now: datetime,
) -> NotificationEvent:
    row = NotificationEvent(
        id=new_id(),
        project_id=event.project_id,
        idempotency_key=key,
        fingerprint=fingerprint,
        kind=KIND_NAMES[event.kind],
        payload=event.SerializeToString(deterministic=True),
        created_at=now,
    )
    # A twin racing on the same key loses on the unique key here; its retry sees ours.
    uow.events.add(row)
    return row


def join_open_digest(
    uow: NotificationUnitOfWork,
    row: NotificationEvent,
    connection_id: str,
    window: timedelta,
    now: datetime,
) -> None:
    """The event waits in its connection's open digest; the first opens one."""
    digest = uow.digests.open_for(row.project_id, connection_id)
    if digest is None:
        digest = Digest(
            id=new_id(),
            project_id=row.project_id,
            connection_id=connection_id,
            window_ends_at=now + window,
            created_at=now,
        )
        uow.digests.add(digest)
    row.digest_id = digest.id
    uow.digests.flush()


def queue_deliveries(uow: NotificationUnitOfWork, row: NotificationEvent, now: datetime) -> int:
    """One queued message per recipient of the project's Connection Manager list."""
    recipients = uow.distribution_lists.get(row.project_id, CONNECTION_MANAGER).emails
    for recipient in recipients:
        uow.deliveries.add(
            Delivery(
                message_id=message_id_for(row.id, recipient),
                event_id=row.id,
                project_id=row.project_id,
                recipient=recipient,
                status=DeliveryStatus.QUEUED.value,
                attempts=0,
                last_error="",
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    uow.deliveries.flush()
    return len(recipients)


def queue_event(
    uow: NotificationUnitOfWork, event: pb.NotificationEvent, key: str, now: datetime
) -> str:
    """Store an event made here (a digest) and queue its messages; its id."""
    row = store_event(uow, event, key, fingerprint_of(event), now)
    queue_deliveries(uow, row, now)
    return row.id
