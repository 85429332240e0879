"""State of the call being served on this thread: its request id and its deadline.

The server interceptors bind it; the client helper reads it to pass the request id and the
caller's remaining time on to the calls this call makes.
"""

from __future__ import annotations

import contextvars
import random
import time
from dataclasses import dataclass, field

from shared.facts.identity import PrincipalKind

REQUEST_ID_HEADER = "x-request-id"
# Who a service acts for when it calls another while serving someone's call (for the logs:
# authorization always rests on the bearer token, never on this header).
ACTING_FOR_HEADER = "x-acting-for"
# grpc's time_remaining() answers ~9e18 when the caller set no deadline.
NO_DEADLINE_THRESHOLD_SECONDS = 1e9


@dataclass
class CallOutcome:
    """What the inner interceptors learn about a call, for its log line and its metrics."""

    # The catalogued reason of its refusal, if it was refused.
    reason: str = ""
    # The verified caller's kind, once the token is checked.
    caller_kind: PrincipalKind | None = None


@dataclass(frozen=True)
class CallContext:
    request_id: str
    method: str
    # Monotonic time by which the caller wants an answer, or None without a deadline.
    deadline: float | None
    outcome: CallOutcome = field(default_factory=CallOutcome)

    def time_remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return self.deadline - time.monotonic()


_current_call: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar(
    "current_call", default=None
)


def new_request_id() -> str:
    """32 random hex digits. From the process's seeded generator rather than ``uuid4``: a
    request id need only be unique, and ``uuid4`` asks the kernel for its bytes on every call
    (6% of a refused call's server time in the profile, docs/benchmarks.md §7b)."""
    return f"{random.getrandbits(128):032x}"


def deadline_from_remaining(remaining: float | None) -> float | None:
    if remaining is None or remaining > NO_DEADLINE_THRESHOLD_SECONDS:
        return None
    return time.monotonic() + remaining


def current_call() -> CallContext | None:
    return _current_call.get()


def bind_call(call: CallContext) -> contextvars.Token[CallContext | None]:
    return _current_call.set(call)


def unbind_call(token: contextvars.Token[CallContext | None]) -> None:
    _current_call.reset(token)
