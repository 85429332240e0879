"""Prometheus metrics of the gRPC server: latency and outcome of every call, by method.

``RpcMetricsInterceptor`` sits just inside the call scope (so the call's refusal reason is
known when it ends) and records each call once. ``serve_metrics`` exposes them on
``/metrics`` at the service's metrics port; with no port configured nothing is served and
recording costs one histogram observation per call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
from prometheus_client import Counter, Histogram, start_http_server

from shared.runtime.call_context import current_call
from shared.runtime.config import Settings
from shared.runtime.method_interceptor import AroundInterceptor

log = logging.getLogger("connectability.metrics")

# Sub-millisecond reads up to a slow copy call; Prometheus's defaults start at 5 ms.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)

RPC_DURATION = Histogram(
    "connectability_rpc_server_duration_seconds",
    "Time from a call's arrival until its status is set, by method and status code.",
    ("service", "method", "code"),
    buckets=LATENCY_BUCKETS,
)
RPC_REFUSALS = Counter(
    "connectability_rpc_server_refusals_total",
    "Calls answered with an error, by method, status code and ErrorInfo reason "
    "(RATE_LIMITED counts the rate limiter's refusals).",
    ("service", "method", "code", "reason"),
)


class RpcMetricsInterceptor(AroundInterceptor):
    def __init__(self, service: str) -> None:
        self._service = service

    @contextmanager
    def around(  # type: ignore[override]
        self, method: str, context: grpc.ServicerContext, streaming: bool
    ) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            code = _code_name(context)
            RPC_DURATION.labels(self._service, method, code).observe(time.perf_counter() - started)
            if code != "OK":
                call = current_call()
                reason = call.outcome.reason if call is not None else ""
                RPC_REFUSALS.labels(self._service, method, code, reason or "UNKNOWN").inc()


def _code_name(context: Any) -> str:
    code = context.code() if hasattr(context, "code") else None
    return str((code or grpc.StatusCode.OK).name)


def serve_metrics(settings: Settings, service: str) -> Any | None:
    """Start ``/metrics`` on the service's metrics port; the HTTP server, or None if off."""
    port = settings.metrics_port_of(service)
    if not port:
        return None
    server, _thread = start_http_server(port, addr=settings.host)
    log.info("metrics served", extra={"address": f"http://{settings.host}:{port}/metrics"})
    return server
