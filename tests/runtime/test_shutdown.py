"""Graceful shutdown: NOT_SERVING first, unary calls drain, then open streams are cancelled."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.fixtures.identity import SigningKeys
from tests.runtime.conftest import start_echo
from tests.runtime.echo_service import EchoBehaviour, stream_call, unary_call


def test_shutdown_drains_unary_then_cancels_streams(test_keys: SigningKeys) -> None:
    running = start_echo(test_keys, EchoBehaviour())
    token = [("authorization", f"Bearer {test_keys.platform_token()}")]
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    health = health_pb2_grpc.HealthStub(channel)
    statuses = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=30)
    assert next(statuses).status == health_pb2.HealthCheckResponse.SERVING

    stream = stream_call(channel, {"interval": 0.05}, metadata=token, timeout=30)
    assert next(stream) is not None  # the stream is open and flowing

    slow_result: dict[str, object] = {}

    def slow_unary() -> None:
        try:
            slow_result["answer"] = unary_call(channel, {"sleep": 1.0}, metadata=token, timeout=30)
        except grpc.RpcError as error:  # pragma: no cover - reported by the assertion below
            slow_result["error"] = error.code()

    caller = threading.Thread(target=slow_unary)
    caller.start()
    while running.in_flight.unary == 0:
        time.sleep(0.01)

    started = time.monotonic()
    stopper = threading.Thread(target=running.shutdown, args=(10.0,))
    stopper.start()

    # Health says NOT_SERVING as soon as shutdown begins.
    assert next(statuses).status == health_pb2.HealthCheckResponse.NOT_SERVING
    # New calls are refused while the slow one finishes.
    with pytest.raises(grpc.RpcError) as refused:
        unary_call(channel, {}, metadata=token, timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

    caller.join(10)
    stopper.join(15)
    elapsed = time.monotonic() - started
    assert "answer" in slow_result, slow_result  # the unary call in flight completed
    # The open stream was cancelled once unary calls drained, not at the end of the grace.
    with pytest.raises(grpc.RpcError) as ended:
        for _ in stream:
            pass
    assert ended.value.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)
    assert elapsed < 8, f"shutdown waited {elapsed:.1f}s: streams held it to the grace period"
    channel.close()


def test_unary_calls_past_the_grace_period_are_cut_off(test_keys: SigningKeys) -> None:
    running = start_echo(test_keys, EchoBehaviour())
    token = [("authorization", f"Bearer {test_keys.platform_token()}")]
    with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        outcome: dict[str, object] = {}

        def very_slow() -> None:
            try:
                unary_call(channel, {"sleep": 5}, metadata=token, timeout=30)
                outcome["code"] = grpc.StatusCode.OK
            except grpc.RpcError as error:
                outcome["code"] = error.code()

        caller = threading.Thread(target=very_slow)
        caller.start()
        while running.in_flight.unary == 0:
            time.sleep(0.01)
        started = time.monotonic()
        running.shutdown(0.5)
        assert time.monotonic() - started < 3
        caller.join(10)
        assert outcome["code"] != grpc.StatusCode.OK
