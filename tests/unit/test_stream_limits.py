"""Stream slots and the stall watchdog on their own, on a fake clock."""

from __future__ import annotations

import pytest

from shared.facts.errors import ResourceExhausted
from shared.runtime.stream_limits import StallWatchdog, StreamSlots


def test_slots_refuse_beyond_either_limit_and_a_release_counts_once() -> None:
    slots = StreamSlots(per_caller=2, total=3)
    first, _ = slots.take("user:a"), slots.take("user:a")
    with pytest.raises(ResourceExhausted) as caller_full:
        slots.take("user:a")
    assert caller_full.value.metadata == {"scope": "caller", "limit": "2"}
    slots.take("user:b")
    with pytest.raises(ResourceExhausted) as service_full:
        slots.take("user:c")
    assert service_full.value.metadata == {"scope": "service", "limit": "3"}
    first()
    first()  # released twice (handler end and gRPC's callback): counted once
    assert slots.held_by("user:a") == 1
    slots.take("user:c")
    with pytest.raises(ResourceExhausted):
        slots.take("user:a")


def test_the_watchdog_cancels_only_writes_waiting_past_the_timeout() -> None:
    now = [100.0]
    watchdog = StallWatchdog(30.0, clock=lambda: now[0], watch_in_background=False)
    cancelled: list[str] = []
    with watchdog.writing(lambda: cancelled.append("written"), "written"):
        now[0] += 29.0
    with watchdog.writing(lambda: cancelled.append("stalled"), "stalled"):
        now[0] += 29.0
        assert watchdog.cancel_stalled() == 0
        now[0] += 1.0
        assert watchdog.cancel_stalled() == 1
        assert watchdog.cancel_stalled() == 0  # cancelled once
    assert cancelled == ["stalled"]
