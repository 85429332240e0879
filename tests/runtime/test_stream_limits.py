"""Open streams are bounded per caller and per process, and a stream whose client stops
reading is cancelled so its worker thread comes back: the echo service on real servers
with small limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.facts.errors import ERROR_DOMAIN, error_info_of
from shared.runtime.config import Settings
from shared.runtime.server import GrpcServer, start_server
from tests.fixtures.identity import SigningKeys
from tests.integration.calls import retry_delay_of
from tests.runtime.echo_service import EchoBehaviour, echo_definition, stream_call, unary_call


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


@contextmanager
def serve(keys: SigningKeys, **settings: Any) -> Iterator[tuple[GrpcServer, grpc.Channel]]:
    running = start_server(
        echo_definition(EchoBehaviour()), Settings(**settings), keys.verifier(), port=0
    )
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield running, channel
    finally:
        channel.close()
        running.shutdown(0)


@pytest.fixture
def limited(test_keys: SigningKeys) -> Iterator[tuple[GrpcServer, grpc.Channel]]:
    """Two streams per caller, three in all, a stall timeout of a second."""
    with serve(
        test_keys,
        stream_limit_per_principal=2,
        stream_limit_total=3,
        stream_stall_timeout_seconds=1.0,
    ) as running:
        yield running


def open_stream(channel: grpc.Channel, token: str, **ask: Any) -> Any:
    """A stream the server admitted: its first message has arrived."""
    call = stream_call(channel, {"interval": 0.5, **ask}, metadata=bearer(token), timeout=30)
    next(call)
    return call


def refused(channel: grpc.Channel, token: str) -> tuple[str, str, dict[str, str], float]:
    """Code, reason, ErrorInfo metadata and RetryInfo delay of a refused stream."""
    call = stream_call(channel, {}, metadata=bearer(token), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        next(call)
    info = error_info_of(caught.value)
    assert info is not None and info.domain == ERROR_DOMAIN
    delay = retry_delay_of(caught.value)
    assert delay is not None, "a refused stream says when to try again"
    return caught.value.code().name, info.reason, dict(info.metadata), delay


def test_each_caller_and_the_process_have_a_stream_limit_our_services_do_not(
    limited: tuple[GrpcServer, grpc.Channel], test_keys: SigningKeys
) -> None:
    _, channel = limited
    alice, bob = test_keys.user_token("alice", "c-1"), test_keys.user_token("bob", "c-2")
    alices = [open_stream(channel, alice) for _ in range(2)]
    assert refused(channel, alice) == (
        "RESOURCE_EXHAUSTED",
        "STREAM_LIMIT_EXCEEDED",
        {"scope": "caller", "limit": "2"},
        5.0,
    )
    bobs = [open_stream(channel, bob)]  # the third stream of the process
    assert refused(channel, bob)[1:3] == (
        "STREAM_LIMIT_EXCEEDED",
        {"scope": "service", "limit": "3"},
    )
    # Our own services are never refused: the sync's streams must not starve.
    service = test_keys.service_token("connection")
    services = [open_stream(channel, service) for _ in range(4)]
    # Unary calls are not streams: they still answer.
    assert unary_call(channel, {}, metadata=bearer(bob), timeout=5)["principal"] == "user:bob"

    # A stream the caller closes gives its slot back.
    alices.pop().cancel()
    deadline = time.monotonic() + 5
    while True:
        try:
            alices.append(open_stream(channel, alice))
            break
        except grpc.RpcError:
            assert time.monotonic() < deadline, "the closed stream's slot never came back"
            time.sleep(0.05)
    for call in alices + bobs + services:
        call.cancel()


def test_a_stream_that_only_waits_for_news_is_not_cancelled(
    limited: tuple[GrpcServer, grpc.Channel], test_keys: SigningKeys
) -> None:
    _, channel = limited
    # 1.5 s between messages, a stall timeout of one: waiting is not stalling.
    call = stream_call(
        channel,
        {"count": 2, "interval": 1.5},
        metadata=bearer(test_keys.user_token("carol", "c-1")),
        timeout=10,
    )
    assert len(list(call)) == 2
    assert call.code() == grpc.StatusCode.OK


def test_a_stalled_stream_is_cancelled_and_its_thread_comes_back(test_keys: SigningKeys) -> None:
    # Three worker threads, limits out of the way: three unread streams hold them all.
    with serve(
        test_keys,
        worker_threads=3,
        stream_limit_per_principal=10,
        stream_limit_total=10,
        stream_stall_timeout_seconds=1.0,
    ) as (_, channel):
        token = test_keys.user_token("dave", "c-1")
        megabyte = {"interval": 0, "padding_bytes": 1_000_000}
        started = time.monotonic()
        unread = [open_stream(channel, token, **megabyte) for _ in range(3)]
        # Every thread is stuck writing to a client that does not read...
        with pytest.raises(grpc.RpcError) as caught:
            unary_call(channel, {}, metadata=bearer(token), timeout=0.5)
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        # ...until the watchdog cancels the stalled streams: the threads come back.
        assert unary_call(channel, {}, metadata=bearer(token), timeout=5)["principal"]
        assert time.monotonic() - started < 5
        for call in unread:
            with pytest.raises(grpc.RpcError) as ended:
                for _ in call:
                    pass
            assert ended.value.code() == grpc.StatusCode.CANCELLED
        # And the slots: a new stream is admitted and runs.
        assert next(stream_call(channel, {}, metadata=bearer(token), timeout=5))


def test_streams_without_a_token_count_by_address(
    limited: tuple[GrpcServer, grpc.Channel],
) -> None:
    _, channel = limited
    health = health_pb2_grpc.HealthStub(channel)
    everything = health_pb2.HealthCheckRequest()
    watches = [health.Watch(everything, timeout=30) for _ in range(2)]
    assert all(next(watch).status == health_pb2.HealthCheckResponse.SERVING for watch in watches)
    with pytest.raises(grpc.RpcError) as caught:
        next(health.Watch(everything, timeout=5))
    info = error_info_of(caught.value)
    assert info is not None and info.reason == "STREAM_LIMIT_EXCEEDED"
    assert dict(info.metadata)["scope"] == "caller"
    # Checks are not streams: they still answer.
    assert health.Check(everything, timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    for watch in watches:
        watch.cancel()
