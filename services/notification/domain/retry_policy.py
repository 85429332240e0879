"""How a message the mail server cannot take now is retried, and what each attempt leads to
(R25)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notification.domain.deliveries import (
    DeliveryStatus,
    mark_failed,
    mark_sent,
    retry_later,
)


@dataclass(frozen=True)
class RetryPolicy:
    # How long after it was queued a message is still retried: a mail server down for hours
    # delays mail but loses none. Then it is FAILED, and can be sent again by hand.
    retry_for: timedelta = timedelta(hours=24)
    # The wait after the first failed attempt; it doubles after each further one, up to
    # max_delay_seconds.
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 900.0
    # How often the worker looks for due messages when idle.
    poll_interval_seconds: float = 0.5
    # A worker's claim on a message it is sending lasts this long (renewed before each
    # send): beyond the mail transaction's timeout, or a live send could be doubled. A
    # crashed worker's messages are sent again by another once it runs out.
    claim_lease_seconds: float = 90.0

    @property
    def claim_lease(self) -> timedelta:
        return timedelta(seconds=self.claim_lease_seconds)

    def delay_after(self, attempts: int) -> timedelta:
        doublings = min(max(attempts - 1, 0), 64)  # past the cap anyway; no float overflow
        return timedelta(
            seconds=min(self.base_delay_seconds * 2**doublings, self.max_delay_seconds)
        )

    def gives_up(self, horizon_start: datetime, now: datetime) -> bool:
        return now - horizon_start >= self.retry_for


def retry_horizon_start(created_at: datetime, resent_at: datetime | None) -> datetime:
    """The retry horizon runs from the last resend by hand, else from the queueing."""
    return resent_at or created_at


@dataclass(frozen=True)
class AttemptOutcome:
    """Where one attempt leaves its delivery: the new status, the error kept, and when to
    try again (only for ``retrying``)."""

    status: DeliveryStatus
    error: str
    retry_in: timedelta | None = None

    def settle(self, current: DeliveryStatus) -> DeliveryStatus:
        """The attempt's delivery moved by the transition that leads to ``status``."""
        return _SETTLING_MOVES[self.status](current)


_SETTLING_MOVES = {
    DeliveryStatus.SENT: mark_sent,
    DeliveryStatus.RETRYING: retry_later,
    DeliveryStatus.FAILED: mark_failed,
}


def after_success() -> AttemptOutcome:
    return AttemptOutcome(DeliveryStatus.SENT, "")


def after_permanent_failure(error: str) -> AttemptOutcome:
    """The mail server refused for good (5xx): trying again cannot help."""
    return AttemptOutcome(DeliveryStatus.FAILED, error)


def after_temporary_failure(
    policy: RetryPolicy, attempts: int, horizon_start: datetime, now: datetime, error: str
) -> AttemptOutcome:
    """Retried later with back-off, until the retry horizon has passed."""
    if policy.gives_up(horizon_start, now):
        return AttemptOutcome(DeliveryStatus.FAILED, f"gave up after {attempts} attempts: {error}")
    return AttemptOutcome(DeliveryStatus.RETRYING, error, policy.delay_after(attempts))


def after_broken_attempt(error: str) -> AttemptOutcome:
    """The attempt itself broke (a bug, an event we cannot word): it fails alone, recorded,
    instead of leaving the batch ``sending``."""
    return AttemptOutcome(DeliveryStatus.FAILED, f"the attempt broke: {error}")
