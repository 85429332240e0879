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

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from opentelemetry import trace
from opentelemetry.instrumentation.grpc import client_interceptor, server_interceptor
from opentelemetry.instrumentation.grpc.grpcext import intercept_channel
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.runtime.config import Settings

log = logging.getLogger("connectability.tracing")

# The provider spans go to, once tracing is on in this process; None while it is off.
_provider: TracerProvider | None = None
_PROPAGATOR = TraceContextTextMapPropagator()


def configure_tracing(settings: Settings, service: str) -> None:
    """Export this process's spans to the configured collector, if any."""
    if not settings.otlp_endpoint:
        return
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(
        resource=Resource.create({"service.name": f"connectability-{service}"})
    )
    exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint, insecure=settings.otlp_insecure)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    enable_tracing(provider)
    log.info("tracing on", extra={"otlp_endpoint": settings.otlp_endpoint})


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
    return [server_interceptor(tracer_provider=_provider)]


def traced(channel: grpc.Channel) -> grpc.Channel:
    """``channel`` with a client span per call (and its context sent on) when tracing is on."""
    if _provider is None:
        return channel
    # OTel's client interceptor speaks its own interception API (grpcext), not grpc's.
    return intercept_channel(channel, client_interceptor(tracer_provider=_provider))


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
