"""ResendDelivery: a finished delivery queued again, with the same Message-ID (R25).

What finally failed can be sent again; so can what was sent (a recipient who lost it).
The Message-ID is the delivery's, and the message is built from the same event and
queueing date, so a mail system that already holds it folds the two.
"""

from __future__ import annotations

from collections.abc import Callable

from services.notification.domain.deliveries import DeliveryStatus, DeliverySummary, resend
from services.notification.store.repositories import summary_of
from services.notification.store.unit_of_work import NotificationUnitOfWork
from shared.facts.errors import ErrorReason, NotFound
from shared.persistence.db import utcnow


class DeliveryResending:
    def __init__(self, uow: Callable[[], NotificationUnitOfWork]) -> None:
        self._uow = uow

    def resend(self, project_id: str, message_id: str) -> DeliverySummary:
        """Queue the project's delivery ``message_id`` again, due now, with a fresh
        retry horizon."""
        with self._uow() as uow:
            uow.projects.require(project_id)
            delivery = uow.deliveries.by_message_id(project_id, message_id)
            if delivery is None:
                raise NotFound(
                    ErrorReason.DELIVERY_NOT_FOUND,
                    f"No delivery {message_id!r} was found for this project.",
                )
            now = utcnow()
            delivery.status = resend(DeliveryStatus(delivery.status)).value
            delivery.next_attempt_at = now
            delivery.retrying_since = now
            delivery.sent_at = None
            delivery.updated_at = now
            uow.deliveries.flush()
            return summary_of(delivery)
