"""Rate limits per client application (R32): a fixed window of calls per client.

Who is counted, and under which key:
- an integrator token by its client application: ``client:<client_id>``, with the limit its
  token names (``rate_limit_per_hour``) or the default;
- a user token (a first-party client, such as our own web app) by its user:
  ``user:<user_id>``, with the default limit;
- ``service`` and ``platform`` callers are never limited: they are our own systems.

Each counted call takes one unit of the client's window; the window starts with the client's
first call and lasts ``rate_limit_window_seconds`` (an hour by default). Calls over the limit
are refused, and counted too, until the window ends.

Where the counts live: in this process's memory by default (each process or replica counts
alone), or in Redis when ``CONNECTABILITY_REDIS_URL`` is set (every process sharing that
Redis shares one count per client). When Redis cannot be reached the limiter does not refuse
calls for it: it logs a warning and counts in this process's memory until Redis answers
again, trying it again every few seconds.

With Redis, a round trip on every call was a tenth of a cheap read's time, so a process
claims units of a client's shared count ahead, in one round trip, while the client is far
below its limit, and counts its next calls against them here (``RedisCallCounter``):

- each unit is one place in the client's shared count (``INCRBY`` hands each process its
  own), and a call is allowed only on a unit within the limit, so however the calls spread
  over processes no more than the limit are ever allowed, and Redis never counts fewer
  calls than were made;
- a claim is at most a 64th of what the client has left (so near its limit every call
  takes exactly one unit, one round trip, as without claims), at most twice what the
  process used of its last claim (a client calling now and then claims one at a time),
  and at most ``MAX_CLAIM``;
- claimed units last a second at most (never past the window): a process's answers lag
  what the other processes counted by at most that second, so ``remaining`` stays true to
  within a second of the others' calls, and exact near the limit. Units left unused when
  they lapse are lost to the client: a few of what it has left, while it has plenty.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from google.protobuf import duration_pb2
from google.rpc import error_details_pb2

from shared.facts.errors import ErrorReason, ResourceExhausted
from shared.facts.identity import Principal, PrincipalKind
from shared.runtime.config import Settings

log = logging.getLogger("connectability.rate_limits")

LIMIT_HEADER = "x-ratelimit-limit"
REMAINING_HEADER = "x-ratelimit-remaining"
RESET_HEADER = "x-ratelimit-reset"

# After Redis failed, calls count in memory for this long before Redis is tried again, so an
# outage costs one connection timeout every few seconds rather than one per call.
REDIS_RETRY_AFTER_SECONDS = 5.0
# Redis is on the path of every call: a slow or unreachable one must not hold calls up.
REDIS_TIMEOUT_SECONDS = 0.5

# Claims (the module's docstring): at most this share of what a client has left, this many
# units, for this long.
HEADROOM_SHARE = 64
MAX_CLAIM = 64
CLAIM_SECONDS = 1.0

# One round trip, atomic: claim ARGV[2] units, start the window's expiry with its first
# claim (or repair a key left without one), and answer the count and the milliseconds left.
_CLAIM_SCRIPT = """
local calls = redis.call('INCRBY', KEYS[1], ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if calls == tonumber(ARGV[2]) or left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {calls, left}
"""


class CallCounter(Protocol):
    def count(self, key: str, window_seconds: float, limit: int) -> tuple[int, float]:
        """Count one call of ``key``, allowed ``limit`` calls a window: (calls in its
        window so far, seconds until it ends)."""
        ...


class InMemoryCallCounter:
    """Windows kept in this process: each process (or replica) counts alone."""

    # Ended windows are dropped once this many clients are held, so memory stays bounded.
    SWEEP_ABOVE = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, calls)
        self._lock = threading.Lock()

    def count(self, key: str, window_seconds: float, limit: int = 0) -> tuple[int, float]:
        now = self._clock()
        with self._lock:
            ends, calls = self._windows.get(key, (0.0, 0))
            if ends <= now:
                if len(self._windows) >= self.SWEEP_ABOVE:
                    self._sweep(now)
                ends, calls = now + window_seconds, 0
            calls += 1
            self._windows[key] = (ends, calls)
        # (now + window) - now can exceed window by a rounding error: a reset of 3601 s.
        return calls, min(window_seconds, ends - now)

    def _sweep(self, now: float) -> None:
        for key in [key for key, (ends, _) in self._windows.items() if ends <= now]:
            del self._windows[key]


@dataclass
class _Claim:
    """Units of a client's shared count this process claimed: ``next_unit`` to
    ``last_unit`` are still to use, until ``lapses``."""

    next_unit: int
    last_unit: int
    used: int
    lapses: float
    window_ends: float

    def take(self, now: float) -> int | None:
        if self.next_unit > self.last_unit or now >= self.lapses:
            return None
        unit = self.next_unit
        self.next_unit += 1
        self.used += 1
        return unit

    def next_size(self, limit: int, now: float) -> int:
        """How many units the next claim takes (the module's docstring)."""
        if now >= self.window_ends:
            return 1  # a new window: nothing known of its count yet
        left = limit - self.last_unit
        return max(1, min(MAX_CLAIM, left // HEADROOM_SHARE, 2 * self.used))


class RedisCallCounter:
    """Windows kept in Redis, shared by every process that uses the same Redis and prefix;
    units claimed ahead while a client is far below its limit (the module's docstring)."""

    # Claims of ended windows are dropped once this many clients are held.
    SWEEP_ABOVE = 10_000

    def __init__(
        self,
        url: str,
        key_prefix: str,
        fallback: CallCounter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        import redis  # only processes configured for Redis need the package loaded

        self._redis_errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._client = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._script = self._client.register_script(_CLAIM_SCRIPT)
        self._prefix = key_prefix
        self._fallback = fallback or InMemoryCallCounter(clock)
        self._clock = clock
        self._down_until: float | None = None
        self._claims: dict[str, _Claim] = {}
        self._lock = threading.Lock()

    def count(self, key: str, window_seconds: float, limit: int) -> tuple[int, float]:
        now = self._clock()
        with self._lock:
            claim = self._claims.get(key)
            unit = claim.take(now) if claim is not None else None
            if claim is not None and unit is not None:
                return unit, min(window_seconds, claim.window_ends - now)
            size = claim.next_size(limit, now) if claim is not None else 1
        if self._redis_is_resting():
            return self._fallback.count(key, window_seconds, limit)
        window_ms = max(1, int(window_seconds * 1000))
        try:
            calls, left_ms = self._script(keys=[f"{self._prefix}:{key}"], args=[window_ms, size])
        except self._redis_errors as error:
            self._redis_failed(error)
            return self._fallback.count(key, window_seconds, limit)
        self._redis_answered()
        left = int(left_ms) / 1000
        first = int(calls) - size + 1
        claimed = _Claim(first + 1, int(calls), 1, min(now + left, now + CLAIM_SECONDS), now + left)
        self._keep(key, claimed, now)
        return first, left

    def _keep(self, key: str, claimed: _Claim, now: float) -> None:
        """Keep the newest claim; one that raced it (another thread's) and still holds
        units is kept instead when it holds more."""
        with self._lock:
            held = self._claims.get(key)
            if held is not None and now < held.lapses:
                if held.last_unit - held.next_unit > claimed.last_unit - claimed.next_unit:
                    return
            if held is None and len(self._claims) >= self.SWEEP_ABOVE:
                for ended in [k for k, c in self._claims.items() if c.window_ends <= now]:
                    del self._claims[ended]
            self._claims[key] = claimed

    def _redis_is_resting(self) -> bool:
        with self._lock:
            return self._down_until is not None and self._clock() < self._down_until

    def _redis_failed(self, error: BaseException) -> None:
        with self._lock:
            first_failure = self._down_until is None
            self._down_until = self._clock() + REDIS_RETRY_AFTER_SECONDS
        if first_failure:
            log.warning(
                "Redis is unreachable: rate limits are counted in this process alone until it "
                "answers again",
                extra={"error": f"{type(error).__name__}: {error}"},
            )

    def _redis_answered(self) -> None:
        with self._lock:
            was_down = self._down_until is not None
            self._down_until = None
        if was_down:
            log.warning("Redis answers again: rate limits are shared again")

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True)
class RateLimitDecision:
    """One counted call: the client's limit, what remains of it, and when the window ends."""

    limit: int
    calls: int
    reset_seconds: float

    @property
    def allowed(self) -> bool:
        return self.calls <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.calls)

    def headers(self) -> tuple[tuple[str, str], ...]:
        # Whole seconds, rounded up: a client that waits this long finds a new window.
        reset = max(1, math.ceil(self.reset_seconds))
        return (
            (LIMIT_HEADER, str(self.limit)),
            (REMAINING_HEADER, str(self.remaining)),
            (RESET_HEADER, str(reset)),
        )

    def refusal(self) -> RateLimitExceeded:
        return RateLimitExceeded(self)


class RateLimitExceeded(ResourceExhausted):
    """``RESOURCE_EXHAUSTED`` / ``RATE_LIMIT_EXCEEDED`` with a ``RetryInfo`` until the reset."""

    def __init__(self, decision: RateLimitDecision):
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(max(0, int(decision.reset_seconds * 1e9)))
        super().__init__(
            ErrorReason.RATE_LIMIT_EXCEEDED,
            f"The rate limit of {decision.limit} calls per window is used up; it resets in "
            f"{max(1, math.ceil(decision.reset_seconds))} seconds.",
            metadata={"limit": str(decision.limit)},
            details=[error_details_pb2.RetryInfo(retry_delay=delay)],
        )


class RateLimiter:
    """Decides, per call, whether its client has calls left in its window."""

    def __init__(self, counter: CallCounter, default_limit: int, window_seconds: float):
        self._counter = counter
        self.default_limit = default_limit
        self.window_seconds = window_seconds

    def limited_client(self, principal: Principal) -> tuple[str, int] | None:
        """The key a caller is counted under and its limit; None for callers never limited."""
        if principal.kind is PrincipalKind.INTEGRATOR:
            limit = principal.rate_limit_per_hour or self.default_limit
            return f"client:{principal.client_id}", limit
        if principal.kind is PrincipalKind.USER:
            return f"user:{principal.subject}", self.default_limit
        return None  # service and platform: our own systems (R32)

    def take(self, principal: Principal) -> RateLimitDecision | None:
        """Count one call of ``principal``'s client; None when the caller is exempt."""
        client = self.limited_client(principal)
        if client is None:
            return None
        key, limit = client
        calls, reset_seconds = self._counter.count(key, self.window_seconds, limit)
        return RateLimitDecision(limit, calls, reset_seconds)

    def take_for_address(self, address: str) -> RateLimitDecision:
        """Count one unauthenticated call (the token exchange) of a caller's address."""
        key = f"address:{address}"
        calls, reset_seconds = self._counter.count(key, self.window_seconds, self.default_limit)
        return RateLimitDecision(self.default_limit, calls, reset_seconds)


def rate_limiter_from_settings(settings: Settings) -> RateLimiter:
    counter: CallCounter
    if settings.redis_url:
        counter = RedisCallCounter(settings.redis_url, settings.rate_limit_key_prefix)
    else:
        counter = InMemoryCallCounter()
    return RateLimiter(counter, settings.rate_limit_per_hour, settings.rate_limit_window_seconds)
