"""Notify: record an event and queue its messages, in one transaction (R23, R25)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from services.notification.digests import join_open_digest
from services.notification.distribution_lists import CONNECTION_MANAGER, load_list
from services.notification.mail_messages import message_id_for
from services.notification.store.models import Delivery, NotificationEvent
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.persistence.db import new_id, utcnow
from shared.runtime.timestamps import timestamp_of

MAX_KEY_LENGTH = 200
KIND_NAMES: dict[int, str] = {
    pb.NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED: "connection_requested",
    pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED: "connection_created",
    pb.NOTIFICATION_EVENT_KIND_CONNECTION_REJECTED: "connection_rejected",
    pb.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED: "connection_disconnected",
    pb.NOTIFICATION_EVENT_KIND_INITIAL_COPY_COMPLETE: "initial_copy_complete",
    pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY: "new_revisions_ready",
}


@dataclass(frozen=True)
class Recorded:
    event_id: str
    queued_messages: int
    duplicate: bool


def check_notify(request: pb.NotifyRequest) -> None:
    """Refusals that need no database; they happen before anything is stored."""
    event = request.event
    if event.kind not in KIND_NAMES:
        raise InvalidArgument(
            ErrorReason.UNKNOWN_EVENT_KIND,
            f"event.kind {event.kind} is not a notification event kind.",
        )
    if not event.project_id:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, "event.project_id is required.")
    if not event.connection_id:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, "event.connection_id is required.")
    if not 1 <= len(request.idempotency_key) <= MAX_KEY_LENGTH:
        raise InvalidArgument(
            ErrorReason.INVALID_IDEMPOTENCY_KEY,
            f"idempotency_key must be 1 to {MAX_KEY_LENGTH} characters.",
        )


def record_event(session: Session, request: pb.NotifyRequest, digest_window: timedelta) -> Recorded:
    """Store the event and one queued delivery per Connection Manager recipient.

    A new-revision notice instead joins its connection's open digest (R24): it is sent,
    with everything else that arrived in the window, when the window closes.
    """
    event, key = request.event, request.idempotency_key
    fingerprint = fingerprint_of(event)
    seen = session.scalars(
        select(NotificationEvent).where(NotificationEvent.idempotency_key == key)
    ).one_or_none()
    if seen is not None:
        if seen.fingerprint != fingerprint:
            raise InvalidArgument(
                ErrorReason.IDEMPOTENCY_KEY_REUSED,
                f"idempotency_key {key!r} was already used for a different event.",
            )
        return Recorded(seen.id, 0, True)
    load_list(session, event.project_id, CONNECTION_MANAGER)  # an unknown project: NOT_FOUND
    now = utcnow()
    stored = pb.NotificationEvent()
    stored.CopyFrom(event)
    if not stored.HasField("event_time"):
        stored.event_time.CopyFrom(timestamp_of(now))
    row = store_event(session, stored, key, fingerprint, now)
    if event.kind == pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY and digest_window:
        join_open_digest(session, row, event.connection_id, digest_window, now)
        return Recorded(row.id, 0, False)
    # A twin racing on the same key loses on the unique key here; its retry sees ours.
    return Recorded(row.id, queue_deliveries(session, row, now), False)


def fingerprint_of(event: pb.NotificationEvent) -> str:
    return hashlib.sha256(event.SerializeToString(deterministic=True)).hexdigest()


def store_event(
    session: Session, event: pb.NotificationEvent, key: str, fingerprint: str, now: datetime
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
    session.add(row)
    session.flush()
    return row


def queue_deliveries(session: Session, row: NotificationEvent, now: datetime) -> int:
    """One queued message per recipient of the project's Connection Manager list."""
    recipients = load_list(session, row.project_id, CONNECTION_MANAGER).emails
    for recipient in recipients:
        session.add(
            Delivery(
                message_id=message_id_for(row.id, recipient),
                event_id=row.id,
                project_id=row.project_id,
                recipient=recipient,
                status="queued",
                attempts=0,
                last_error="",
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    return len(recipients)


def queue_event(session: Session, event: pb.NotificationEvent, key: str, now: datetime) -> str:
    """Store an event made here (a digest) and queue its messages; its id."""
    row = store_event(session, event, key, fingerprint_of(event), now)
    queue_deliveries(session, row, now)
    return row.id
