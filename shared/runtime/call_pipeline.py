"""The server's cross-cutting concerns, run in one pass per call.

Order (outermost first):
1. call scope (``CallScope``, interceptors.py): request id, deadline, in-flight accounting,
   one structured log line per call;
2. metrics (``RpcMetrics``, metrics.py): each call's latency, code and reason;
3. error mapping (``map_error``, interceptors.py): ``DomainError`` → ``google.rpc.Status``
   with ``ErrorInfo``; anything unexpected → ``INTERNAL`` with a request id to quote;
4. shutdown gate (``ShutdownGate``): once shutdown begins, new calls get ``UNAVAILABLE``;
5. authentication (``Authentication``): a verified bearer token on every call except health
   and reflection, bound as the current principal;
6. rate limit (``RateLimit``): one unit of the caller's window per call (R32), its headers in
   the trailers of every answer, success or error;
7. stream limits (``StreamLimit``, with stream_limits.py): every call answering with a stream
   takes one of its caller's slots or is refused, and is cancelled when its client stops
   reading;
8. validation (``RequestValidation``, request_validation.py): the protos' ``buf.validate``
   rules, and bytes that do not parse, answered ``INVALID_ARGUMENT`` before the servicer.

Each concern keeps its logic in its own class; this module only runs them in that order.
gRPC asks every server interceptor for every call, and eight interceptors each running a
generator context manager cost a quarter of a Get's server time (docs/benchmarks.md §7b).
Here one interceptor builds, once per method, a handler whose call is plain try/finally
code, leaving out the concerns that do not apply to the method (health needs no token).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc

from shared.facts.identity import Principal, unbind_principal
from shared.runtime.config import Settings
from shared.runtime.interceptors import (
    Authentication,
    CallScope,
    InFlightCalls,
    PrincipalResolver,
    RateLimit,
    ShutdownGate,
    StreamLimit,
    TokenFreeMethods,
    map_error,
)
from shared.runtime.method_interceptor import MethodInterceptor
from shared.runtime.metrics import RpcMetrics
from shared.runtime.rate_limits import rate_limiter_from_settings
from shared.runtime.request_validation import RequestValidation
from shared.runtime.stream_limits import StallWatchdog, StreamSlots
from shared.runtime.tokens import TokenVerifier

Behavior = Callable[[Any, grpc.ServicerContext], Any]
PrincipalBinding = contextvars.Token[Principal | None]


@dataclass(frozen=True)
class Concerns:
    call_scope: CallScope
    metrics: RpcMetrics
    shutdown_gate: ShutdownGate
    authentication: Authentication
    rate_limit: RateLimit
    stream_limit: StreamLimit
    validation: RequestValidation


@dataclass(frozen=True)
class Admission:
    """Concerns 4 to 6 as they apply to one method (None for those that do not)."""

    gate: ShutdownGate | None
    authentication: Authentication | None
    limit: RateLimit | None

    @property
    def empty(self) -> bool:
        return self.gate is None and self.authentication is None and self.limit is None

    def admit(self, method: str, context: grpc.ServicerContext) -> PrincipalBinding | None:
        """Let the call in, or raise its refusal; the caller's principal is bound until
        ``release`` of what this returns."""
        if self.gate is not None:
            self.gate.check()
        binding = None if self.authentication is None else self.authentication.admit(context)
        if self.limit is not None:
            try:
                self.limit.take(method, context)
            except BaseException:
                self.release(binding)
                raise
        return binding

    @staticmethod
    def release(binding: PrincipalBinding | None) -> None:
        if binding is not None:
            unbind_principal(binding)


class CallPipeline(MethodInterceptor):
    """Hands gRPC, for each method, its handler wrapped in the concerns (built once per
    method, and again only if the handler below changes: ``MethodInterceptor``)."""

    def __init__(self, concerns: Concerns):
        self._concerns = concerns

    def wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        concerns = self._concerns
        validation = concerns.validation if concerns.validation.applies_to(method) else None
        deserializer = handler.request_deserializer
        if validation is not None:
            deserializer = validation.deserializer(deserializer)
        codec = {
            "request_deserializer": deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary:
            behavior = self._guarded(method, _validated(validation, method, handler.unary_unary))
            return grpc.unary_unary_rpc_method_handler(self._unary(method, behavior), **codec)
        if handler.stream_unary:
            behavior = self._guarded(
                method, _validated_stream(validation, method, handler.stream_unary)
            )
            return grpc.stream_unary_rpc_method_handler(self._unary(method, behavior), **codec)
        limit = concerns.stream_limit
        if handler.unary_stream:
            behavior = limit.guarded(method, _validated(validation, method, handler.unary_stream))
            return grpc.unary_stream_rpc_method_handler(
                self._streaming(method, self._guarded_stream(method, behavior)), **codec
            )
        behavior = limit.guarded(
            method, _validated_stream(validation, method, handler.stream_stream)
        )
        return grpc.stream_stream_rpc_method_handler(
            self._streaming(method, self._guarded_stream(method, behavior)), **codec
        )

    def _admission(self, method: str) -> Admission:
        concerns = self._concerns
        return Admission(
            concerns.shutdown_gate if concerns.shutdown_gate.applies_to(method) else None,
            concerns.authentication if concerns.authentication.applies_to(method) else None,
            concerns.rate_limit if concerns.rate_limit.applies_to(method) else None,
        )

    def _guarded(self, method: str, behavior: Behavior) -> Behavior:
        """``behavior`` (answering once) behind the gate, the token check and the limit."""
        admission = self._admission(method)
        if admission.empty:
            return behavior

        def call(request: Any, context: grpc.ServicerContext) -> Any:
            binding = admission.admit(method, context)
            try:
                return behavior(request, context)
            finally:
                admission.release(binding)

        return call

    def _guarded_stream(self, method: str, behavior: Behavior) -> Behavior:
        """The same for a stream of answers: the principal stays bound while it runs."""
        admission = self._admission(method)
        if admission.empty:
            return behavior

        def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            binding = admission.admit(method, context)
            try:
                yield from behavior(request, context)
            finally:
                admission.release(binding)

        return call

    def _unary(self, method: str, behavior: Behavior) -> Behavior:
        """Concerns 1 to 3 around a call answering once."""
        scope, metrics = self._concerns.call_scope, self._concerns.metrics

        def call(request: Any, context: grpc.ServicerContext) -> Any:
            opened = scope.open(method, context, False)
            started = time.perf_counter()
            try:
                try:
                    response = behavior(request, context)
                except Exception as error:
                    map_error(method, context, error)  # raises, unless the client left
                    response = None
                scope.answered(opened, context)
                return response
            finally:
                metrics.record(method, context, started)
                scope.close(opened, method, context)

        return call

    def _streaming(self, method: str, behavior: Behavior) -> Behavior:
        """Concerns 1 to 3 around a call answering with a stream."""
        scope, metrics = self._concerns.call_scope, self._concerns.metrics

        def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            opened = scope.open(method, context, True)
            started = time.perf_counter()
            try:
                try:
                    yield from behavior(request, context)
                except Exception as error:
                    map_error(method, context, error)  # raises, unless the client left
                scope.answered(opened, context)
            finally:
                metrics.record(method, context, started)
                scope.close(opened, method, context)

        return call


def _validated(validation: RequestValidation | None, method: str, behavior: Behavior) -> Behavior:
    if validation is None:
        return behavior

    def call(request: Any, context: grpc.ServicerContext) -> Any:
        return behavior(validation.checked(method, request), context)

    return call


def _validated_stream(
    validation: RequestValidation | None, method: str, behavior: Behavior
) -> Behavior:
    if validation is None:
        return behavior

    def call(requests: Any, context: grpc.ServicerContext) -> Any:
        return behavior(validation.checked_stream(method, requests), context)

    return call


# Only health and reflection are called without a token, unless a service says otherwise.
NO_COUNTED_METHODS = TokenFreeMethods()


def server_interceptors(
    verifier: TokenVerifier,
    in_flight: InFlightCalls,
    settings: Settings,
    resolve_principal: PrincipalResolver | None = None,
    token_free: TokenFreeMethods = NO_COUNTED_METHODS,
    service: str = "",
) -> list[grpc.ServerInterceptor]:
    """The server's concerns, in their order, as one interceptor."""
    concerns = Concerns(
        call_scope=CallScope(in_flight, token_free),
        metrics=RpcMetrics(service),
        shutdown_gate=ShutdownGate(in_flight, token_free),
        authentication=Authentication(verifier, token_free, resolve_principal),
        rate_limit=RateLimit(rate_limiter_from_settings(settings), token_free, service),
        stream_limit=StreamLimit(
            StreamSlots(settings.stream_limit_per_principal, settings.stream_limit_total),
            StallWatchdog(settings.stream_stall_timeout_seconds),
            token_free,
        ),
        validation=RequestValidation(),
    )
    return [CallPipeline(concerns)]
