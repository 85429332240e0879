"""ResendDelivery: a finished delivery queued again, with the same Message-ID (R25).

What finally failed can be sent again; so can what was sent (a recipient who lost it).
The Message-ID is the delivery's, and the message is built from the same event and
queueing date, so a mail system that already holds it folds the two.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notification.distribution_lists import require_project
from services.notification.store.models import Delivery
from shared.facts.errors import ErrorReason, FailedPrecondition, NotFound
from shared.persistence.db import utcnow

# A delivery still on its way is left to the worker: sending it twice at once would race.
FINISHED_STATUSES = ("sent", "failed")


def resend_delivery(session: Session, project_id: str, message_id: str) -> Delivery:
    """Queue the project's delivery ``message_id`` again, due now, with a fresh allowance."""
    require_project(session, project_id)
    delivery = session.scalars(
        select(Delivery)
        .where(Delivery.project_id == project_id, Delivery.message_id == message_id)
        .with_for_update()
    ).one_or_none()
    if delivery is None:
        raise NotFound(
            ErrorReason.DELIVERY_NOT_FOUND,
            f"No delivery {message_id!r} was found for this project.",
        )
    if delivery.status not in FINISHED_STATUSES:
        raise FailedPrecondition(
            ErrorReason.DELIVERY_NOT_FINISHED,
            "This delivery is still queued or being sent; it can be sent again once it has "
            "been sent or has failed.",
            {"status": delivery.status},
        )
    now = utcnow()
    delivery.status = "queued"
    delivery.next_attempt_at = now
    delivery.retrying_since = now
    delivery.sent_at = None
    delivery.updated_at = now
    session.flush()
    return delivery
