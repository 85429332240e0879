"""The one shape of our server interceptors: pick the methods, replace their handlers."""

from __future__ import annotations

from collections.abc import Callable

import grpc


class MethodInterceptor(grpc.ServerInterceptor):
    """Replaces the handler of each method it selects with ``wrap(handler, method)``."""

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        method = handler_call_details.method  # type: ignore[attr-defined]
        if handler is None or not self.selects(method, handler):
            return handler
        return self.wrap(handler, method)

    def selects(self, method: str, handler: grpc.RpcMethodHandler) -> bool:
        return True

    def wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        raise NotImplementedError
