"""A tiny raw-bytes gRPC service that lets runtime tests drive the shared server.

The request is JSON telling the servicer what to do (sleep, raise, stream, call onward),
so one servicer exercises interceptors, shutdown and the client helper.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from shared.facts.errors import ErrorReason, FailedPrecondition
from shared.facts.identity import current_principal
from shared.runtime.call_context import ACTING_FOR_HEADER, current_call
from shared.runtime.server import ServiceDefinition

SERVICE = "test.Echo"
UNARY = f"/{SERVICE}/Unary"
STREAM = f"/{SERVICE}/Stream"


def _encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value).encode()


def _decode(raw: bytes) -> dict[str, Any]:
    return json.loads(raw or b"{}")


class EchoBehaviour:
    """What the echo servicer does; ``onward`` lets a test make it call another server."""

    def __init__(self) -> None:
        self.onward: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.unavailable_failures_left = 0
        self.calls = 0

    def unary(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        ask = _decode(request)
        self.calls += 1
        if self.unavailable_failures_left > 0:
            self.unavailable_failures_left -= 1
            context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        time.sleep(ask.get("sleep", 0))
        if ask.get("raise") == "domain":
            raise FailedPrecondition(
                ErrorReason.CONNECTION_NOT_PENDING, "The connection is not pending."
            )
        if ask.get("raise") == "bug":
            raise KeyError("secret internal detail")
        if ask.get("raise") == "unimplemented":
            raise NotImplementedError
        call = current_call()
        principal = current_principal()
        answer = {
            "request_id": call.request_id if call else None,
            "remaining": call.time_remaining() if call else None,
            "principal": principal.describe(),
            "acting_for": dict(context.invocation_metadata() or ()).get(ACTING_FOR_HEADER),
        }
        if ask.get("onward") and self.onward is not None:
            answer["onward"] = self.onward(ask["onward"])
        return _encode(answer)

    def stream(self, request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        ask = _decode(request)
        padding = "x" * ask.get("padding_bytes", 0)  # big messages fill a client that stops reading
        for index in range(ask.get("count", 1_000_000)):
            yield _encode({"index": index, "padding": padding})
            time.sleep(ask.get("interval", 0.05))


def echo_definition(behaviour: EchoBehaviour) -> ServiceDefinition:
    identity = lambda raw: raw  # noqa: E731 - raw bytes in and out
    handlers = grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Unary": grpc.unary_unary_rpc_method_handler(
                behaviour.unary, request_deserializer=identity, response_serializer=identity
            ),
            "Stream": grpc.unary_stream_rpc_method_handler(
                behaviour.stream, request_deserializer=identity, response_serializer=identity
            ),
        },
    )
    return ServiceDefinition(
        name="connection",
        grpc_service_names=[SERVICE],
        register=lambda server: server.add_generic_rpc_handlers((handlers,)),
    )


def unary_call(channel: grpc.Channel, ask: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    method = channel.unary_unary(UNARY)
    return _decode(method(_encode(ask), **kwargs))


def unary_call_with_call(channel: grpc.Channel, ask: dict[str, Any], **kwargs: Any) -> Any:
    method = channel.unary_unary(UNARY)
    raw, call = method.with_call(_encode(ask), **kwargs)
    return _decode(raw), call


def stream_call(channel: grpc.Channel, ask: dict[str, Any], **kwargs: Any) -> Any:
    return channel.unary_stream(STREAM)(_encode(ask), **kwargs)
