"""Rate limits (R32) on real servers and sockets: the echo service in this process or in
processes of its own, the notification service as it runs in production, and Redis at
127.0.0.1:6379 (a private redis-server for the outage).

Every answer carries ``x-ratelimit-limit``, ``-remaining`` and ``-reset`` in its trailers;
the call past the limit answers ``RESOURCE_EXHAUSTED`` / ``RATE_LIMIT_EXCEEDED`` with a
``RetryInfo``; services, the platform, health and reflection are never limited.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import redis
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb2
from connectability.internal.v1 import notification_internal_service_pb2_grpc as notification_grpc
from connectability.v1 import connection_service_pb2 as connection_pb2
from connectability.v1 import connection_service_pb2_grpc as connection_grpc
from services.supervisor import start_services, stop_services, wait_until_serving
from shared.facts.errors import error_info_of
from shared.runtime import rate_limits
from shared.runtime.config import Settings
from shared.runtime.server import start_server
from tests.fixtures.identity import SigningKeys
from tests.fixtures.stack import free_port, stack_environment
from tests.runtime.echo_service import (
    EchoBehaviour,
    echo_definition,
    stream_call,
    unary_call_with_call,
)

REDIS_URL = os.environ.get("CONNECTABILITY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@dataclass
class Answer:
    code: str
    trailers: dict[str, Any]
    reason: str = ""
    retry_delay: float | None = None

    @property
    def limit(self) -> int:
        return int(self.trailers["x-ratelimit-limit"])

    @property
    def remaining(self) -> int:
        return int(self.trailers["x-ratelimit-remaining"])

    @property
    def reset(self) -> int:
        return int(self.trailers["x-ratelimit-reset"])

    @property
    def counted(self) -> bool:
        return any(header in self.trailers for header in RATE_HEADERS)


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def refused(error: grpc.RpcError) -> Answer:
    info = error_info_of(error)
    retry_delay = None
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retry_delay = retry.retry_delay.ToNanoseconds() / 1e9
    return Answer(
        error.code().name,
        dict(error.trailing_metadata() or ()),  # type: ignore[attr-defined]
        info.reason if info else "",
        retry_delay,
    )


def echo(channel: grpc.Channel, token: str, ask: dict[str, Any] | None = None) -> Answer:
    try:
        _, call = unary_call_with_call(channel, ask or {}, metadata=bearer(token), timeout=5)
    except grpc.RpcError as error:
        return refused(error)
    return Answer("OK", dict(call.trailing_metadata()))


@contextmanager
def echo_server(keys: SigningKeys, **settings: Any) -> Iterator[grpc.Channel]:
    """The echo service in this process, limited as ``settings`` say."""
    running = start_server(
        echo_definition(EchoBehaviour()), Settings(**settings), keys.verifier(), port=0
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            yield channel
    finally:
        running.shutdown(0)


@contextmanager
def echo_processes(keys: SigningKeys, count: int, env: dict[str, str]) -> Iterator[list[Any]]:
    """``count`` echo services, each a process of its own, configured through ``env``."""
    base = {
        key: value for key, value in os.environ.items() if not key.startswith("CONNECTABILITY_")
    }
    base.update(
        {
            "CONNECTABILITY_JWT_PUBLIC_KEYS": str(keys.jwks_path),
            "CONNECTABILITY_LOG_LEVEL": "WARNING",
            **env,
        }
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.security.rate_limited_echo"],
            env=base,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    channels = []
    try:
        for process in processes:
            assert process.stdout is not None
            port = int(process.stdout.readline())
            channels.append(grpc.insecure_channel(f"127.0.0.1:{port}"))
        yield channels
    finally:
        for channel in channels:
            channel.close()
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the real Redis, removed afterwards."""
    prefix = f"test-rate-limits:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"these tests need Redis at {REDIS_URL} (.ci/run starts it): {error}")
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_every_answer_carries_the_limit_what_remains_and_the_reset(
    test_keys: SigningKeys,
) -> None:
    user = test_keys.user_token("u-headers", "c-1")
    with echo_server(test_keys, rate_limit_per_hour=3) as channel:
        answers = [
            echo(channel, user),
            echo(channel, user, {"raise": "domain"}),
            echo(channel, user),
            echo(channel, user),
        ]
    assert [a.code for a in answers] == ["OK", "FAILED_PRECONDITION", "OK", "RESOURCE_EXHAUSTED"]
    assert all(a.counted and a.limit == 3 for a in answers)
    assert [a.remaining for a in answers] == [2, 1, 0, 0]
    assert all(3590 <= a.reset <= 3600 for a in answers), [a.reset for a in answers]
    # The request id still rides in the trailers beside the limits, on success and on error.
    assert all(a.trailers.get("x-request-id") for a in answers)
    over = answers[-1]
    assert over.reason == "RATE_LIMIT_EXCEEDED"
    assert over.retry_delay is not None and 3589 < over.retry_delay <= 3600
    assert abs(over.retry_delay - over.reset) <= 1


def test_a_refused_stream_says_why_and_the_servicer_never_runs(test_keys: SigningKeys) -> None:
    behaviour = EchoBehaviour()
    user = test_keys.user_token("u-stream", "c-1")
    running = start_server(
        echo_definition(behaviour), Settings(rate_limit_per_hour=1), test_keys.verifier(), port=0
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            replies = stream_call(channel, {"count": 2, "interval": 0}, metadata=bearer(user))
            assert len(list(replies)) == 2
            assert dict(replies.trailing_metadata())["x-ratelimit-remaining"] == "0"
            with pytest.raises(grpc.RpcError) as caught:
                list(stream_call(channel, {"count": 2}, metadata=bearer(user), timeout=5))
            assert (refused(caught.value).code, refused(caught.value).reason) == (
                "RESOURCE_EXHAUSTED",
                "RATE_LIMIT_EXCEEDED",
            )
            assert echo(channel, user).code == "RESOURCE_EXHAUSTED"
            assert behaviour.calls == 0  # the refused unary call never reached the servicer
    finally:
        running.shutdown(0)


def test_services_the_platform_and_health_are_never_limited(test_keys: SigningKeys) -> None:
    with echo_server(test_keys, rate_limit_per_hour=1) as channel:
        for token in (test_keys.service_token("connection"), test_keys.platform_token()):
            answers = [echo(channel, token) for _ in range(5)]
            assert [a.code for a in answers] == ["OK"] * 5
            assert not any(a.counted for a in answers)
        health = health_pb2_grpc.HealthStub(channel)
        for _ in range(5):
            reply, call = health.Check.with_call(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            assert not any(name in RATE_HEADERS for name, _ in call.trailing_metadata())
        user = test_keys.user_token("u-beside-services", "c-1")
        assert [echo(channel, user).code for _ in range(2)] == ["OK", "RESOURCE_EXHAUSTED"]


def test_each_client_counts_alone_with_its_own_configured_limit(test_keys: SigningKeys) -> None:
    own_limit = test_keys.integrator_token("app-own", "u-1", "c-1", rate_limit_per_hour=4)
    # The same client application acting for another user shares the client's count.
    own_limit_other_user = test_keys.integrator_token("app-own", "u-2", "c-1", 4)
    default_limit = test_keys.integrator_token("app-default", "u-1", "c-1")
    user = test_keys.user_token("u-1", "c-1")
    with echo_server(test_keys, rate_limit_per_hour=2) as channel:
        own = [echo(channel, own_limit) for _ in range(3)] + [echo(channel, own_limit_other_user)]
        own.append(echo(channel, own_limit_other_user))
        default = [echo(channel, default_limit) for _ in range(3)]
        person = [echo(channel, user) for _ in range(3)]
    assert [a.code for a in own] == ["OK"] * 4 + ["RESOURCE_EXHAUSTED"]
    assert {a.limit for a in own} == {4}
    assert [a.remaining for a in own] == [3, 2, 1, 0, 0]
    for answers in (default, person):
        assert [a.code for a in answers] == ["OK", "OK", "RESOURCE_EXHAUSTED"]
        assert [(a.limit, a.remaining) for a in answers] == [(2, 1), (2, 0), (2, 0)]


def test_a_new_window_opens_when_the_old_one_ends(test_keys: SigningKeys) -> None:
    user = test_keys.user_token("u-window", "c-1")
    with echo_server(test_keys, rate_limit_per_hour=1, rate_limit_window_seconds=1) as channel:
        assert echo(channel, user).code == "OK"
        over = echo(channel, user)
        assert over.code == "RESOURCE_EXHAUSTED" and over.reset == 1
        assert over.retry_delay is not None and 0 < over.retry_delay <= 1
        time.sleep(over.retry_delay + 0.05)
        again = echo(channel, user)
    assert (again.code, again.remaining) == ("OK", 0)


def test_in_memory_each_process_counts_alone(test_keys: SigningKeys) -> None:
    client = test_keys.integrator_token("app-two-processes", "u-1", "c-1")
    env = {"CONNECTABILITY_RATE_LIMIT_PER_HOUR": "2"}
    with echo_processes(test_keys, 2, env) as (first, second):
        answers = [echo(channel, client) for channel in (first, second, first, second)]
        over = [echo(first, client), echo(second, client)]
    assert [(a.code, a.remaining) for a in answers] == [("OK", 1), ("OK", 1), ("OK", 0), ("OK", 0)]
    assert [a.code for a in over] == ["RESOURCE_EXHAUSTED"] * 2


def test_with_redis_processes_share_one_count(test_keys: SigningKeys, redis_prefix: str) -> None:
    client = test_keys.integrator_token("app-shared", "u-1", "c-1", rate_limit_per_hour=3)
    env = {
        "CONNECTABILITY_REDIS_URL": REDIS_URL,
        "CONNECTABILITY_RATE_LIMIT_KEY_PREFIX": redis_prefix,
    }
    with echo_processes(test_keys, 2, env) as (first, second):
        answers = [echo(channel, client) for channel in (first, second, first, second)]
    assert [(a.code, a.remaining) for a in answers] == [
        ("OK", 2),
        ("OK", 1),
        ("OK", 0),
        ("RESOURCE_EXHAUSTED", 0),
    ]
    assert answers[-1].reason == "RATE_LIMIT_EXCEEDED" and answers[-1].retry_delay
    assert all(3590 <= a.reset <= 3600 for a in answers)
    ttl = redis.Redis.from_url(REDIS_URL).ttl(f"{redis_prefix}:client:app-shared")
    assert 3590 <= ttl <= 3600  # the window expires on its own


def test_redis_unreachable_calls_are_served_and_counted_per_process(
    test_keys: SigningKeys, caplog: pytest.LogCaptureFixture
) -> None:
    user = test_keys.user_token("u-no-redis", "c-1")
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    with caplog.at_level(logging.WARNING, logger="connectability.rate_limits"):
        with echo_server(test_keys, rate_limit_per_hour=2, redis_url=nobody_listens) as channel:
            answers = [echo(channel, user) for _ in range(3)]
    assert [(a.code, a.remaining) for a in answers] == [
        ("OK", 1),
        ("OK", 0),
        ("RESOURCE_EXHAUSTED", 0),
    ]
    warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per call


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_redis_outage_and_recovery(
    test_keys: SigningKeys,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A private Redis stops mid-window and comes back: calls never fail for it."""
    monkeypatch.setattr(rate_limits, "REDIS_RETRY_AFTER_SECONDS", 0.2)
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    user = test_keys.user_token("u-outage", "c-1")
    with private_redis(port, tmp_path) as server:
        with caplog.at_level(logging.WARNING, logger="connectability.rate_limits"):
            with echo_server(test_keys, rate_limit_per_hour=5, redis_url=url) as channel:
                assert echo(channel, user).remaining == 4  # counted in Redis
                assert echo(channel, user).remaining == 3
                server.stop()
                # Redis is gone: the call is served, counted in this process from zero.
                during = [echo(channel, user) for _ in range(2)]
                server.start()
                time.sleep(0.3)
                after = echo(channel, user)  # the new, empty Redis counts again
        assert redis.Redis(port=port).get("connectability:rate-limit:user:u-outage") == b"1"
    assert [(a.code, a.remaining) for a in during] == [("OK", 4), ("OK", 3)]
    assert (after.code, after.remaining) == ("OK", 4)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Redis is unreachable" in m for m in messages) == 1
    assert sum("Redis answers again" in m for m in messages) == 1


class PrivateRedis:
    def __init__(self, port: int, directory: Path):
        self._command = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ]
        self._port = port
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self._port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


@contextmanager
def private_redis(port: int, directory: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(port, directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_real_services_limit_their_callers(
    test_keys: SigningKeys, tmp_path: Path, redis_prefix: str
) -> None:
    """Two notification-service replicas on one Redis: the limit is the deployment's."""
    env = stack_environment("sqlite", test_keys, tmp_path)
    env.update(
        {
            "CONNECTABILITY_RATE_LIMIT_PER_HOUR": "3",
            "CONNECTABILITY_REDIS_URL": REDIS_URL,
            "CONNECTABILITY_RATE_LIMIT_KEY_PREFIX": redis_prefix,
        }
    )
    replicas = []
    for _ in range(2):
        env["CONNECTABILITY_NOTIFICATION_PORT"] = str(free_port())
        settings = Settings(
            data_dir=tmp_path, notification_port=int(env["CONNECTABILITY_NOTIFICATION_PORT"])
        )
        replicas += start_services(settings, ["notification"], env=env)
    user = test_keys.user_token("u-real", "c-1")
    service = test_keys.service_token("connection")
    try:
        wait_until_serving(replicas, timeout_seconds=60)
        channels = [grpc.insecure_channel(replica.address) for replica in replicas]
        stubs = [notification_grpc.NotificationInternalServiceStub(channel) for channel in channels]

        def ask(stub: Any, token: str) -> Answer:
            request = notification_pb2.GetDistributionListRequest(project_id="p-nowhere")
            try:
                _, call = stub.GetDistributionList.with_call(
                    request, metadata=bearer(token), timeout=10
                )
            except grpc.RpcError as error:
                return refused(error)
            return Answer("OK", dict(call.trailing_metadata()))

        answers = [ask(stub, user) for stub in (*stubs, *stubs)]
        services = [ask(stub, service) for stub in (*stubs, *stubs)]
        for channel in channels:
            channel.close()
    finally:
        stop_services(replicas, grace_seconds=2)
    assert [a.remaining for a in answers] == [2, 1, 0, 0]
    assert all(a.limit == 3 for a in answers)
    assert answers[0].code != "RESOURCE_EXHAUSTED"  # refused for its own reasons, but counted
    assert (answers[-1].code, answers[-1].reason) == ("RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED")
    assert "RESOURCE_EXHAUSTED" not in {a.code for a in services}
    assert not any(a.counted for a in services)


def test_token_exchanges_are_counted_per_caller_address(
    test_keys: SigningKeys, tmp_path: Path
) -> None:
    """CreateIntegratorToken needs no token, but each try costs a secret check: an address
    that floods it is refused like any client over its limit."""
    env = stack_environment("sqlite", test_keys, tmp_path)
    env["CONNECTABILITY_RATE_LIMIT_PER_HOUR"] = "3"
    settings = Settings(
        data_dir=tmp_path, connection_port=int(env["CONNECTABILITY_CONNECTION_PORT"])
    )
    (connection,) = start_services(settings, ["connection"], env=env)
    try:
        wait_until_serving([connection], timeout_seconds=60)
        with grpc.insecure_channel(connection.address) as channel:
            stub = connection_grpc.ConnectionServiceStub(channel)
            answers = []
            for _ in range(4):
                request = connection_pb2.CreateIntegratorTokenRequest(
                    client_id="no-such-client", client_secret="guess"
                )
                try:
                    stub.CreateIntegratorToken(request, timeout=10)
                except grpc.RpcError as error:
                    answers.append(refused(error))
    finally:
        stop_services([connection], grace_seconds=2)
    assert [a.code for a in answers[:3]] == ["UNAUTHENTICATED"] * 3
    assert [a.remaining for a in answers] == [2, 1, 0, 0]
    assert (answers[3].code, answers[3].reason) == ("RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED")
