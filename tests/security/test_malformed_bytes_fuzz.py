"""Malformed bytes: random byte strings sent as the request of every RPC of every service.

For every RPC (public and internal packages, read from the descriptors), hypothesis sends
raw bytes through a channel method without a serializer, with the platform's token. Bytes
that do not parse as the request message answer INVALID_ARGUMENT, reason MALFORMED_REQUEST;
bytes that happen to parse get whatever answer that request deserves, but never INTERNAL or
UNKNOWN. After each RPC's examples the service still answers its health check.

CI runs a few examples per RPC (the CI profile allows at most 25);
CONNECTABILITY_FUZZ_EXAMPLES runs more.
"""

from __future__ import annotations

import os

import grpc
import pytest
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from tests.fixtures.stack import Stack
from tests.integration.calls import bearer
from tests.security.rpcs import Rpc, all_rpcs
from tests.security.world import status_of

EXAMPLES = int(os.environ.get("CONNECTABILITY_FUZZ_EXAMPLES", "8"))
# A watch whose bytes parsed into a valid request waits for news: judged within this.
STREAM_SECONDS = 0.5
RPCS = all_rpcs()
MALFORMED = ("INVALID_ARGUMENT", "MALFORMED_REQUEST")
# Never the answer to bad bytes: a server fault, or gRPC's own deserializer failure.
FAULTS = ("INTERNAL", "UNKNOWN")

# Bytes close to a real message break it in the ways a parser meets: a string field holding
# invalid UTF-8, a varint cut short, a length running past the end, a bad wire type.
_NEAR_MISSES = st.sampled_from(
    [
        b"\x0a\x02\xff\xfe",  # field 1, length 2, invalid UTF-8
        b"\x0a\x03ab\xc3",  # field 1, a UTF-8 sequence cut short
        b"\x08\xff\xff\xff",  # field 1 varint, truncated
        b"\x0a\x10abc",  # field 1, length 16 but 3 bytes follow
        b"\x0f",  # field 1, wire type 7 (none such)
        b"\x12\x05\x0a\x03\xed\xa0\x80",  # field 2 holding field 1 with a lone surrogate
    ]
)
PAYLOADS = st.one_of(
    st.binary(max_size=64),
    st.binary(min_size=1, max_size=2048),
    st.tuples(_NEAR_MISSES, st.binary(max_size=16)).map(lambda parts: parts[0] + parts[1]),
)


def parses(rpc: Rpc, payload: bytes) -> bool:
    """Whether the service's own protobuf runtime reads ``payload`` as the request."""
    try:
        rpc.request_type().FromString(payload)
    except (DecodeError, UnicodeDecodeError):
        return False
    return True


def send_raw(stack: Stack, rpc: Rpc, payload: bytes, token: str) -> tuple[str, str]:
    """(code name, ErrorInfo reason) of ``payload`` sent as is; a stream by its first answer."""
    path = f"/{rpc.service.full_name}/{rpc.method.name}"
    channel = stack.channel(rpc.process)
    try:
        if rpc.streaming:
            call = channel.unary_stream(path, request_serializer=None)(
                payload, metadata=bearer(token), timeout=STREAM_SECONDS
            )
            try:
                next(call, None)
            finally:
                call.cancel()
        else:
            channel.unary_unary(path, request_serializer=None)(
                payload, metadata=bearer(token), timeout=15
            )
    except grpc.RpcError as error:
        return status_of(error)
    return ("OK", "")


def serving(stack: Stack, process: str) -> bool:
    health = health_pb2_grpc.HealthStub(stack.channel(process))
    answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
    return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)


@pytest.mark.parametrize("rpc", RPCS, ids=lambda rpc: rpc.key)
def test_malformed_bytes_are_refused_cleanly_and_the_service_stays_healthy(
    stack: Stack, rpc: Rpc
) -> None:
    token = stack.keys.platform_token()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,  # each run draws afresh: a saved example would be replayed every run
        phases=(Phase.explicit, Phase.generate),  # no shrinking: the note says all
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(payload=PAYLOADS)
    def attempt(payload: bytes) -> None:
        answer = send_raw(stack, rpc, payload, token)
        note(f"{rpc.key} got {payload!r}: {answer}")
        assert answer[0] not in FAULTS, f"{rpc.key} answered {answer}"
        if not parses(rpc, payload):
            assert answer == MALFORMED, f"{rpc.key} took bytes that do not parse: {answer}"
        elif not rpc.streaming:
            assert answer[0] != "DEADLINE_EXCEEDED", f"{rpc.key} ran out of time"

    attempt()
    assert serving(stack, rpc.process), f"{rpc.process} stopped serving after {rpc.key}"
