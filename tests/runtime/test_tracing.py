"""Traces across services: one call through two real servers is one trace, when tracing is on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.runtime.tracing import (
    disable_tracing,
    enable_tracing,
    traced,
    tracing_server_interceptors,
)
from tests.fixtures.identity import SigningKeys
from tests.runtime.conftest import start_echo
from tests.runtime.echo_service import STREAM, UNARY, EchoBehaviour, stream_call, unary_call
from tests.runtime.test_client_helper import service_channel


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    enable_tracing(provider)
    try:
        yield exporter
    finally:
        disable_tracing()


def test_a_call_and_its_onward_call_are_one_trace(
    test_keys: SigningKeys, spans: InMemorySpanExporter
) -> None:
    onward_behaviour, front_behaviour = EchoBehaviour(), EchoBehaviour()
    onward, front = start_echo(test_keys, onward_behaviour), start_echo(test_keys, front_behaviour)
    try:
        with service_channel(test_keys, onward.port) as to_onward:

            def call_onward(ask: dict[str, Any]) -> dict[str, Any]:
                return unary_call(to_onward, ask)

            front_behaviour.onward = call_onward
            with grpc.insecure_channel(f"127.0.0.1:{front.port}") as channel:
                token = test_keys.user_token("user-7", "company-3")
                unary_call(
                    channel,
                    {"onward": {"sleep": 0}},
                    metadata=[("authorization", f"Bearer {token}")],
                )
    finally:
        front.shutdown(0)
        onward.shutdown(0)

    finished = [span for span in spans.get_finished_spans() if span.name == UNARY]
    servers = [span for span in finished if span.kind is SpanKind.SERVER]
    clients = [span for span in finished if span.kind is SpanKind.CLIENT]
    assert len(servers) == 2 and len(clients) == 1
    assert len({span.context.trace_id for span in finished}) == 1  # one trace
    onward_server = next(span for span in servers if span.parent is not None)
    assert onward_server.parent.span_id == clients[0].context.span_id


def test_without_a_collector_the_call_path_is_untouched() -> None:
    disable_tracing()
    with grpc.insecure_channel("127.0.0.1:9") as channel:
        assert traced(channel) is channel
    assert tracing_server_interceptors() == []


def test_a_traced_stream_can_be_cancelled(
    test_keys: SigningKeys, spans: InMemorySpanExporter
) -> None:
    """A service watching a stream (the sync's feed heads) cancels it to stop; tracing on,
    it still can, and the stream's client span ends as CANCELLED."""
    server = start_echo(test_keys, EchoBehaviour())
    try:
        with service_channel(test_keys, server.port) as channel:
            stream = stream_call(channel, {"interval": 0.05})
            first = next(stream)
            stream.cancel()
            with pytest.raises(grpc.RpcError) as ended:
                list(stream)
    finally:
        server.shutdown(0)
    assert first and ended.value.code() is grpc.StatusCode.CANCELLED
    client = next(span for span in spans.get_finished_spans() if span.kind is SpanKind.CLIENT)
    assert (client.name, client.attributes["rpc.grpc.status_code"]) == (
        STREAM,
        grpc.StatusCode.CANCELLED.value[0],
    )
