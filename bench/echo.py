"""The raw gRPC round trip of this machine, now: the shared server (its interceptors and
token check included) answering an echo, the floor any RPC path is measured against."""

from __future__ import annotations

import grpc

from bench.measure import seconds_taken
from shared.runtime.config import Settings
from shared.runtime.server import start_server
from tests.fixtures.identity import SigningKeys
from tests.integration.calls import bearer
from tests.runtime.echo_service import EchoBehaviour, echo_definition, unary_call

WARM_UP_CALLS = 50


def echo_round_trips(keys: SigningKeys, calls: int) -> list[float]:
    """Seconds of each of ``calls`` unary echoes, over a real socket, after a warm-up."""
    server = start_server(echo_definition(EchoBehaviour()), Settings(), keys.verifier(), port=0)
    auth = bearer(keys.platform_token())
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:

            def echo() -> None:
                unary_call(channel, {}, metadata=auth, timeout=5)

            for _ in range(WARM_UP_CALLS):
                echo()
            return [seconds_taken(echo) for _ in range(calls)]
    finally:
        server.shutdown(0)
