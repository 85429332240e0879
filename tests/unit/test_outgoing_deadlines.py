"""How long an outgoing call may take: never longer than its caller has left."""

from __future__ import annotations

import time

import grpc
import pytest

from shared.facts.errors import DomainError
from shared.runtime.call_context import CallContext, bind_call, unbind_call
from shared.runtime.client import effective_timeout


def while_serving(remaining: float | None, explicit: float | None, default: float) -> float:
    deadline = None if remaining is None else time.monotonic() + remaining
    token = bind_call(CallContext("req", "/svc/Method", deadline))
    try:
        return effective_timeout(explicit, default)
    finally:
        unbind_call(token)


def test_outside_any_call_the_default_applies() -> None:
    assert effective_timeout(None, 10) == 10
    assert effective_timeout(3, 10) == 3


def test_the_callers_remaining_time_caps_the_call() -> None:
    assert while_serving(remaining=2, explicit=None, default=10) == pytest.approx(2, abs=0.05)
    assert while_serving(remaining=2, explicit=1, default=10) == 1
    assert while_serving(remaining=None, explicit=None, default=10) == 10


def test_a_caller_out_of_time_makes_no_call() -> None:
    with pytest.raises(DomainError) as caught:
        while_serving(remaining=-1, explicit=None, default=10)
    assert caught.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert caught.value.reason == "DEADLINE_EXCEEDED"
