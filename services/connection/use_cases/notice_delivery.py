"""The worker that delivers the outbox's notices to the notification service (R23, R24).

A commit that wrote notices wakes it; a notification service that is down is retried with
back-off, and each notice carries its idempotency key, so a redelivery queues no second
email.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from services.connection.clients.notification_notices import NoticeNotDelivered
from services.connection.store.notification_outbox import OutboxEntries
from shared.persistence.db import utcnow
from shared.runtime.background_rounds import BackgroundRounds, backoff_seconds
from shared.runtime.tracing import continued_trace

log = logging.getLogger("connectability.connection.notices")

Notify = Callable[[notification_pb.NotificationEvent, str], None]
BATCH_SIZE = 100


class NoticeDelivery(BackgroundRounds):
    """Rounds of delivery: woken by a commit that wrote notices, else now and then."""

    def __init__(self, entries: OutboxEntries, notify: Notify):
        self._entries = entries
        self._notify = notify
        super().__init__("notification-outbox", self.deliver_pending)

    def deliver_pending(self) -> int:
        delivered = 0
        for entry in self._entries.due(BATCH_SIZE):
            try:
                with continued_trace(
                    entry.traceparent, "deliver notice", key=entry.idempotency_key
                ):
                    self._notify(entry.event, entry.idempotency_key)
            except NoticeNotDelivered as failure:
                log.warning("notice not delivered", extra={"key": entry.idempotency_key})
                attempts = entry.attempts + 1
                retry_at = utcnow() + timedelta(seconds=backoff_seconds(attempts))
                self._entries.failed(entry.id, attempts, str(failure), retry_at)
                continue
            self._entries.delivered(entry.id)
            delivered += 1
        return delivered
