"""OpenTelemetry traces of gRPC calls, across the three services, when a collector is set.

With ``CONNECTABILITY_OTLP_ENDPOINT`` set (an OTLP/gRPC collector, e.g. ``otel:4317``), each
process exports its spans there, every served call is a server span and every call to a
service below a client span whose context rides in the call's metadata (W3C
``traceparent``), so one request is one trace through connection → drawing/notification.
Without it nothing is added to the call path: tracing costs nothing when off.

Work a call leaves for later (a notice in the outbox, a connection's initial copy) keeps the
call's ``traceparent`` (``current_traceparent``) beside it; the worker that does it runs
inside ``continued_trace``, so its calls to other services belong to the same trace.
"""

from __future__ import annotations

import collections
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.runtime.config import Settings
from shared.runtime.method_interceptor import AroundInterceptor

log = logging.getLogger("connectability.tracing")

# The provider spans go to, once tracing is on in this process; None while it is off.
_provider: TracerProvider | None = None
_PROPAGATOR = TraceContextTextMapPropagator()
_TRACE_HEADERS = frozenset(_PROPAGATOR.fields)  # traceparent, tracestate


def configure_tracing(settings: Settings, service: str) -> None:
    """Export this process's spans to the configured collector, if any."""
    if not settings.otlp_endpoint:
        return
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(
        resource=HashedOnce(Resource.create({"service.name": f"connectability-{service}"}))
    )
    exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint, insecure=settings.otlp_insecure)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    enable_tracing(provider)
    log.info("tracing on", extra={"otlp_endpoint": settings.otlp_endpoint})


class HashedOnce(Resource):
    """The process's resource, its hash computed once.

    The OTLP encoder groups every exported span by its resource, hashing it per span, and
    ``Resource.__hash__`` serialises all its attributes to JSON each time: about an eighth of
    the encoding's time (cProfile of ``encode_spans``; 10 µs a span). A resource cannot
    change, so neither can its hash.
    """

    def __init__(self, resource: Resource):
        super().__init__(resource.attributes, resource.schema_url)
        self._hash = super().__hash__()

    def __hash__(self) -> int:
        return self._hash


def enable_tracing(provider: TracerProvider) -> None:
    """Trace the servers started and the channels opened from now on into ``provider``."""
    global _provider
    _provider = provider


def disable_tracing() -> None:
    global _provider
    _provider = None


def tracing_server_interceptors() -> list[grpc.ServerInterceptor]:
    """The outermost server interceptor when tracing is on, so its span covers the call."""
    if _provider is None:
        return []
    return [ServerSpans(_provider.get_tracer("connectability"))]


@functools.cache
def _rpc_attributes(method: str) -> dict[str, str]:
    """A method's span attributes, built once per method (the SDK copies them into the span)."""
    service, _, name = method.lstrip("/").rpartition("/")
    return {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name}


class ServerSpans(AroundInterceptor):
    """A server span per call, continuing the caller's ``traceparent`` if it sent one.

    Ours rather than OpenTelemetry's gRPC server interceptor: that one wraps every call's
    context and parses the peer's address on every call, which cost the hot read path more
    than the span itself (bench/read_rpcs.py --observability). A method's span attributes are
    built once, and the span is made current by attaching it to the context directly (what
    ``start_as_current_span`` does, without its two layers of context managers).
    """

    def __init__(self, tracer: trace.Tracer):
        self._tracer = tracer

    @contextmanager
    def around(  # type: ignore[override]
        self, method: str, context: grpc.ServicerContext, streaming: bool
    ) -> Iterator[None]:
        carrier = {
            key: value
            for key, value in context.invocation_metadata() or ()
            if key in _TRACE_HEADERS and isinstance(value, str)
        }
        parent = _PROPAGATOR.extract(carrier) if carrier else None
        span = self._tracer.start_span(
            method,
            context=parent,
            kind=trace.SpanKind.SERVER,
            attributes=_rpc_attributes(method),
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            try:
                yield
            finally:
                code = context.code() if hasattr(context, "code") else None
                code = code or grpc.StatusCode.OK
                span.set_attribute("rpc.grpc.status_code", code.value[0])
                if code is not grpc.StatusCode.OK:
                    span.set_status(Status(StatusCode.ERROR, code.name))
        except Exception as error:  # as start_as_current_span records it
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            raise
        finally:
            otel_context.detach(token)
            span.end()


def traced(channel: grpc.Channel) -> grpc.Channel:
    """``channel`` with a client span per call (and its context sent on) when tracing is on."""
    if _provider is None:
        return channel
    return grpc.intercept_channel(channel, ClientSpans(_provider.get_tracer("connectability")))


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class ClientSpans(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """A client span per call, its context sent on as ``traceparent``, ended with the call.

    grpc's own interceptor API, not OpenTelemetry's ``grpcext``: that one hands a streaming
    call back as a bare generator, which cannot be cancelled, so a service that watched a
    stream (the sync's feed heads) could not stop while tracing was on. Here the caller gets
    grpc's call object itself.
    """

    def __init__(self, tracer: trace.Tracer):
        self._tracer = tracer

    def _traced(self, continuation: Any, details: grpc.ClientCallDetails, request: Any) -> Any:
        span = self._tracer.start_span(
            details.method,
            kind=trace.SpanKind.CLIENT,
            attributes=_rpc_attributes(details.method),
        )
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
        metadata = [*(details.metadata or ()), *carrier.items()]
        try:
            call = continuation(
                _CallDetails(
                    details.method,
                    details.timeout,
                    metadata,
                    details.credentials,
                    details.wait_for_ready,
                    details.compression,
                ),
                request,
            )
        except BaseException as error:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, str(error)))
            span.end()
            raise
        call.add_done_callback(lambda done: _end_span(span, done))
        return call

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return self._traced(continuation, details, request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return self._traced(continuation, details, request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return self._traced(continuation, details, requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return self._traced(continuation, details, requests)


def _end_span(span: trace.Span, call: Any) -> None:
    code = call.code()
    if code is not None:
        span.set_attribute("rpc.grpc.status_code", code.value[0])
        if code is not grpc.StatusCode.OK:
            span.set_status(Status(StatusCode.ERROR, f"{code.name}: {call.details()}"))
    span.end()


def current_traceparent() -> str:
    """The W3C ``traceparent`` of the span now current, to store with work left for later;
    empty when tracing is off or no span is current."""
    if _provider is None:
        return ""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent", "")


@contextmanager
def continued_trace(traceparent: str, name: str, **attributes: str | int) -> Iterator[None]:
    """Run the block as a span ``name`` inside the trace ``traceparent`` names, so calls it
    makes to other services join that trace. Nothing happens when tracing is off or the
    work was stored without a trace."""
    if _provider is None or not traceparent:
        yield
        return
    parent = _PROPAGATOR.extract({"traceparent": traceparent})
    tracer = _provider.get_tracer("connectability")
    with tracer.start_as_current_span(name, context=parent, attributes=attributes):
        yield
