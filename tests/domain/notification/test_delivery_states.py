"""The delivery lifecycle and the retry policy: which move is allowed from where, when a
failed message is tried again, and when it is given up (R25)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.notification.domain import deliveries
from services.notification.domain.deliveries import DeliveryStatus, TransitionNotAllowed
from services.notification.domain.retry_policy import (
    RetryPolicy,
    after_permanent_failure,
    after_success,
    after_temporary_failure,
    retry_horizon_start,
)
from shared.facts.errors import FailedPrecondition

Q, R, SENDING, SENT, F = (
    DeliveryStatus.QUEUED,
    DeliveryStatus.RETRYING,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
)
Move = Callable[[DeliveryStatus], DeliveryStatus]

# move → {status it may start from: where it leads}; every other start is refused.
LIFECYCLE: list[tuple[Move, dict[DeliveryStatus, DeliveryStatus]]] = [
    (deliveries.claim, {Q: SENDING, R: SENDING}),
    (deliveries.mark_sent, {SENDING: SENT}),
    (deliveries.retry_later, {SENDING: R}),
    (deliveries.mark_failed, {SENDING: F}),
    (deliveries.recover_interrupted, {SENDING: R}),
    (deliveries.resend, {SENT: Q, F: Q}),
]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("move", "allowed"), LIFECYCLE, ids=lambda v: getattr(v, "__name__", ""))
def test_each_move_starts_only_where_the_lifecycle_allows(
    move: Move, allowed: dict[DeliveryStatus, DeliveryStatus]
) -> None:
    for start in DeliveryStatus:
        if start in allowed:
            assert move(start) is allowed[start]
        else:
            with pytest.raises((TransitionNotAllowed, FailedPrecondition)):
                move(start)


@pytest.mark.parametrize("busy", [Q, R, SENDING])
def test_a_delivery_on_its_way_cannot_be_resent_by_hand(busy: DeliveryStatus) -> None:
    with pytest.raises(FailedPrecondition) as refused:
        deliveries.resend(busy)
    assert refused.value.reason == "DELIVERY_NOT_FINISHED"
    assert refused.value.metadata == {"status": busy.value}


def test_the_stored_strings_are_the_status_values() -> None:
    assert {status.value for status in DeliveryStatus} == {
        "queued",
        "retrying",
        "sending",
        "sent",
        "failed",
    }


def test_the_wait_doubles_after_each_failure_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay_seconds=1.0, max_delay_seconds=10.0)
    waits = [policy.delay_after(attempts).total_seconds() for attempts in range(1, 7)]
    assert waits == sorted(waits) and waits[0] == policy.base_delay_seconds
    assert waits[1] == 2 * waits[0]
    assert max(waits) == policy.max_delay_seconds
    # A huge count of attempts stays at the cap instead of overflowing.
    assert policy.delay_after(10_000).total_seconds() == policy.max_delay_seconds


def test_a_temporary_failure_is_retried_until_the_horizon_then_fails() -> None:
    policy = RetryPolicy(retry_for=timedelta(hours=24))
    queued = NOW - timedelta(hours=1)
    retried = after_temporary_failure(policy, 3, queued, NOW, "451 Later")
    assert retried.status is R and retried.retry_in == policy.delay_after(3)
    assert retried.error == "451 Later"

    long_ago = NOW - policy.retry_for
    given_up = after_temporary_failure(policy, 40, long_ago, NOW, "451 Later")
    assert given_up.status is F and given_up.retry_in is None
    assert "gave up after 40 attempts" in given_up.error and "451 Later" in given_up.error


def test_the_horizon_runs_from_the_last_resend_by_hand() -> None:
    created = NOW - timedelta(days=3)
    assert retry_horizon_start(created, None) == created
    assert retry_horizon_start(created, NOW) == NOW
    policy = RetryPolicy(retry_for=timedelta(hours=24))
    resent_now = after_temporary_failure(policy, 9, retry_horizon_start(created, NOW), NOW, "x")
    assert resent_now.status is R


def test_a_permanent_failure_fails_at_once_and_success_is_sent() -> None:
    refused = after_permanent_failure("550 Mailbox unavailable")
    assert refused.status is F and refused.retry_in is None
    assert refused.settle(SENDING) is F
    assert after_success().settle(SENDING) is SENT
    with pytest.raises(TransitionNotAllowed):
        after_success().settle(Q)
