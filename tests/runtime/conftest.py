from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from shared.runtime.config import Settings
from shared.runtime.server import GrpcServer, start_server
from tests.fixtures.identity import SigningKeys
from tests.runtime.echo_service import EchoBehaviour, echo_definition


def start_echo(keys: SigningKeys, behaviour: EchoBehaviour) -> GrpcServer:
    return start_server(echo_definition(behaviour), Settings(), keys.verifier(), port=0)


@pytest.fixture
def echo_behaviour() -> EchoBehaviour:
    return EchoBehaviour()


@pytest.fixture
def echo_server(test_keys: SigningKeys, echo_behaviour: EchoBehaviour) -> Iterator[GrpcServer]:
    running = start_echo(test_keys, echo_behaviour)
    yield running
    running.shutdown(0)


@pytest.fixture
def echo_channel(echo_server: GrpcServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{echo_server.port}") as channel:
        yield channel
