"""A connection's sync as its readers see it (R22): how far behind the downstream is, and
what a progress bar shows of the initial copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

NOT_STARTED = "not_started"
COMPLETE = "complete"
FAILED = "failed"


@dataclass(frozen=True)
class CopyProgress:
    copied: int
    total: int
    state: str  # not_started, running, complete or failed

    @property
    def final(self) -> bool:
        return self.state in (COMPLETE, FAILED)


def copy_progress(copy_state: str | None, copied_total: int, expected_total: int) -> CopyProgress:
    """``copy_state`` None: the connection was never active. ``expected_total``: what the
    upstream had to copy when watching began."""
    if copy_state is None:
        return CopyProgress(0, expected_total, NOT_STARTED)
    if copy_state != COMPLETE:
        return CopyProgress(0, expected_total, copy_state)
    # The copy is one bulk transaction: its count is known once it has committed.
    return CopyProgress(copied_total, copied_total, COMPLETE)


def lag_since(oldest_pending_at: datetime | None, now: datetime) -> timedelta:
    """How long the oldest change not yet applied downstream has waited; none: no lag."""
    if oldest_pending_at is None:
        return timedelta(0)
    return max(timedelta(0), now - oldest_pending_at)
