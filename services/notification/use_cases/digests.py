"""Digests of new drawings and revisions: at most one email per connection per window (R24).

The first new-revision notice of a connection opens a digest whose window closes a set
time later; every notice until then joins it. When the window has closed, the worker turns
the digest into one event listing everything that arrived, with one message per
recipient, in one transaction: a digest is sent once, whatever crashes around it.
"""

from __future__ import annotations

from collections.abc import Callable

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from services.notification.domain.events import merged_event
from services.notification.store.unit_of_work import NotificationUnitOfWork
from services.notification.use_cases.events import queue_event
from shared.persistence.db import utcnow


class DigestFlushing:
    def __init__(self, uow: Callable[[], NotificationUnitOfWork]) -> None:
        self._uow = uow

    def flush_due(self) -> int:
        """Send every digest whose window has closed; how many were sent."""
        flushed = 0
        with self._uow() as uow:
            for digest in uow.digests.due(utcnow()):
                gathered = uow.events.gathered_in(digest.id)
                events = [pb.NotificationEvent.FromString(row.payload) for row in gathered]
                digest.flushed_event_id = queue_event(
                    uow, merged_event(events), f"digest:{digest.id}", utcnow()
                )
                flushed += 1
        return flushed
