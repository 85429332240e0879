"""An address setting that lists several replicas spreads calls over all of them, and a
list of names that gRPC cannot balance is refused with a message saying what to write."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest

from shared.runtime.addresses import AddressSettingError, channel_target
from shared.runtime.tls import grpc_channel

WHO = "/test.Replica/Who"


def _replica(name: bytes) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.unary_unary_rpc_method_handler(lambda _request, _context: name)
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("test.Replica", {"Who": handler})]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


@pytest.fixture
def two_replicas() -> Iterator[list[int]]:
    started = [_replica(b"a"), _replica(b"b")]
    try:
        yield [port for _, port in started]
    finally:
        for server, _ in started:
            server.stop(grace=None)


def test_calls_are_spread_over_every_listed_replica(two_replicas: list[int]) -> None:
    address = ",".join(f"127.0.0.1:{port}" for port in two_replicas)
    with grpc_channel(address, None) as channel:
        who = channel.unary_unary(WHO)
        answers = Counter(who(b"", timeout=5, wait_for_ready=True) for _ in range(40))
    assert answers[b"a"] >= 10 and answers[b"b"] >= 10, answers


def test_one_address_or_a_grpc_target_is_used_as_given() -> None:
    assert channel_target("drawing:50052") == "drawing:50052"
    assert channel_target("dns:///drawing.internal:50052") == "dns:///drawing.internal:50052"
    assert channel_target("10.0.0.5:1, 10.0.0.6:1") == "ipv4:10.0.0.5:1,10.0.0.6:1"
    assert channel_target("[::1]:1,[::2]:1") == "ipv6:[::1]:1,[::2]:1"


def test_a_list_of_names_is_refused_with_what_to_write_instead() -> None:
    with pytest.raises(AddressSettingError, match="one DNS name that resolves to all"):
        channel_target("drawing-a:50052,drawing-b:50052")
