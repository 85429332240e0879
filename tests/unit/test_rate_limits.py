"""The rate limiter without a gRPC server: who is counted under which key, windows, the
refusal's details, the token claim, and the Redis counter against the real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from google.rpc import code_pb2, error_details_pb2

from shared.facts.errors import status_for
from shared.facts.identity import (
    ClaimsError,
    IntegratorMode,
    Principal,
    PrincipalKind,
    principal_from_claims,
)
from shared.runtime.interceptors import peer_host
from shared.runtime.rate_limits import (
    InMemoryCallCounter,
    RateLimitDecision,
    RateLimiter,
    RedisCallCounter,
)

REDIS_URL = os.environ.get("CONNECTABILITY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def integrator(client_id: str, limit: int = 0, user: str = "u-1") -> Principal:
    mode = IntegratorMode.SERVICE_ACCOUNT
    return Principal(PrincipalKind.INTEGRATOR, user, "c-1", client_id, mode, limit)


def test_who_is_counted_under_which_key_with_which_limit() -> None:
    limiter = RateLimiter(InMemoryCallCounter(), default_limit=3600, window_seconds=3600)
    assert limiter.limited_client(integrator("app-1")) == ("client:app-1", 3600)
    assert limiter.limited_client(integrator("app-1", 50, user="u-2")) == ("client:app-1", 50)
    user = Principal(PrincipalKind.USER, "u-9", "c-1")
    assert limiter.limited_client(user) == ("user:u-9", 3600)
    assert limiter.limited_client(Principal(PrincipalKind.SERVICE, "connection")) is None
    assert limiter.limited_client(Principal(PrincipalKind.PLATFORM, "accounts")) is None
    assert limiter.take(Principal(PrincipalKind.SERVICE, "drawing")) is None


def test_a_window_counts_its_calls_then_a_new_one_starts() -> None:
    clock = Clock()
    limiter = RateLimiter(InMemoryCallCounter(clock), default_limit=2, window_seconds=60)
    app = integrator("app-1")
    first = limiter.take(app)
    clock.now += 10
    second, third = limiter.take(app), limiter.take(app)
    assert first and second and third
    assert [(d.allowed, d.remaining) for d in (first, second, third)] == [
        (True, 1),
        (True, 0),
        (False, 0),
    ]
    assert (first.reset_seconds, third.reset_seconds) == (60, 50)
    assert limiter.take(integrator("app-2")) == RateLimitDecision(2, 1, 60)  # its own window
    clock.now += 50
    renewed = limiter.take(app)
    assert renewed == RateLimitDecision(2, 1, 60)


def test_ended_windows_are_swept_once_many_clients_are_held() -> None:
    clock = Clock()
    counter = InMemoryCallCounter(clock)
    counter.SWEEP_ABOVE = 3
    for key in ("a", "b", "c"):
        counter.count(key, 1)
    clock.now += 2
    counter.count("d", 1)
    assert set(counter._windows) == {"d"}


def test_headers_and_the_refusal_with_its_retry_delay() -> None:
    decision = RateLimitDecision(limit=10, calls=11, reset_seconds=41.2)
    assert decision.headers() == (
        ("x-ratelimit-limit", "10"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", "42"),
    )
    status = status_for(decision.refusal())
    assert status.code == code_pb2.RESOURCE_EXHAUSTED
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(info) and status.details[1].Unpack(retry)
    assert (info.reason, info.domain, dict(info.metadata)) == (
        "RATE_LIMIT_EXCEEDED",
        "connectability",
        {"limit": "10"},
    )
    assert retry.retry_delay.ToMilliseconds() == 41_200
    # Less than a second left still tells the client to wait one, never zero.
    assert dict(RateLimitDecision(1, 1, 0.2).headers())["x-ratelimit-reset"] == "1"


def test_the_rate_limit_claim_round_trips_and_bad_values_are_refused() -> None:
    principal = integrator("app-1", 120)
    claims = principal.to_claims()
    assert claims["rate_limit_per_hour"] == 120
    assert principal_from_claims(claims) == principal
    without = integrator("app-1")
    assert "rate_limit_per_hour" not in without.to_claims()
    assert principal_from_claims(without.to_claims()).rate_limit_per_hour == 0
    for bad in (-1, "100", 1.5, True):
        with pytest.raises(ClaimsError):
            principal_from_claims({**claims, "rate_limit_per_hour": bad})


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"test-rate-limits-unit:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL)
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_redis_counters_share_one_window_that_expires_by_itself(redis_prefix: str) -> None:
    first = RedisCallCounter(REDIS_URL, redis_prefix)
    second = RedisCallCounter(REDIS_URL, redis_prefix)
    counts = [first.count("client:app", 30, 1000), second.count("client:app", 30, 1000)]
    assert [calls for calls, _ in counts] == [1, 2]
    assert all(29 < left <= 30 for _, left in counts)
    client = redis.Redis.from_url(REDIS_URL)
    assert 29_000 < client.pttl(f"{redis_prefix}:client:app") <= 30_000
    # A key that lost its expiry (set by hand, say) gets one again rather than living forever.
    client.set(f"{redis_prefix}:client:stuck", 5)
    assert first.count("client:stuck", 30, 1000)[0] == 6
    assert client.pttl(f"{redis_prefix}:client:stuck") > 0
    first.close()
    second.close()


def test_two_processes_near_the_limit_allow_exactly_the_limit(redis_prefix: str) -> None:
    """Each process claims units ahead while far below the limit, one at a time near it:
    every call gets its own place in the shared count, and exactly the limit is allowed."""
    limiters = [
        RateLimiter(RedisCallCounter(REDIS_URL, redis_prefix), 300, window_seconds=30)
        for _ in range(2)
    ]
    app = integrator("app-near")
    decisions = [limiters[call % 2].take(app) for call in range(320)]
    assert all(decisions)
    calls = sorted(d.calls for d in decisions if d)
    assert calls == list(range(1, 321))  # no place given twice, none lost
    allowed = [d for d in decisions if d and d.allowed]
    assert len(allowed) == 300
    # Within the last hundred a claim is one unit: each answer's remaining is the shared one.
    assert [d.remaining for d in decisions[200:300] if d] == list(range(99, -1, -1))
    assert not any(d and d.allowed for d in decisions[300:])


def test_far_below_its_limit_a_process_asks_redis_once_for_many_calls(
    redis_prefix: str,
) -> None:
    clock = Clock()
    counter = RedisCallCounter(REDIS_URL, redis_prefix, clock=clock)
    round_trips = [0]
    claim = counter._script

    def counted(*args: Any, **kwargs: Any) -> Any:
        round_trips[0] += 1
        return claim(*args, **kwargs)

    counter._script = counted  # type: ignore[assignment]
    answers = [counter.count("client:busy", 30, 10**6)[0] for _ in range(1000)]
    assert answers == list(range(1, 1001))
    assert round_trips[0] <= 1000 // 64 + 8  # claims of 1, 2, 4 ... 64 units
    shared = int(redis.Redis.from_url(REDIS_URL).get(f"{redis_prefix}:client:busy") or 0)
    assert 1000 <= shared < 1000 + 64  # never fewer than were made
    # Claimed units lapse after a second: the next call asks Redis again.
    clock.now += 1.5
    before = round_trips[0]
    assert counter.count("client:busy", 30, 10**6)[0] == shared + 1
    assert round_trips[0] == before + 1
    counter.close()


@pytest.mark.parametrize(
    ("peer", "host"),
    [("ipv4:10.0.0.7:5123", "10.0.0.7"), ("ipv6:[::1]:5123", "::1"), ("unix:/run/x", "/run/x")],
)
def test_a_token_exchange_is_counted_under_its_callers_host(peer: str, host: str) -> None:
    assert peer_host(peer) == host
