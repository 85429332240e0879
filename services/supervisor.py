"""``connectability serve``: the three services and the web page as separate processes,
started and stopped together.

Each service runs in its own process, exactly as it would in production; this module only
starts them, waits until each reports SERVING over ``grpc.health.v1`` (the web page: until
its ``/healthz`` answers), and on Ctrl-C (or SIGTERM) asks each to stop gracefully. If one
dies, the others are stopped too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared.runtime.config import SERVICE_NAMES, WEB, Settings
from shared.runtime.server import PortInUse, instance_health_name, ports_in_use
from shared.runtime.stop_signals import STOP_SIGNALS, StopSignals
from shared.runtime.tls import channel_credentials, grpc_channel, transport_security, uses_tls

# How long a stopped child may take beyond its own grace period before it is killed.
KILL_AFTER_EXTRA_SECONDS = 5.0
# What `serve` starts: the three services, then the web page (a client of their API).
SERVED = (*SERVICE_NAMES, WEB)


@dataclass
class ServiceProcess:
    name: str
    address: str
    process: subprocess.Popen[bytes]
    # The health check name only this process answers for (empty: any server will do).
    health_name: str = ""


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
    # Each child starts with SIGINT and SIGTERM blocked (a signal mask outlives exec): a
    # Ctrl-C that comes while its Python starts up waits until it takes them over
    # (StopSignals.install), rather than breaking an import with a KeyboardInterrupt.
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        for name in names:
            instance_id = f"{name}-{uuid.uuid4().hex[:12]}"
            env["CONNECTABILITY_INSTANCE_ID"] = instance_id
            process = subprocess.Popen(service_command(name), env=env)
            started.append(
                ServiceProcess(
                    name, settings.address_of(name), process, instance_health_name(instance_id)
                )
            )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
    return started


class StartInterrupted(Exception):
    """SIGINT or SIGTERM came while the services were starting."""


def wait_until_serving(
    services: Sequence[ServiceProcess],
    timeout_seconds: float,
    credentials: grpc.ChannelCredentials | None = None,
    stop: StopSignals | None = None,
) -> None:
    """Wait for each service's health check (over TLS with ``credentials``).

    Raises StartInterrupted as soon as ``stop`` notes a signal.
    """
    deadline = time.monotonic() + timeout_seconds
    for service in services:
        if service.name == WEB:
            _wait_until_web_serves(service, deadline, stop)
            continue
        with grpc_channel(service.address, credentials) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                if stop is not None and stop.received is not None:
                    raise StartInterrupted(stop.received.name)
                if service.process.poll() is not None:
                    raise RuntimeError(
                        f"the {service.name} service exited with {service.process.returncode}"
                    )
                try:
                    # By its own name: another process on the port does not answer for it.
                    answer = stub.Check(
                        health_pb2.HealthCheckRequest(service=service.health_name), timeout=1
                    )
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the {service.name} service did not start in time")
                time.sleep(0.1)


def _wait_until_web_serves(
    service: ServiceProcess, deadline: float, stop: StopSignals | None
) -> None:
    while True:
        if stop is not None and stop.received is not None:
            raise StartInterrupted(stop.received.name)
        if service.process.poll() is not None:
            raise RuntimeError(f"the web page exited with {service.process.returncode}")
        try:
            with urllib.request.urlopen(f"http://{service.address}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("the web page did not start in time")
        time.sleep(0.1)


def stop_services(services: Sequence[ServiceProcess], grace_seconds: float) -> list[str]:
    """SIGTERM each running service and wait; returns the names of those that had to be killed."""
    for service in services:
        if service.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                service.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds + KILL_AFTER_EXTRA_SECONDS
    killed = []
    for service in services:
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(
                f"connectability: the {service.name} service did not stop within "
                f"{grace_seconds + KILL_AFTER_EXTRA_SECONDS:.0f} s; killing it.",
                file=sys.stderr,
                flush=True,
            )
            service.process.kill()
            service.process.wait()
            killed.append(service.name)
    return killed


def serve_all(
    settings: Settings, startup_timeout_seconds: float = 60.0, stop: StopSignals | None = None
) -> int:
    """Run all three services until Ctrl-C; returns the exit status for the shell.

    0 when every service stopped by itself after a signal; 1 when one failed to start,
    died, or had to be killed.
    """
    stop = stop or StopSignals.install()
    busy = [problem for name in SERVED for problem in ports_in_use(settings, name)]
    if busy:
        print(f"connectability: {ports_message(busy)}; nothing started.", file=sys.stderr)
        return 1
    # A signal before anything started starts nothing.
    services = start_services(settings, SERVED) if stop.received is None else []
    exit_status = 0
    try:
        wait_until_serving(services, startup_timeout_seconds, channel_credentials(settings), stop)
    except StartInterrupted:
        pass  # stopped below, like a running service
    except (RuntimeError, TimeoutError) as problem:
        print(f"connectability: {problem}; stopping.", file=sys.stderr, flush=True)
        stop_services(services, settings.shutdown_grace_seconds)
        return 1
    if stop.received is None:
        print_banner(settings, services)
        while stop.wait(0.5) is None:
            dead = [service for service in services if service.process.poll() is not None]
            if dead:
                print(f"connectability: the {dead[0].name} service stopped; stopping the others.")
                exit_status = 1
                break
    received = f"{stop.received.name} received; " if stop.received else ""
    print(f"connectability: {received}stopping…", flush=True)
    if stop_services(services, settings.shutdown_grace_seconds):
        exit_status = 1
    print("connectability: stopped.", flush=True)
    return exit_status


def ports_message(busy: Sequence[PortInUse]) -> str:
    if len(busy) == 1:
        return str(busy[0])
    listed = ", ".join(f"{problem.port} (set {problem.variable})" for problem in busy)
    return f"ports in use: {listed}"


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
        if service.name == WEB:
            continue
        lines.append(f"  {service.name:<13} gRPC on {service.address}{transport}")
    if any(service.name == WEB for service in services):
        lines.append(f"  {'web page':<13} HTTP on http://{settings.address_of(WEB)}/")
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
