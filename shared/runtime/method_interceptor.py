"""The shapes of our server interceptors: pick the methods, then replace their handlers
(``MethodInterceptor``) or run each of their calls inside a context (``AroundInterceptor``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import grpc


class MethodInterceptor(grpc.ServerInterceptor):
    """Replaces the handler of each method it selects with ``wrap(handler, method)``.

    gRPC asks every interceptor for every call; the wrapped handler is kept per method
    (beside the handler it wraps, so a different one below is wrapped afresh) and handed out
    again, rather than new closures and a new handler built per interceptor per call.
    """

    _wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]]

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        method = handler_call_details.method  # type: ignore[attr-defined]
        if handler is None:
            return handler
        try:
            cache = self._wrapped
        except AttributeError:  # subclasses need not call an __init__ of ours
            cache = self._wrapped = {}
        kept = cache.get(method)
        if kept is not None and kept[0] is handler:
            return kept[1]
        wrapped = self.wrap(handler, method) if self.selects(method, handler) else handler
        cache[method] = (handler, wrapped)
        return wrapped

    def selects(self, method: str, handler: grpc.RpcMethodHandler) -> bool:
        return True

    def wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        raise NotImplementedError


Around = Callable[[str, grpc.ServicerContext, bool], AbstractContextManager[None]]


def wrap_handler(handler: grpc.RpcMethodHandler, method: str, around: Around) -> Any:
    """The same handler with every call run inside ``around(method, context, streaming)``."""

    def unary_response(behavior: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            with around(method, context, False):
                return behavior(request, context)

        return call

    def stream_response(behavior: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            with around(method, context, True):
                yield from behavior(request, context)

        return call

    codec = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary_response(handler.unary_unary), **codec)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(unary_response(handler.stream_unary), **codec)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(stream_response(handler.unary_stream), **codec)
    return grpc.stream_stream_rpc_method_handler(stream_response(handler.stream_stream), **codec)


class AroundInterceptor(MethodInterceptor):
    """Runs each call of the methods it applies to inside ``around(method, context, ...)``."""

    def selects(self, method: str, handler: grpc.RpcMethodHandler) -> bool:
        return self.applies_to(method)

    def wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        return wrap_handler(handler, method, self.around)  # type: ignore[no-any-return]

    def applies_to(self, method: str) -> bool:
        return True

    def around(
        self, method: str, context: grpc.ServicerContext, streaming: bool
    ) -> AbstractContextManager[None]:
        raise NotImplementedError
