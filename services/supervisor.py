"""``connectability serve``: the three services as separate processes, started and stopped together.

Each service runs in its own process, exactly as it would in production; this module only
starts them, waits until each reports SERVING over ``grpc.health.v1``, and on Ctrl-C (or
SIGTERM) asks each to stop gracefully. If one dies, the others are stopped too.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.runtime.config import SERVICE_NAMES, Settings
from shared.runtime.tls import channel_credentials, grpc_channel, transport_security, uses_tls

# How long a stopped child may take beyond its own grace period before it is killed.
KILL_AFTER_EXTRA_SECONDS = 5.0


@dataclass
class ServiceProcess:
    name: str
    address: str
    process: subprocess.Popen[bytes]


def service_command(name: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", "run-service", name]


def start_services(
    settings: Settings,
    names: Sequence[str] = SERVICE_NAMES,
    env: dict[str, str] | None = None,
) -> list[ServiceProcess]:
    env = dict(os.environ if env is None else env)
    # Children inherit the same data dir, resolved, so a later `cd` changes nothing.
    env["CONNECTABILITY_DATA_DIR"] = str(settings.data_dir.resolve())
    started = []
    for name in names:
        process = subprocess.Popen(service_command(name), env=env)
        started.append(ServiceProcess(name, settings.address_of(name), process))
    return started


def wait_until_serving(
    services: Sequence[ServiceProcess],
    timeout_seconds: float,
    credentials: grpc.ChannelCredentials | None = None,
) -> None:
    """Wait for each service's health check (over TLS with ``credentials``)."""
    deadline = time.monotonic() + timeout_seconds
    for service in services:
        with grpc_channel(service.address, credentials) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                if service.process.poll() is not None:
                    raise RuntimeError(
                        f"the {service.name} service exited with {service.process.returncode}"
                    )
                try:
                    answer = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the {service.name} service did not start in time")
                time.sleep(0.1)


def stop_services(services: Sequence[ServiceProcess], grace_seconds: float) -> None:
    for service in services:
        if service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds + KILL_AFTER_EXTRA_SECONDS
    for service in services:
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


def serve_all(settings: Settings, startup_timeout_seconds: float = 60.0) -> int:
    """Run all three services until Ctrl-C; returns the exit status for the shell."""
    stop_requested = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    services = start_services(settings)
    try:
        wait_until_serving(services, startup_timeout_seconds, channel_credentials(settings))
    except (RuntimeError, TimeoutError) as problem:
        print(f"connectability: {problem}; stopping.", file=sys.stderr)
        stop_services(services, settings.shutdown_grace_seconds)
        return 1
    print_banner(settings, services)
    exit_status = 0
    while not stop_requested.wait(0.5):
        dead = [service for service in services if service.process.poll() is not None]
        if dead:
            print(f"connectability: the {dead[0].name} service stopped; stopping the others.")
            exit_status = 1
            break
    print("connectability: stopping…", flush=True)
    stop_services(services, settings.shutdown_grace_seconds)
    print("connectability: stopped.", flush=True)
    return exit_status


def command_name() -> str:
    """How the person who started us can call the command line again."""
    if shutil.which("connectability"):
        return "connectability"
    if sys.argv[0].endswith("connectability"):
        return sys.argv[0]  # e.g. .venv/bin/connectability, as `make run` starts it
    return f"{sys.executable} -m services.cli"


def grpcurl_transport_flags(settings: Settings) -> str:
    """grpcurl's flags (each with a trailing space) to reach the services as this process does."""
    if not uses_tls(settings):
        return "-plaintext "
    flags = f"-cacert {settings.tls_ca_file} " if settings.tls_ca_file else ""
    if settings.tls_client_cert_file:
        flags += f"-cert {settings.tls_client_cert_file} -key {settings.tls_client_key_file} "
    return flags


def print_banner(settings: Settings, services: Sequence[ServiceProcess]) -> None:
    command = command_name()
    lines = ["", "Drawing Connectability is running:"]
    # Plaintext, the embedded default, goes unsaid; TLS is named.
    transport = "" if not uses_tls(settings) else f" ({transport_security(settings)})"
    for service in services:
        lines.append(f"  {service.name:<13} gRPC on {service.address}{transport}")
    lines.append(f"  {'file uploads':<13} HTTP on {settings.storage_public_url}")
    lines += [
        f"  data           {settings.data_dir.resolve()}",
        "",
        "Get a token for local use (platform identity, then a user):",
        f"  {command} token --platform",
        f"  {command} token --user <user-id> --company <company-id>",
        "Call with metadata 'authorization: Bearer <token>'; reflection is on, e.g.",
        f"  grpcurl {grpcurl_transport_flags(settings)}{services[0].address} list",
        "",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)
