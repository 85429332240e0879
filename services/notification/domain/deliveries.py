"""Where the sending of one email stands, and the moves between those states (R25).

queued ──claim──▶ sending ──mark_sent──▶ sent
   ▲                 │ ├──retry_later──▶ retrying ──claim──▶ sending …
   │                 │ └──mark_failed──▶ failed
   │                 └──recover_interrupted (a crash cut the attempt short)──▶ retrying
   └──resend (by hand, from sent or failed)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.facts.errors import ErrorReason, FailedPrecondition

# The stored error text is cut here: a mail server may answer at length.
MAX_ERROR_LENGTH = 2000


class DeliveryStatus(StrEnum):
    """The values are the strings stored in ``deliveries.status``."""

    QUEUED = "queued"
    # Queued again after a failed attempt; answered as QUEUED on the wire.
    RETRYING = "retrying"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# What the worker picks up once its time has come.
DUE_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)
# A delivery still on its way is left to the worker: sending it twice at once would race.
FINISHED_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED)


class TransitionNotAllowed(ValueError):
    """A move the lifecycle above does not have: a bug in the caller, not a refusal."""

    def __init__(self, move: str, status: DeliveryStatus) -> None:
        super().__init__(f"a delivery cannot {move} from {status.value}")


def _require(move: str, status: DeliveryStatus, allowed: tuple[DeliveryStatus, ...]) -> None:
    if status not in allowed:
        raise TransitionNotAllowed(move, status)


def claim(status: DeliveryStatus) -> DeliveryStatus:
    """The worker takes a due delivery for one attempt."""
    _require("be claimed", status, DUE_STATUSES)
    return DeliveryStatus.SENDING


def mark_sent(status: DeliveryStatus) -> DeliveryStatus:
    _require("be sent", status, (DeliveryStatus.SENDING,))
    return DeliveryStatus.SENT


def retry_later(status: DeliveryStatus) -> DeliveryStatus:
    _require("be retried", status, (DeliveryStatus.SENDING,))
    return DeliveryStatus.RETRYING


def mark_failed(status: DeliveryStatus) -> DeliveryStatus:
    _require("fail", status, (DeliveryStatus.SENDING,))
    return DeliveryStatus.FAILED


def recover_interrupted(status: DeliveryStatus) -> DeliveryStatus:
    """A crash left the attempt ``sending``: queue it again (its Message-ID stays)."""
    _require("be recovered", status, (DeliveryStatus.SENDING,))
    return DeliveryStatus.RETRYING


def resend(status: DeliveryStatus) -> DeliveryStatus:
    """Sent again by hand: what finally failed, or what was sent and lost by its recipient."""
    if status not in FINISHED_STATUSES:
        raise FailedPrecondition(
            ErrorReason.DELIVERY_NOT_FINISHED,
            "This delivery is still queued or being sent; it can be sent again once it has "
            "been sent or has failed.",
            {"status": status.value},
        )
    return DeliveryStatus.QUEUED


@dataclass(frozen=True)
class DeliverySummary:
    """A delivery as ListDeliveries and ResendDelivery answer it."""

    message_id: str
    event_id: str
    recipient: str
    status: DeliveryStatus
    attempts: int
    last_error: str
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
