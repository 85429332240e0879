"""The events Notify is told, and the digest rule for new revisions (R23, R24).

A new-revision notice of a connection joins that connection's open digest instead of being
sent alone; when the digest's window closes, everything it gathered goes out as one event.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from connectability.internal.v1 import notification_internal_service_pb2 as pb

MAX_KEY_LENGTH = 200
# The stored name of each kind of event (notification_events.kind).
KIND_NAMES: dict[int, str] = {
    pb.NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED: "connection_requested",
    pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED: "connection_created",
    pb.NOTIFICATION_EVENT_KIND_CONNECTION_REJECTED: "connection_rejected",
    pb.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED: "connection_disconnected",
    pb.NOTIFICATION_EVENT_KIND_INITIAL_COPY_COMPLETE: "initial_copy_complete",
    pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY: "new_revisions_ready",
}


def fingerprint_of(event: pb.NotificationEvent) -> str:
    """A hash of the event's bytes: the same idempotency key with another event is refused."""
    return hashlib.sha256(event.SerializeToString(deterministic=True)).hexdigest()


def as_recorded(event: pb.NotificationEvent, now: datetime) -> pb.NotificationEvent:
    """The event as it is stored: dated now unless its sender dated it."""
    recorded = pb.NotificationEvent()
    recorded.CopyFrom(event)
    if not recorded.HasField("event_time"):
        recorded.event_time.FromDatetime(now)
    return recorded


def joins_digest(event: pb.NotificationEvent, digest_window: timedelta) -> bool:
    """New-revision notices are gathered per connection, unless digests are switched off."""
    return event.kind == pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY and bool(digest_window)


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
