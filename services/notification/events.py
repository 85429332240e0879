"""Notify: record an event and queue its messages, in one transaction (R23, R25)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectability.v1 import notification_service_pb2 as pb
from services.notification.distribution_lists import CONNECTION_MANAGER, load_list
from services.notification.mail_messages import message_id_for
from services.notification.models import Delivery, NotificationEvent
from shared.db import new_id, utcnow
from shared.errors import InvalidArgument
from shared.timestamps import timestamp_of

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
            "UNKNOWN_EVENT_KIND", f"event.kind {event.kind} is not a notification event kind."
        )
    if not event.project_id:
        raise InvalidArgument("MISSING_FIELD", "event.project_id is required.")
    if not event.connection_id:
        raise InvalidArgument("MISSING_FIELD", "event.connection_id is required.")
    if not 1 <= len(request.idempotency_key) <= MAX_KEY_LENGTH:
        raise InvalidArgument(
            "INVALID_IDEMPOTENCY_KEY",
            f"idempotency_key must be 1 to {MAX_KEY_LENGTH} characters.",
        )


def _fingerprint(event: pb.NotificationEvent) -> str:
    return hashlib.sha256(event.SerializeToString(deterministic=True)).hexdigest()


def record_event(session: Session, request: pb.NotifyRequest) -> Recorded:
    """Store the event and one queued delivery per Connection Manager recipient."""
    event, key = request.event, request.idempotency_key
    fingerprint = _fingerprint(event)
    seen = session.scalars(
        select(NotificationEvent).where(NotificationEvent.idempotency_key == key)
    ).one_or_none()
    if seen is not None:
        if seen.fingerprint != fingerprint:
            raise InvalidArgument(
                "IDEMPOTENCY_KEY_REUSED",
                f"idempotency_key {key!r} was already used for a different event.",
            )
        return Recorded(seen.id, 0, True)
    recipients = load_list(session, event.project_id, CONNECTION_MANAGER).emails
    now = utcnow()
    stored = pb.NotificationEvent()
    stored.CopyFrom(event)
    if not stored.HasField("event_time"):
        stored.event_time.CopyFrom(timestamp_of(now))
    row = NotificationEvent(
        id=new_id(),
        project_id=event.project_id,
        idempotency_key=key,
        fingerprint=fingerprint,
        kind=KIND_NAMES[event.kind],
        payload=stored.SerializeToString(deterministic=True),
        created_at=now,
    )
    session.add(row)
    session.flush()
    for recipient in recipients:
        session.add(
            Delivery(
                message_id=message_id_for(row.id, recipient),
                event_id=row.id,
                project_id=event.project_id,
                recipient=recipient,
                status="queued",
                attempts=0,
                last_error="",
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    # A twin racing on the same key loses on the unique key here; its retry sees ours.
    session.flush()
    return Recorded(row.id, len(recipients), False)
