"""Server interceptors: the cross-cutting concerns, each written once.

Order (outermost first), as ``server_interceptors`` returns them:
1. ``CallScopeInterceptor``: request id, deadline, in-flight accounting, one structured log
   line per call;
   ``RpcMetricsInterceptor`` (shared/runtime/metrics.py): each call's latency, code and reason;
2. ``ErrorMappingInterceptor``: ``DomainError`` → ``google.rpc.Status`` with ``ErrorInfo``;
   anything unexpected → ``INTERNAL`` with a request id to quote, never a stack trace;
3. ``ShutdownGateInterceptor``: once shutdown begins, new calls get ``UNAVAILABLE``;
4. ``AuthenticationInterceptor``: a verified bearer token on every call except health and
   reflection, bound as the current principal;
5. ``RateLimitInterceptor``: one unit of the caller's client's window per call (R32), the
   limit, what remains and the reset in the trailers of every answer, success or error;
6. ``StreamLimitInterceptor``: every call answering with a stream takes one of its caller's
   stream slots or is refused, and is cancelled when its client stops reading
   (shared/runtime/stream_limits.py);
7. ``ValidationInterceptor`` (shared/runtime/request_validation.py): the protos' ``buf.validate``
   rules, and bytes that do not parse, answered ``INVALID_ARGUMENT`` before the servicer.

Each of the first five wraps the method handler's behaviour in a context manager, so unary
and streaming methods get the same treatment; the sixth also watches each message a stream
hands to gRPC; the seventh also stands in for the request deserializer.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_status import rpc_status

from shared.facts.errors import (
    DomainError,
    ErrorReason,
    Internal,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    status_for,
)
from shared.facts.identity import (
    Principal,
    PrincipalKind,
    bind_principal,
    current_principal,
    unbind_principal,
)
from shared.runtime.call_context import (
    ACTING_FOR_HEADER,
    REQUEST_ID_HEADER,
    CallContext,
    bind_call,
    current_call,
    deadline_from_remaining,
    new_request_id,
    unbind_call,
)
from shared.runtime.config import Settings
from shared.runtime.error_translation import domain_error_for
from shared.runtime.method_interceptor import AroundInterceptor, MethodInterceptor
from shared.runtime.metrics import RpcMetricsInterceptor, rate_limit_refused
from shared.runtime.rate_limits import RateLimitDecision, RateLimiter, rate_limiter_from_settings
from shared.runtime.request_validation import ValidationInterceptor
from shared.runtime.stream_limits import StallWatchdog, StreamSlots
from shared.runtime.tokens import TokenVerifier

log = logging.getLogger("connectability.rpc")

# Methods any client may call without a token: health checks and reflection. A service adds
# its own (``ServiceDefinition.token_free_methods``), which are then counted per address.
INFRASTRUCTURE_METHOD_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


@dataclass(frozen=True)
class TokenFreeMethods:
    """The methods of one server that are called without a token.

    ``counted`` are a service's own: public, yet counted per caller address, because what
    they check instead of a token (a client secret, with scrypt) costs real CPU, so a flood
    from one address must not be free.
    """

    counted: tuple[str, ...] = ()

    def include(self, method: str) -> bool:
        return method.startswith(INFRASTRUCTURE_METHOD_PREFIXES) or method in self.counted


_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class InFlightCalls:
    """Counts calls in progress, so shutdown can wait for unary calls to drain."""

    def __init__(self) -> None:
        self._unary = 0
        self._streams = 0
        self._changed = threading.Condition()
        # Set when shutdown begins: new calls are refused from then on (ShutdownGate).
        self.closed = threading.Event()

    def enter(self, streaming: bool) -> None:
        with self._changed:
            if streaming:
                self._streams += 1
            else:
                self._unary += 1

    def leave(self, streaming: bool) -> None:
        with self._changed:
            if streaming:
                self._streams -= 1
            else:
                self._unary -= 1
            self._changed.notify_all()

    @property
    def unary(self) -> int:
        return self._unary

    @property
    def streams(self) -> int:
        return self._streams

    def wait_for_unary_drain(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._unary == 0, timeout=timeout)


def _metadata_value(context: grpc.ServicerContext, key: str) -> str:
    for name, value in context.invocation_metadata() or ():
        if name == key and isinstance(value, str):
            return value
    return ""


def _add_trailing_metadata(context: grpc.ServicerContext, extra: tuple[Any, ...]) -> None:
    existing = tuple(context.trailing_metadata() or ())  # type: ignore[attr-defined]
    context.set_trailing_metadata(existing + extra)


# Polled by the services below all day long: logged at DEBUG when a service calls them.
ROUTINE_POLLING_METHODS = frozenset({"ListProjectChanges", "WatchFeedHeads"})


class CallScopeInterceptor(AroundInterceptor):
    """Binds the call's request id and deadline, counts it in flight, and logs it once."""

    def __init__(self, in_flight: InFlightCalls, token_free: TokenFreeMethods):
        self._in_flight = in_flight
        self._token_free = token_free

    @contextmanager
    def around(self, method: str, context: grpc.ServicerContext, streaming: bool) -> Iterator[None]:
        offered = _metadata_value(context, REQUEST_ID_HEADER)
        request_id = offered if _REQUEST_ID_PATTERN.match(offered) else new_request_id()
        call = CallContext(request_id, method, deadline_from_remaining(context.time_remaining()))
        token = bind_call(call)
        self._in_flight.enter(streaming)
        # Count the call out only once gRPC has sent its status: leaving when the handler
        # returns would let shutdown cancel a finished call whose answer is not yet sent.
        if not context.add_callback(lambda: self._in_flight.leave(streaming)):
            self._in_flight.leave(streaming)
        started = time.perf_counter()
        try:
            yield
            # The request id rides in the trailers: sending headers early would commit the
            # call and stop clients from transparently retrying an UNAVAILABLE answer.
            _add_trailing_metadata(context, ((REQUEST_ID_HEADER, request_id),))
        finally:
            unbind_call(token)
            code = context.code() if hasattr(context, "code") else None  # type: ignore[attr-defined]
            # Health probes arrive every few seconds from every orchestrator, and services
            # poll each other's feeds: keep both quiet.
            routine = self._token_free.include(method) or (
                method.rsplit("/", 1)[-1] in ROUTINE_POLLING_METHODS
                and call.outcome.caller_kind is PrincipalKind.SERVICE
            )
            fields = {
                "method": method,
                "code": (code or grpc.StatusCode.OK).name,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": request_id,
                # Set by a service calling while serving someone; unverified, log only.
                "acting_for": _metadata_value(context, ACTING_FOR_HEADER)[:200],
            }
            if call.outcome.reason:
                fields["reason"] = call.outcome.reason
            log.log(logging.DEBUG if routine else logging.INFO, "rpc", extra=fields)


class _StatusWithMetadata(grpc.Status):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[Any, ...]):
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def abort_with_error(context: grpc.ServicerContext, error: DomainError) -> None:
    """End the call with ``error`` as a rich status; the request id rides in the trailers."""
    status = rpc_status.to_status(status_for(error))
    call = current_call()
    # Keep what inner interceptors already put in the trailers (the rate-limit headers):
    # aborting with a status replaces the call's trailing metadata.
    already_set = tuple(context.trailing_metadata() or ())  # type: ignore[attr-defined]
    trailers = already_set + tuple(status.trailing_metadata)
    if call is not None:
        trailers += ((REQUEST_ID_HEADER, call.request_id),)
        call.outcome.reason = error.reason
    context.abort_with_status(_StatusWithMetadata(status.code, status.details, trailers))


class ErrorMappingInterceptor(AroundInterceptor):
    @contextmanager
    def around(self, method: str, context: grpc.ServicerContext, streaming: bool) -> Iterator[None]:
        try:
            yield
        except DomainError as error:
            abort_with_error(context, error)
        except NotImplementedError:
            abort_with_error(
                context,
                Unimplemented(ErrorReason.NOT_IMPLEMENTED, f"{method} is not implemented yet."),
            )
        except Exception as error:
            if not context.is_active():
                # The client went away (a closed reflection stream, a cancelled watch): what
                # broke is its side of the call, not ours, and there is nobody to answer.
                log.debug("client left the call", extra={"method": method})
                return
            code = context.code() if hasattr(context, "code") else None  # type: ignore[attr-defined]
            if code not in (None, grpc.StatusCode.OK):
                raise  # the servicer already ended the call with a status of its own
            expected = domain_error_for(error)
            if expected is not None:
                abort_with_error(context, expected)
            call = current_call()
            request_id = call.request_id if call else "-"
            log.exception("unexpected error", extra={"method": method, "request_id": request_id})
            abort_with_error(
                context,
                Internal(
                    ErrorReason.INTERNAL_ERROR,
                    f"An internal error occurred; quote request id {request_id} when reporting it.",
                ),
            )


# Turns the principal a token names into the one the service trusts (the connection
# service reads a user's company from its directory, not from the token).
PrincipalResolver = Callable[[Principal], Principal]


class AuthenticationInterceptor(AroundInterceptor):
    """Every call but health and reflection carries ``authorization: Bearer <JWT>``."""

    def __init__(
        self,
        verifier: TokenVerifier,
        token_free: TokenFreeMethods,
        resolve: PrincipalResolver | None = None,
    ):
        self._verifier = verifier
        self._token_free = token_free
        self._resolve = resolve

    def applies_to(self, method: str) -> bool:
        return not self._token_free.include(method)

    @contextmanager
    def around(self, method: str, context: grpc.ServicerContext, streaming: bool) -> Iterator[None]:
        header = _metadata_value(context, "authorization")
        scheme, _, token = header.partition(" ")
        if not header:
            raise Unauthenticated(ErrorReason.TOKEN_MISSING, "A bearer token is required.")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                ErrorReason.TOKEN_MALFORMED, "The authorization header must be 'Bearer <token>'."
            )
        principal = self._verifier.verify(token.strip())
        if self._resolve is not None:
            principal = self._resolve(principal)
        binding = bind_principal(principal)
        call = current_call()
        if call is not None:
            call.outcome.caller_kind = principal.kind
        try:
            yield
        finally:
            unbind_principal(binding)


class RateLimitInterceptor(AroundInterceptor):
    """Counts each authenticated call against its client's limit (R32).

    The headers ride in the trailers, beside the request id: every gRPC client, in any
    language, reads trailers on success and on failure alike, and sending headers early
    would stop clients from transparently retrying an UNAVAILABLE answer.
    """

    def __init__(self, limiter: RateLimiter, token_free: TokenFreeMethods, service: str = ""):
        self._limiter = limiter
        self._token_free = token_free
        self._service = service

    def applies_to(self, method: str) -> bool:
        return method in self._token_free.counted or not self._token_free.include(method)

    @contextmanager
    def around(self, method: str, context: grpc.ServicerContext, streaming: bool) -> Iterator[None]:
        decision: RateLimitDecision | None
        if method in self._token_free.counted:
            caller = "address"
            decision = self._limiter.take_for_address(peer_host(context.peer()))
        else:
            principal = current_principal()
            caller = principal.kind.value
            decision = self._limiter.take(principal)
        if decision is not None:
            _add_trailing_metadata(context, decision.headers())
            if not decision.allowed:
                rate_limit_refused(self._service, method, caller)
                raise decision.refusal()
        yield


def peer_host(peer: str) -> str:
    """The caller's address without its port: "ipv4:10.0.0.7:5123" → "10.0.0.7"."""
    address = peer.split(":", 1)[1] if ":" in peer else peer
    if address.startswith("["):  # ipv6 "[::1]:5123"
        return address[1 : address.find("]")]
    return address.rsplit(":", 1)[0] if address.count(":") == 1 else address


class ShutdownGateInterceptor(AroundInterceptor):
    """Once shutdown begins, new calls get UNAVAILABLE (which clients retry elsewhere)
    while the calls in flight finish. Refusing here, rather than leaving it to gRPC's own
    stop, gives every refused call the same clear status: gRPC answers a call racing its
    stop with CANCELLED or UNAVAILABLE depending on timing."""

    def __init__(self, in_flight: InFlightCalls, token_free: TokenFreeMethods):
        self._in_flight = in_flight
        self._token_free = token_free

    def applies_to(self, method: str) -> bool:
        return not self._token_free.include(method)  # health must say NOT_SERVING

    @contextmanager
    def around(self, method: str, context: grpc.ServicerContext, streaming: bool) -> Iterator[None]:
        if self._in_flight.closed.is_set():
            raise Unavailable(ErrorReason.SHUTTING_DOWN, "The service is shutting down; try again.")
        yield


class StreamLimitInterceptor(MethodInterceptor):
    """Bounds the open streams of each caller and of the process, and cancels stalled ones.

    Applies to every method answering with a stream (server streaming and bidirectional),
    public ones too: health Watch and reflection are counted by the caller's address. Our
    own services are neither counted nor refused, but a stall cancels their streams too.
    """

    def __init__(self, slots: StreamSlots, watchdog: StallWatchdog, token_free: TokenFreeMethods):
        self._slots = slots
        self._watchdog = watchdog
        self._token_free = token_free

    def selects(self, method: str, handler: grpc.RpcMethodHandler) -> bool:
        return bool(handler.response_streaming)

    def wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        codec = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._guarded(method, handler.unary_stream), **codec
            )
        return grpc.stream_stream_rpc_method_handler(
            self._guarded(method, handler.stream_stream), **codec
        )

    def _guarded(self, method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            caller = _stream_caller(method, context, self._token_free)
            release = None if caller is None else self._slots.take(caller)
            if release is not None:
                # The slot frees when the handler ends, or when gRPC ends the call without
                # running it to its end (a cancelled call's handler is simply dropped).
                if not context.add_callback(release):
                    release()
                    return
            describe = f"{method} by {caller or 'a service'}"
            try:
                for response in behavior(request, context):
                    # gRPC sends the message between this yield and the next resume; a
                    # client that does not read keeps the thread inside that send.
                    with self._watchdog.writing(context.cancel, describe):
                        yield response
            finally:
                if release is not None:
                    release()

        return call


def _stream_caller(
    method: str, context: grpc.ServicerContext, token_free: TokenFreeMethods
) -> str | None:
    """Whose slots a stream takes: the principal, the address for public methods, or None
    for our own services."""
    if token_free.include(method):  # no token: the address is all we know
        return f"address:{peer_host(context.peer())}"
    principal = current_principal()
    if principal.kind is PrincipalKind.SERVICE:
        return None
    return principal.describe()


def server_interceptors(
    verifier: TokenVerifier,
    in_flight: InFlightCalls,
    settings: Settings,
    resolve_principal: PrincipalResolver | None = None,
    token_free: TokenFreeMethods = TokenFreeMethods(),
    service: str = "",
) -> list[grpc.ServerInterceptor]:
    return [
        CallScopeInterceptor(in_flight, token_free),
        RpcMetricsInterceptor(service),
        ErrorMappingInterceptor(),
        ShutdownGateInterceptor(in_flight, token_free),
        AuthenticationInterceptor(verifier, token_free, resolve_principal),
        RateLimitInterceptor(rate_limiter_from_settings(settings), token_free, service),
        StreamLimitInterceptor(
            StreamSlots(settings.stream_limit_per_principal, settings.stream_limit_total),
            StallWatchdog(settings.stream_stall_timeout_seconds),
            token_free,
        ),
        ValidationInterceptor(),
    ]
