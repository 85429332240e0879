"""Server bootstrap shared by the three services.

``start_server`` builds a gRPC server with the interceptors, ``grpc.health.v1``, reflection,
keepalive and message-size limits, and binds it. ``GrpcServer.shutdown`` stops it gracefully:
health goes NOT_SERVING, new calls are refused, unary calls in flight get the grace period to
finish, then open streams are cancelled. ``run_until_signalled`` ties that to SIGTERM/SIGINT.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from shared.runtime.call_pipeline import server_interceptors
from shared.runtime.config import Settings
from shared.runtime.interceptors import InFlightCalls, PrincipalResolver, TokenFreeMethods
from shared.runtime.metrics import GaugeReader, serve_metrics
from shared.runtime.stop_signals import StopSignals
from shared.runtime.tls import server_credentials, transport_security
from shared.runtime.tokens import TokenVerifier
from shared.runtime.tracing import tracing_server_interceptors

log = logging.getLogger("connectability.server")

# The health check name a service answers for under its ``instance_id`` (see Settings).
INSTANCE_HEALTH_PREFIX = "connectability.instance/"


def instance_health_name(instance_id: str) -> str:
    return f"{INSTANCE_HEALTH_PREFIX}{instance_id}"


class PortInUse(OSError):
    """Another process listens on a port this service needs; names the variable that moves it."""

    def __init__(self, port: int, variable: str):
        super().__init__(errno.EADDRINUSE, f"port {port} in use; set {variable} to another port")
        self.port = port
        self.variable = variable

    def __str__(self) -> str:
        return str(self.strerror)


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (a port in TIME_WAIT is free)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def ports_in_use(settings: Settings, service: str) -> list[PortInUse]:
    """The ports of ``service`` that another process holds, each naming its variable."""
    return [
        PortInUse(port, variable)
        for variable, port in settings.listening_ports(service).items()
        if port and not port_is_free(settings.host, port)
    ]


def run_stop_hooks(definition: ServiceDefinition) -> None:
    for hook in definition.on_stop:
        try:
            hook()
        except Exception:  # one failing hook must not keep the others from running
            log.exception("shutdown hook failed")


@dataclass
class ServiceDefinition:
    """What a service plugs into the shared server."""

    # Short name: "connection", "drawing" or "notification".
    name: str
    # Fully qualified gRPC service names it serves, for health and reflection.
    grpc_service_names: Sequence[str]
    # Adds the servicer(s) to the server.
    register: Callable[[grpc.Server], None]
    # Called after the server stopped: stop workers, dispose engines.
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    # What the service trusts of a verified token's principal, if not all of it.
    resolve_principal: PrincipalResolver | None = None
    # Its methods called without a token (their request carries a secret instead).
    token_free_methods: Sequence[str] = ()
    # Reads its state gauges from its database when /metrics is scraped (if served).
    gauges: GaugeReader | None = None


class GrpcServer:
    def __init__(
        self,
        server: grpc.Server,
        port: int,
        health_servicer: health.HealthServicer,
        in_flight: InFlightCalls,
        definition: ServiceDefinition,
    ):
        self.server = server
        self.port = port
        self.health = health_servicer
        self.in_flight = in_flight
        self.definition = definition
        # Set when shutdown begins: long-lived streams watch it to end promptly.
        self.stopping = threading.Event()
        self._stopped = threading.Event()

    def shutdown(self, grace_seconds: float) -> None:
        if self.stopping.is_set():
            self._stopped.wait()
            return
        self.stopping.set()
        log.info("shutting down", extra={"grace_seconds": grace_seconds})
        self.health.enter_graceful_shutdown()
        # Refuse new calls (UNAVAILABLE, ShutdownGate); calls in flight keep
        # running until the grace period ends.
        self.in_flight.closed.set()
        drained = self.in_flight.wait_for_unary_drain(grace_seconds)
        # Unary calls are done (or out of time): cancel the streams that remain now.
        self.server.stop(None).wait()
        run_stop_hooks(self.definition)
        log.info("stopped", extra={"unary_drained": drained})
        self._stopped.set()

    def wait(self) -> None:
        self.server.wait_for_termination()


def start_server(
    definition: ServiceDefinition,
    settings: Settings,
    verifier: TokenVerifier,
    port: int | None = None,
) -> GrpcServer:
    in_flight = InFlightCalls()
    options = [
        ("grpc.keepalive_time_ms", settings.keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", settings.keepalive_timeout_ms),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(
            max_workers=settings.worker_threads, thread_name_prefix=definition.name
        ),
        interceptors=tracing_server_interceptors()
        + server_interceptors(
            verifier,
            in_flight,
            settings,
            definition.resolve_principal,
            TokenFreeMethods(counted=tuple(definition.token_free_methods)),
            definition.name,
        ),
        options=options,
        maximum_concurrent_rpcs=settings.worker_threads * 8,
    )
    health_servicer = health.HealthServicer(
        experimental_non_blocking=True,
        experimental_thread_pool=futures.ThreadPoolExecutor(max_workers=2),
    )
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    definition.register(server)
    reflection.enable_server_reflection(
        (
            *definition.grpc_service_names,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    wanted_port = settings.port_of(definition.name) if port is None else port
    address = f"{settings.host}:{wanted_port}"
    busy = PortInUse(wanted_port, f"CONNECTABILITY_{definition.name.upper()}_PORT")
    # Asked first: gRPC would only say so in a log line of its own and a vague RuntimeError.
    if wanted_port and not port_is_free(settings.host, wanted_port):
        raise busy
    credentials = server_credentials(settings)
    try:
        if credentials is None:
            bound_port = server.add_insecure_port(address)
        else:
            bound_port = server.add_secure_port(address, credentials)
    except RuntimeError as error:  # taken between the question and the bind
        raise busy from error
    if bound_port == 0:
        raise busy
    try:
        metrics_endpoint = serve_metrics(settings, definition.name, definition.gauges)
    except OSError as error:  # nothing is served yet: the gRPC port is only bound
        metrics_port = settings.metrics_port_of(definition.name)
        variable = f"CONNECTABILITY_{definition.name.upper()}_METRICS_PORT"
        raise PortInUse(metrics_port, variable) from error
    server.start()
    if metrics_endpoint is not None:
        definition.on_stop.append(metrics_endpoint.shutdown)
    health_names = ["", *definition.grpc_service_names]
    if settings.instance_id:
        health_names.append(instance_health_name(settings.instance_id))
    for name in health_names:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info(
        "serving",
        extra={
            "address": f"{settings.host}:{bound_port}",
            "transport": transport_security(settings),
        },
    )
    return GrpcServer(server, bound_port, health_servicer, in_flight, definition)


def run_until_signalled(
    running: GrpcServer, grace_seconds: float, stop: StopSignals | None = None
) -> None:
    """Serve until SIGTERM or SIGINT (noted by ``stop``, if installed earlier), then shut down.

    A signal that came during start-up ends the service as soon as it is up.
    """
    stop = stop or StopSignals.install()
    received = stop.wait()
    stop.ignore_further()
    log.info("signal received", extra={"signal": received.name if received else None})
    running.shutdown(grace_seconds)
