"""The client helper against real servers: identity, request ids, deadlines, retries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from shared.runtime.client import ServiceTokenSource, open_channel
from shared.runtime.server import GrpcServer
from shared.runtime.tokens import TokenIssuer
from tests.fixtures.identity import AUDIENCE, ISSUER, SigningKeys
from tests.runtime.conftest import start_echo
from tests.runtime.echo_service import SERVICE, EchoBehaviour, unary_call


@pytest.fixture
def downstream(test_keys: SigningKeys) -> Iterator[tuple[GrpcServer, EchoBehaviour]]:
    behaviour = EchoBehaviour()
    running = start_echo(test_keys, behaviour)
    yield running, behaviour
    running.shutdown(0)


def service_channel(keys: SigningKeys, port: int, default_deadline: float = 10) -> grpc.Channel:
    issuer = TokenIssuer(str(keys.signing_key_path), AUDIENCE, ISSUER)
    tokens = ServiceTokenSource(issuer, "connection", ttl_seconds=60)
    return open_channel(f"127.0.0.1:{port}", [SERVICE], tokens.token, default_deadline)


def test_outgoing_calls_carry_the_service_identity(
    test_keys: SigningKeys, downstream: tuple[GrpcServer, EchoBehaviour]
) -> None:
    running, _ = downstream
    with service_channel(test_keys, running.port) as channel:
        assert unary_call(channel, {})["principal"] == "service:connection"


def test_request_id_and_remaining_deadline_are_passed_on(
    test_keys: SigningKeys,
    downstream: tuple[GrpcServer, EchoBehaviour],
    echo_behaviour: EchoBehaviour,
    echo_channel: grpc.Channel,
) -> None:
    running, _ = downstream
    onward_channel = service_channel(test_keys, running.port, default_deadline=30)

    def call_onward(ask: dict[str, Any]) -> dict[str, Any]:
        return unary_call(onward_channel, ask)

    echo_behaviour.onward = call_onward
    answer = unary_call(
        echo_channel,
        {"onward": {"sleep": 0}},
        metadata=[
            ("authorization", f"Bearer {test_keys.platform_token()}"),
            ("x-request-id", "trace-me"),
        ],
        timeout=2,
    )
    onward = answer["onward"]
    assert onward["request_id"] == "trace-me"
    # The onward call got the caller's remaining time (about 2 s; the wire encoding of the
    # timeout rounds), not its own 30 s default.
    assert 0 < onward["remaining"] < 2.5
    onward_channel.close()


def test_unavailable_is_retried_and_other_errors_are_not(
    test_keys: SigningKeys, downstream: tuple[GrpcServer, EchoBehaviour]
) -> None:
    running, behaviour = downstream
    with service_channel(test_keys, running.port) as channel:
        behaviour.unavailable_failures_left = 2
        assert unary_call(channel, {})["principal"] == "service:connection"
        assert behaviour.calls == 3

        behaviour.calls = 0
        with pytest.raises(grpc.RpcError) as caught:
            unary_call(channel, {"raise": "domain"})
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert behaviour.calls == 1
