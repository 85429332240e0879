"""`connectability serve` as a newcomer runs it: embedded defaults, a token, then Ctrl-C."""

from __future__ import annotations

import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from shared.runtime.config import SERVICE_NAMES
from tests.fixtures.stack import free_port
from tests.integration.calls import bearer

READY_LINE = "Press Ctrl-C to stop."


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


def fresh_environment(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONNECTABILITY_")}
    env["CONNECTABILITY_DATA_DIR"] = str(data_dir)
    env["CONNECTABILITY_LOG_LEVEL"] = "WARNING"
    env["CONNECTABILITY_DRAWING_STORAGE_PORT"] = str(free_port())
    # `serve` starts the web page too: on a port of its own, never the default 8080.
    env["CONNECTABILITY_WEB_PORT"] = str(free_port())
    for name in SERVICE_NAMES:
        env[f"CONNECTABILITY_{name.upper()}_PORT"] = str(free_port())
    return env


def read_lines_until(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError(f"never printed {marker!r}; printed:\n" + "\n".join(seen))


def port_is_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_serve_starts_all_three_hands_out_tokens_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = fresh_environment(tmp_path / "state")
    process = subprocess.Popen(
        cli("serve"), env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        banner = "\n".join(read_lines_until(process, READY_LINE, timeout=90))
        ports = {name: int(env[f"CONNECTABILITY_{name.upper()}_PORT"]) for name in SERVICE_NAMES}
        for name, port in ports.items():
            assert f"127.0.0.1:{port}" in banner, f"{name} address missing from the banner"
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                status = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=5
                )
                assert status.status == health_pb2.HealthCheckResponse.SERVING
        # The banner says how to get a token; doing exactly that must work.
        token_command = next(
            line.strip() for line in banner.splitlines() if line.endswith("token --platform")
        )
        token = subprocess.run(
            shlex.split(token_command), env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        with grpc.insecure_channel(f"127.0.0.1:{ports['connection']}") as channel:
            stub = pb_grpc.ConnectionServiceStub(channel)
            created = stub.CreateCompany(
                pb.CreateCompanyRequest(
                    company=pb.Company(name="Acme", file_storage_location="us")
                ),
                metadata=bearer(token),
                timeout=10,
            )
            assert created.company.name == "Acme"
        # The embedded defaults: one SQLite database per service and a local key pair.
        state = tmp_path / "state"
        assert {p.name for p in state.glob("*.db")} == {f"{n}.db" for n in SERVICE_NAMES}
        assert (state / "keys" / "jwks.json").exists()

        process.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        assert process.wait(timeout=30) == 0
        for name, port in ports.items():
            assert not port_is_open(port), f"the {name} service still listens after Ctrl-C"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
