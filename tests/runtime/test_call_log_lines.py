"""Each call's log line says what an operator needs: the reason of a refusal, in either format,
and routine polling between services stays out of the INFO log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import grpc
import pytest

from shared.runtime.config import Settings
from shared.runtime.server import GrpcServer, ServiceDefinition, start_server
from shared.runtime.structured_logging import TextFormatter
from tests.fixtures.identity import SigningKeys
from tests.runtime.echo_service import unary_call

FEED_SERVICE = "test.Feed"


def rpc_lines(caplog: pytest.LogCaptureFixture, method_suffix: str) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.getMessage() == "rpc"
        and str(getattr(record, "method", "")).endswith(method_suffix)
    ]


def refused_call(channel: grpc.Channel, keys: SigningKeys) -> list[tuple[str, str]]:
    """A call the servicer refuses (FAILED_PRECONDITION); the metadata of a good token."""
    token = [("authorization", f"Bearer {keys.platform_token()}")]
    with pytest.raises(grpc.RpcError):
        unary_call(channel, {"raise": "domain"}, metadata=token, timeout=5)
    return token


def test_a_refused_call_logs_its_reason(
    echo_channel: grpc.Channel, test_keys: SigningKeys, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="connectability"):
        token = refused_call(echo_channel, test_keys)
        with pytest.raises(grpc.RpcError):
            unary_call(echo_channel, {}, timeout=5)  # no token at all
        unary_call(echo_channel, {}, metadata=token, timeout=5)
    refused, unauthenticated, answered = rpc_lines(caplog, "/Unary")
    assert (refused.code, refused.reason) == ("FAILED_PRECONDITION", "CONNECTION_NOT_PENDING")  # type: ignore[attr-defined]
    assert (unauthenticated.code, unauthenticated.reason) == ("UNAUTHENTICATED", "TOKEN_MISSING")  # type: ignore[attr-defined]
    assert answered.code == "OK" and not hasattr(answered, "reason")  # type: ignore[attr-defined]


def test_the_text_format_keeps_every_field(
    echo_channel: grpc.Channel, test_keys: SigningKeys, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="connectability"):
        refused_call(echo_channel, test_keys)
    (record,) = rpc_lines(caplog, "/Unary")
    record.service = "drawing"
    line = TextFormatter().format(record)
    assert " INFO drawing connectability.rpc: rpc " in line
    for field in (
        "method=/test.Echo/Unary",
        "code=FAILED_PRECONDITION",
        "reason=CONNECTION_NOT_PENDING",
        f"duration_ms={record.duration_ms}",  # type: ignore[attr-defined]
        f"request_id={record.request_id}",  # type: ignore[attr-defined]
    ):
        assert field in line.split(), line
    assert "\n" not in line


def test_text_fields_with_spaces_stay_one_field() -> None:
    record = logging.LogRecord("connectability.x", logging.WARNING, "", 0, "two\nlines", (), None)
    record.service = "notification"
    record.detail = 'a "quoted" value'
    line = TextFormatter().format(record)
    assert line.endswith(
        ' WARNING notification connectability.x: two\\nlines detail="a \\"quoted\\" value"'
    )


@pytest.fixture
def feed_server(test_keys: SigningKeys) -> Iterator[GrpcServer]:
    """A service with a method named like the feed the services poll."""
    handlers = grpc.method_handlers_generic_handler(
        FEED_SERVICE,
        {"ListProjectChanges": grpc.unary_unary_rpc_method_handler(lambda request, context: b"")},
    )
    definition = ServiceDefinition(
        name="drawing",
        grpc_service_names=[FEED_SERVICE],
        register=lambda server: server.add_generic_rpc_handlers((handlers,)),
    )
    running = start_server(definition, Settings(), test_keys.verifier(), port=0)
    yield running
    running.shutdown(0)


def test_polling_by_a_service_is_debug_by_anyone_else_info(
    feed_server: GrpcServer, test_keys: SigningKeys, caplog: pytest.LogCaptureFixture
) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{feed_server.port}") as channel:
        poll = channel.unary_unary(f"/{FEED_SERVICE}/ListProjectChanges")
        with caplog.at_level(logging.DEBUG, logger="connectability"):
            for token in (test_keys.service_token("connection"), test_keys.platform_token()):
                poll(b"", metadata=[("authorization", f"Bearer {token}")], timeout=5)
    by_service, by_platform = rpc_lines(caplog, "/ListProjectChanges")
    assert by_service.levelno == logging.DEBUG
    assert by_platform.levelno == logging.INFO
