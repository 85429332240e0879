"""/metrics on a real server: what an operator's Prometheus scrapes after a few calls."""

from __future__ import annotations

import dataclasses
import socket
import time
import urllib.request

import grpc
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from shared.runtime.config import Settings
from shared.runtime.metrics import Gauge
from shared.runtime.server import start_server
from tests.fixtures.identity import SigningKeys
from tests.runtime.echo_service import UNARY, EchoBehaviour, echo_definition, unary_call


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scraped(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_calls_are_counted_by_method_code_and_refusal_reason(test_keys: SigningKeys) -> None:
    metrics_port = free_port()
    definition = echo_definition(EchoBehaviour())
    settings = Settings(**{f"{definition.name}_metrics_port": metrics_port})
    duration = "connectability_rpc_server_duration_seconds_count"
    refusals = "connectability_rpc_server_refusals_total"
    counted = [
        (duration, {"code": "OK"}),
        (duration, {"code": "FAILED_PRECONDITION"}),
        (refusals, {"code": "FAILED_PRECONDITION", "reason": "CONNECTION_NOT_PENDING"}),
        (refusals, {"code": "UNAUTHENTICATED", "reason": "TOKEN_MISSING"}),
    ]

    def key(name: str, labels: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
        every = {"service": definition.name, "method": UNARY, **labels}
        return name, tuple(sorted(every.items()))

    # The registry is the process's: other tests' calls may already be in it.
    before = [
        REGISTRY.get_sample_value(name, dict(key(name, labels)[1])) or 0.0
        for name, labels in counted
    ]
    server = start_server(definition, settings, test_keys.verifier(), port=0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            auth = [("authorization", f"Bearer {test_keys.platform_token()}")]
            for _ in range(3):
                unary_call(channel, {}, metadata=auth, timeout=5)
            with pytest.raises(grpc.RpcError):
                unary_call(channel, {"raise": "domain"}, metadata=auth, timeout=5)
            with pytest.raises(grpc.RpcError):
                unary_call(channel, {}, timeout=5)  # no token
        samples = scraped(metrics_port)
    finally:
        server.shutdown(0)

    after = [samples.get(key(name, labels), 0.0) for name, labels in counted]
    assert [a - b for a, b in zip(after, before, strict=True)] == [3, 1, 1, 1]


def test_no_metrics_port_serves_nothing(test_keys: SigningKeys) -> None:
    port = free_port()
    server = start_server(
        echo_definition(EchoBehaviour()), Settings(), test_keys.verifier(), port=0
    )
    try:
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)
    finally:
        server.shutdown(0)


def test_a_scrape_reads_the_state_once_per_ttl(test_keys: SigningKeys) -> None:
    """Scrapes in quick succession get the state read once; after the TTL it is read again."""
    metrics_port = free_port()
    reads: list[float] = []

    def read_state() -> list[Gauge]:
        reads.append(time.monotonic())
        return [Gauge("connectability_test_reads", "Reads so far.").set(len(reads))]

    definition = dataclasses.replace(echo_definition(EchoBehaviour()), gauges=read_state)
    ttl = 1.0
    settings = Settings(
        **{f"{definition.name}_metrics_port": metrics_port}, metrics_state_ttl_seconds=ttl
    )
    key = ("connectability_test_reads", (("service", definition.name),))
    server = start_server(definition, settings, test_keys.verifier(), port=0)
    try:
        first = [scraped(metrics_port)[key] for _ in range(5)]
        time.sleep(ttl + 0.1)
        later = scraped(metrics_port)[key]
    finally:
        server.shutdown(0)

    assert first == [1.0] * 5  # one read served five scrapes
    assert later == 2.0  # expired: read again
    assert len(reads) == 2
