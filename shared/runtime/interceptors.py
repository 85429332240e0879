"""The server's cross-cutting concerns, each written once, as plain objects that
shared/runtime/call_pipeline.py runs in their order around every call (see its docstring):
the call scope (request id, deadline, in-flight accounting, one log line), error mapping,
the shutdown gate, authentication, the rate limit and the stream limits. Metrics live in
metrics.py, request validation in request_validation.py.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
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
from shared.runtime.error_translation import domain_error_for
from shared.runtime.metrics import rate_limit_refused
from shared.runtime.rate_limits import RateLimitDecision, RateLimiter
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


@dataclass(frozen=True)
class OpenCall:
    """One call in the call scope: what its end needs."""

    call: CallContext
    binding: contextvars.Token[CallContext | None]
    started: float


class CallScope:
    """Binds the call's request id and deadline, counts it in flight, and logs it once."""

    def __init__(self, in_flight: InFlightCalls, token_free: TokenFreeMethods):
        self._in_flight = in_flight
        self._token_free = token_free

    def open(self, method: str, context: grpc.ServicerContext, streaming: bool) -> OpenCall:
        offered = _metadata_value(context, REQUEST_ID_HEADER)
        request_id = offered if _REQUEST_ID_PATTERN.match(offered) else new_request_id()
        call = CallContext(request_id, method, deadline_from_remaining(context.time_remaining()))
        binding = bind_call(call)
        self._in_flight.enter(streaming)
        # Count the call out only once gRPC has sent its status: leaving when the handler
        # returns would let shutdown cancel a finished call whose answer is not yet sent.
        if not context.add_callback(lambda: self._in_flight.leave(streaming)):
            self._in_flight.leave(streaming)
        return OpenCall(call, binding, time.perf_counter())

    def answered(self, opened: OpenCall, context: grpc.ServicerContext) -> None:
        """The handler returned: the request id rides in the trailers. (Sending headers
        early would commit the call and stop clients from transparently retrying an
        UNAVAILABLE answer.)"""
        _add_trailing_metadata(context, ((REQUEST_ID_HEADER, opened.call.request_id),))

    def close(self, opened: OpenCall, method: str, context: grpc.ServicerContext) -> None:
        unbind_call(opened.binding)
        call = opened.call
        # Health probes arrive every few seconds from every orchestrator, and services
        # poll each other's feeds: keep both quiet.
        routine = self._token_free.include(method) or (
            method.rsplit("/", 1)[-1] in ROUTINE_POLLING_METHODS
            and call.outcome.caller_kind is PrincipalKind.SERVICE
        )
        level = logging.DEBUG if routine else logging.INFO
        if not log.isEnabledFor(level):
            return
        code = context.code() if hasattr(context, "code") else None  # type: ignore[attr-defined]
        fields = {
            "method": method,
            "code": (code or grpc.StatusCode.OK).name,
            "duration_ms": round((time.perf_counter() - opened.started) * 1000, 2),
            "request_id": call.request_id,
            # Set by a service calling while serving someone; unverified, log only.
            "acting_for": _metadata_value(context, ACTING_FOR_HEADER)[:200],
        }
        if call.outcome.reason:
            fields["reason"] = call.outcome.reason
        log.log(level, "rpc", extra=fields)


class _StatusWithMetadata(grpc.Status):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[Any, ...]):
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


# The wire statuses of refusals without extra details, built once each: most refusals are
# the same few (a missing token, an id not found asked again and again). Bounded: past this
# many, all are forgotten at once (two threads racing a miss build the same status twice).
MAX_KEPT_STATUSES = 1024
_kept_statuses: dict[tuple[Any, ...], grpc.Status] = {}


def _wire_status(error: DomainError) -> grpc.Status:
    if error.details:  # e.g. a BadRequest or a RetryInfo: per request, not worth keeping
        return rpc_status.to_status(status_for(error))
    key = (error.code, error.reason, error.message, *sorted(error.metadata.items()))
    status = _kept_statuses.get(key)
    if status is None:
        if len(_kept_statuses) >= MAX_KEPT_STATUSES:
            _kept_statuses.clear()
        status = _kept_statuses[key] = rpc_status.to_status(status_for(error))
    return status


def abort_with_error(context: grpc.ServicerContext, error: DomainError) -> None:
    """End the call with ``error`` as a rich status; the request id rides in the trailers."""
    status = _wire_status(error)
    call = current_call()
    # Keep what inner interceptors already put in the trailers (the rate-limit headers):
    # aborting with a status replaces the call's trailing metadata.
    already_set = tuple(context.trailing_metadata() or ())  # type: ignore[attr-defined]
    trailers = already_set + tuple(status.trailing_metadata)
    if call is not None:
        trailers += ((REQUEST_ID_HEADER, call.request_id),)
        call.outcome.reason = error.reason
    context.abort_with_status(_StatusWithMetadata(status.code, status.details, trailers))


def map_error(method: str, context: grpc.ServicerContext, error: Exception) -> None:
    """End the call that raised ``error`` with the status it stands for: a ``DomainError``
    as itself, anything unexpected as ``INTERNAL`` with a request id to quote, never a stack
    trace. Raises gRPC's abort; returns only when the client has left (nobody to answer);
    re-raises ``error`` when the servicer already ended the call with a status of its own."""
    if isinstance(error, DomainError):
        abort_with_error(context, error)
    if isinstance(error, NotImplementedError):
        abort_with_error(
            context, Unimplemented(ErrorReason.NOT_IMPLEMENTED, f"{method} is not implemented yet.")
        )
    if not context.is_active():
        # The client went away (a closed reflection stream, a cancelled watch): what
        # broke is its side of the call, not ours, and there is nobody to answer.
        log.debug("client left the call", extra={"method": method})
        return
    code = context.code() if hasattr(context, "code") else None  # type: ignore[attr-defined]
    if code not in (None, grpc.StatusCode.OK):
        raise error  # the servicer already ended the call with a status of its own
    expected = domain_error_for(error)
    if expected is not None:
        abort_with_error(context, expected)
    call = current_call()
    request_id = call.request_id if call else "-"
    log.error(
        "unexpected error",
        exc_info=error,
        extra={"method": method, "request_id": request_id},
    )
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


class Authentication:
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

    def admit(self, context: grpc.ServicerContext) -> contextvars.Token[Principal | None]:
        """Bind the verified caller as the current principal (``unbind_principal`` the
        returned binding when the call ends), or raise ``Unauthenticated``."""
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
        return binding


class RateLimit:
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

    def take(self, method: str, context: grpc.ServicerContext) -> None:
        """One unit of the caller's window, or its refusal raised."""
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


def peer_host(peer: str) -> str:
    """The caller's address without its port: "ipv4:10.0.0.7:5123" → "10.0.0.7"."""
    address = peer.split(":", 1)[1] if ":" in peer else peer
    if address.startswith("["):  # ipv6 "[::1]:5123"
        return address[1 : address.find("]")]
    return address.rsplit(":", 1)[0] if address.count(":") == 1 else address


class ShutdownGate:
    """Once shutdown begins, new calls get UNAVAILABLE (which clients retry elsewhere)
    while the calls in flight finish. Refusing here, rather than leaving it to gRPC's own
    stop, gives every refused call the same clear status: gRPC answers a call racing its
    stop with CANCELLED or UNAVAILABLE depending on timing."""

    def __init__(self, in_flight: InFlightCalls, token_free: TokenFreeMethods):
        self._in_flight = in_flight
        self._token_free = token_free

    def applies_to(self, method: str) -> bool:
        return not self._token_free.include(method)  # health must say NOT_SERVING

    def check(self) -> None:
        if self._in_flight.closed.is_set():
            raise Unavailable(ErrorReason.SHUTTING_DOWN, "The service is shutting down; try again.")


class StreamLimit:
    """Bounds the open streams of each caller and of the process, and cancels stalled ones.

    Applies to every method answering with a stream (server streaming and bidirectional),
    public ones too: health Watch and reflection are counted by the caller's address. Our
    own services are neither counted nor refused, but a stall cancels their streams too.
    """

    def __init__(self, slots: StreamSlots, watchdog: StallWatchdog, token_free: TokenFreeMethods):
        self._slots = slots
        self._watchdog = watchdog
        self._token_free = token_free

    def guarded(self, method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
        """``behavior`` (answering with a stream) holding one of its caller's slots."""

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
