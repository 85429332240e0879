"""Digests of new drawings and revisions: at most one email per connection per window (R24).

The first new-revision notice of a connection opens a digest whose window closes a set
time later; every notice until then joins it. When the window has closed, the worker turns
the digest into one event listing everything that arrived, with one message per
recipient, in one transaction: a digest is sent once, whatever crashes around it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from services.notification.store.models import Digest, NotificationEvent
from shared.persistence.db import new_id, utcnow

# Stores a merged event and queues its messages: (session, event, idempotency key, now) →
# the stored event's id.
QueueEvent = Callable[[Session, pb.NotificationEvent, str, datetime], str]


def join_open_digest(
    session: Session,
    event_row: NotificationEvent,
    connection_id: str,
    window: timedelta,
    now: datetime,
) -> Digest:
    open_digest = session.scalars(
        select(Digest)
        .where(
            Digest.project_id == event_row.project_id,
            Digest.connection_id == connection_id,
            Digest.flushed_event_id.is_(None),
        )
        .with_for_update()
    ).first()
    if open_digest is None:
        open_digest = Digest(
            id=new_id(),
            project_id=event_row.project_id,
            connection_id=connection_id,
            window_ends_at=now + window,
            created_at=now,
        )
        session.add(open_digest)
        session.flush()
    event_row.digest_id = open_digest.id
    session.flush()
    return open_digest


def merged_event(events: list[pb.NotificationEvent]) -> pb.NotificationEvent:
    """One new-revisions event listing every item of ``events``, oldest first."""
    merged = pb.NotificationEvent()
    merged.CopyFrom(events[0])
    del merged.items[:]
    merged.count = 0
    for event in events:
        merged.items.extend(event.items)
        merged.count += event.count or len(event.items)
    merged.event_time.CopyFrom(events[-1].event_time)
    return merged


def flush_due_digests(sessions: sessionmaker[Session], queue_event: QueueEvent) -> int:
    """Send every digest whose window has closed; returns how many were sent."""
    flushed = 0
    with sessions.begin() as session:
        due = session.scalars(
            select(Digest)
            .where(Digest.flushed_event_id.is_(None), Digest.window_ends_at <= utcnow())
            .order_by(Digest.window_ends_at)
            .with_for_update(skip_locked=True)
        ).all()
        for digest in due:
            gathered = session.scalars(
                select(NotificationEvent)
                .where(NotificationEvent.digest_id == digest.id)
                .order_by(NotificationEvent.created_at, NotificationEvent.id)
            ).all()
            events = [pb.NotificationEvent.FromString(row.payload) for row in gathered]
            digest.flushed_event_id = queue_event(
                session, merged_event(events), f"digest:{digest.id}", utcnow()
            )
            flushed += 1
    return flushed
