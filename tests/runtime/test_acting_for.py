"""A service acting for someone says for whom: the outgoing call carries ``x-acting-for``
with the caller of the call being served, and the receiving service logs it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from shared.runtime.server import GrpcServer
from tests.fixtures.identity import SigningKeys
from tests.runtime.conftest import start_echo
from tests.runtime.echo_service import EchoBehaviour, unary_call
from tests.runtime.test_client_helper import service_channel


@pytest.fixture
def onward(test_keys: SigningKeys) -> Iterator[GrpcServer]:
    running = start_echo(test_keys, EchoBehaviour())
    yield running
    running.shutdown(0)


def test_a_service_serving_a_user_names_the_user_on_its_onward_call(
    test_keys: SigningKeys,
    onward: GrpcServer,
    echo_behaviour: EchoBehaviour,
    echo_channel: grpc.Channel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with service_channel(test_keys, onward.port) as channel:

        def call_onward(ask: dict[str, Any]) -> dict[str, Any]:
            return unary_call(channel, ask)

        echo_behaviour.onward = call_onward
        user = test_keys.user_token("user-7", "company-3")
        with caplog.at_level(logging.INFO, logger="connectability.rpc"):
            answer = unary_call(
                echo_channel,
                # The caller's own claim is dropped: only the service says whom it acts for.
                {"onward": {"sleep": 0}},
                metadata=[("authorization", f"Bearer {user}"), ("x-acting-for", "user:forged")],
            )

    assert answer["principal"] == "user:user-7"
    assert answer["onward"]["principal"] == "service:connection"
    assert answer["onward"]["acting_for"] == "user:user-7"
    logged = [getattr(record, "acting_for", None) for record in caplog.records]
    assert "user:user-7" in logged  # the onward service's log line names the user


def test_a_call_of_the_service_s_own_makes_no_claim(
    test_keys: SigningKeys, onward: GrpcServer
) -> None:
    with service_channel(test_keys, onward.port) as channel:
        answer = unary_call(channel, {})
    assert answer["principal"] == "service:connection"
    assert answer["acting_for"] is None
