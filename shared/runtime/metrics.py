"""Prometheus metrics of a service: latency and outcome of every call, and its state.

``RpcMetrics`` runs just inside the call scope (shared/runtime/call_pipeline.py; so the
call's refusal reason is known when it ends) and records each call once. A service's state
(sync lag, outbox depth, deliveries by status...) is read from its database when Prometheus
scrapes and kept for a few seconds at most (``metrics_state_ttl_seconds``): ``StateGauges``
turns what a service's ``gauges`` function reads into gauge families. ``serve_metrics``
exposes all of it on ``/metrics`` at the service's metrics port; with no port configured
nothing is served, no state is read, and recording costs one histogram observation per call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.runtime.call_context import current_call
from shared.runtime.config import Settings

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
    "(RATE_LIMIT_EXCEEDED counts the rate limiter's refusals).",
    ("service", "method", "code", "reason"),
)

RATE_LIMIT_REFUSALS = Counter(
    "connectability_rate_limit_refusals_total",
    "Calls the rate limiter refused (RESOURCE_EXHAUSTED / RATE_LIMIT_EXCEEDED), by method "
    "and kind of caller (user, integrator, or an address asking for a token).",
    ("service", "method", "caller"),
)
STATE_READ_FAILURES = Counter(
    "connectability_state_read_failures_total",
    "Scrapes whose state gauges could not be read from the service's database.",
    ("service",),
)


@dataclass
class Gauge:
    """One state gauge as a service reads it at scrape time: a value per label set."""

    name: str
    documentation: str
    labels: Sequence[str] = ()
    values: dict[tuple[str, ...], float] = field(default_factory=dict)

    def set(self, value: float, *label_values: str) -> Gauge:
        self.values[tuple(label_values)] = float(value)
        return self


# Reads a service's state: called once per scrape, in the metrics server's thread.
GaugeReader = Callable[[], Iterable[Gauge]]


class StateGauges(Collector):
    """The gauges ``read`` returns, labelled with the service, read at most once every
    ``ttl_seconds``: a scrape within that time of the last read is answered from it, so a
    scraper polling fast (or several at once) cannot make the service read its database
    more often. The values still come from the database, so replicas agree.

    A database that cannot be read leaves the state gauges out of that scrape (Prometheus
    then shows gaps, and alerts on absent series can fire), counts the failure and logs it;
    a failed read is not kept, the next scrape reads again.
    """

    def __init__(self, service: str, read: GaugeReader, ttl_seconds: float = 0.0):
        self._service = service
        self._read = read
        self._ttl_seconds = ttl_seconds
        # Scrapes run in the HTTP server's threads: one reads, the others wait for it.
        self._lock = threading.Lock()
        self._families: list[GaugeMetricFamily] = []
        self._read_at: float | None = None

    def describe(self) -> list[Any]:
        return []  # nothing to check at registration: the families are read per scrape

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            now = time.monotonic()
            if self._read_at is None or now - self._read_at >= self._ttl_seconds:
                try:
                    self._families = self._families_read()
                except Exception:
                    STATE_READ_FAILURES.labels(self._service).inc()
                    log.warning("state gauges not read", exc_info=True)
                    self._families, self._read_at = [], None
                    return
                self._read_at = now
            families = self._families
        yield from families

    def _families_read(self) -> list[GaugeMetricFamily]:
        families = []
        for gauge in self._read():
            family = GaugeMetricFamily(
                gauge.name, gauge.documentation, labels=("service", *gauge.labels)
            )
            for label_values, value in gauge.values.items():
                family.add_metric((self._service, *label_values), value)
            families.append(family)
        return families


def rate_limit_refused(service: str, method: str, caller: str) -> None:
    RATE_LIMIT_REFUSALS.labels(service, method, caller).inc()


class RpcMetrics:
    """Records each call's latency (and its refusal reason when it fails).

    The children of a method's histogram and refusal counter are looked up once and kept:
    ``labels()`` checks and joins the label values under the metric's lock on every call
    otherwise.
    """

    def __init__(self, service: str) -> None:
        self._service = service
        self._durations: dict[tuple[str, str], Any] = {}
        self._refusals: dict[tuple[str, str, str], Any] = {}

    def _duration_of(self, method: str, code: str) -> Any:
        child = self._durations.get((method, code))
        if child is None:
            child = self._durations[(method, code)] = RPC_DURATION.labels(
                self._service, method, code
            )
        return child

    def _refusals_of(self, method: str, code: str, reason: str) -> Any:
        child = self._refusals.get((method, code, reason))
        if child is None:
            child = self._refusals[(method, code, reason)] = RPC_REFUSALS.labels(
                self._service, method, code, reason
            )
        return child

    def record(self, method: str, context: grpc.ServicerContext, started: float) -> None:
        """Count the call that began at ``started`` (``time.perf_counter``) and just ended."""
        code = _code_name(context)
        self._duration_of(method, code).observe(time.perf_counter() - started)
        if code != "OK":
            call = current_call()
            reason = call.outcome.reason if call is not None else ""
            self._refusals_of(method, code, reason or "UNKNOWN").inc()


def _code_name(context: Any) -> str:
    code = context.code() if hasattr(context, "code") else None
    return str((code or grpc.StatusCode.OK).name)


class MetricsEndpoint:
    """The running ``/metrics`` server and the state collector it registered."""

    def __init__(self, server: Any, collector: StateGauges | None):
        self._server = server
        self._collector = collector

    def shutdown(self) -> None:
        self._server.shutdown()
        if self._collector is not None:
            REGISTRY.unregister(self._collector)


def serve_metrics(
    settings: Settings, service: str, gauges: GaugeReader | None = None
) -> MetricsEndpoint | None:
    """Start ``/metrics`` on the service's metrics port (with the state ``gauges`` read at
    each scrape); the endpoint, or None if off."""
    port = settings.metrics_port_of(service)
    if not port:
        return None
    server, _thread = start_http_server(port, addr=settings.host)
    collector = None
    if gauges is not None:
        collector = StateGauges(service, gauges, settings.metrics_state_ttl_seconds)
        REGISTRY.register(collector)
    log.info("metrics served", extra={"address": f"http://{settings.host}:{port}/metrics"})
    return MetricsEndpoint(server, collector)
