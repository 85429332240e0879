"""A gRPC proxy in front of the drawing service that refuses every Nth call.

It forwards each call's bytes untouched (metadata, deadline, and the answer or the error
with its details), so the connection service talks to the real drawing service, except
that every Nth call is aborted with ``INTERNAL`` "injected fault" before it is forwarded.
Not ``UNAVAILABLE``: the connection service's channel retries that by itself, so the sync
would never see it. Each call is logged (method, time, refused), to check the back-off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc

from connectability.internal.v1 import drawing_internal_service_pb2
from connectability.v1 import drawing_service_pb2

INJECTED = "injected fault"
# The drawing process serves its public and its internal service; the proxy fronts both.
_DRAWING_SERVICES = (
    drawing_service_pb2.DESCRIPTOR.services_by_name["DrawingService"],
    drawing_internal_service_pb2.DESCRIPTOR.services_by_name["DrawingInternalService"],
)
_STREAMING = {
    f"/{service.full_name}/{method.name}"
    for service in _DRAWING_SERVICES
    for method in service.methods
    if method.server_streaming
}


@dataclass(frozen=True)
class ProxiedCall:
    method: str  # the short name, e.g. "ApplyProjectChanges"
    at: float  # time.monotonic() when it arrived
    refused: bool


def _forwarded_metadata(context: grpc.ServicerContext) -> list[tuple[str, Any]]:
    return [
        (key, value)
        for key, value in context.invocation_metadata()
        if not key.startswith((":", "grpc-")) and key != "user-agent"
    ]


def _timeout(context: grpc.ServicerContext) -> float | None:
    remaining = context.time_remaining()
    return None if remaining is None or remaining > 1e6 else max(0.0, remaining)


def _relay_error(context: grpc.ServicerContext, error: grpc.RpcError) -> None:
    """The drawing service's error, with its ErrorInfo details, as the caller's."""
    context.set_trailing_metadata(error.trailing_metadata() or ())  # type: ignore[attr-defined]
    context.abort(error.code(), error.details() or "")  # type: ignore[attr-defined]


class RefusingProxy(grpc.GenericRpcHandler):
    def __init__(self, target: str, every: int):
        self.target = target
        self.address = ""
        self._channel = grpc.insecure_channel(target)
        self._every = every
        self._lock = threading.Lock()
        self.refusing = False  # off while the test sets up its projects
        self._counted = 0  # calls since refusing began
        self.calls: list[ProxiedCall] = []
        self._server: grpc.Server | None = None

    def start(self, port: int) -> None:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
        self._server.add_generic_rpc_handlers((self,))
        self._server.add_insecure_port(f"127.0.0.1:{port}")
        self.address = f"127.0.0.1:{port}"
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)
        self._channel.close()

    def refused(self) -> list[ProxiedCall]:
        with self._lock:
            return [call for call in self.calls if call.refused]

    def _admit(self, method: str, context: grpc.ServicerContext) -> None:
        """Logs the call; aborts it when it is an Nth one."""
        with self._lock:
            if self.refusing:
                self._counted += 1
            refuse = self.refusing and self._counted % self._every == 0
            self.calls.append(ProxiedCall(method.rsplit("/", 1)[-1], time.monotonic(), refuse))
        if refuse:
            context.abort(grpc.StatusCode.INTERNAL, INJECTED)

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        method: str = handler_call_details.method  # type: ignore[attr-defined]
        if method in _STREAMING:
            return grpc.unary_stream_rpc_method_handler(self._streaming(method))
        return grpc.unary_unary_rpc_method_handler(self._unary(method))

    def _unary(self, method: str) -> Callable[[bytes, grpc.ServicerContext], bytes]:
        forward = self._channel.unary_unary(method)

        def handle(request: bytes, context: grpc.ServicerContext) -> bytes:
            self._admit(method, context)
            try:
                answer: bytes = forward(
                    request, metadata=_forwarded_metadata(context), timeout=_timeout(context)
                )
            except grpc.RpcError as error:
                _relay_error(context, error)
                raise
            return answer

        return handle

    def _streaming(self, method: str) -> Callable[[bytes, grpc.ServicerContext], Iterator[bytes]]:
        forward = self._channel.unary_stream(method)

        def handle(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
            self._admit(method, context)
            stream = forward(
                request, metadata=_forwarded_metadata(context), timeout=_timeout(context)
            )
            context.add_callback(stream.cancel)  # the caller went away: so does the stream
            try:
                yield from stream
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.CANCELLED and not context.is_active():  # type: ignore[attr-defined]
                    return
                _relay_error(context, error)
                raise

        return handle
