"""A port someone else holds is named, with the variable that moves it; nothing claims to run."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from services.supervisor import start_services, stop_services, wait_until_serving
from shared.runtime.config import Settings
from tests.integration.test_serve_command import cli, fresh_environment


@contextmanager
def listener_on(port: int) -> Iterator[None]:
    """Another program listening on ``port``."""
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        yield


@contextmanager
def other_grpc_server_on(port: int) -> Iterator[None]:
    """Another process's gRPC server on ``port``, SERVING to any plain health check."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    assert server.add_insecure_port(f"127.0.0.1:{port}") == port
    server.start()
    try:
        yield
    finally:
        server.stop(None)


def run_cli(env: dict[str, str], *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli(*args),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_told_plainly(result: subprocess.CompletedProcess[str], port: int, variable: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"port {port} in use; set {variable}" in output, output
    assert "running" not in output, output
    assert "Traceback" not in output, output


def test_serve_on_a_busy_port_names_it_and_starts_nothing(tmp_path: Path) -> None:
    env = fresh_environment(tmp_path / "state")
    port = int(env["CONNECTABILITY_CONNECTION_PORT"])
    with listener_on(port):
        result = run_cli(env, "serve", timeout=30)
    assert_told_plainly(result, port, "CONNECTABILITY_CONNECTION_PORT")
    assert len((result.stdout + result.stderr).strip().splitlines()) == 1
    assert not list((tmp_path / "state").glob("*.db")), "a service started anyway"


@pytest.mark.parametrize(
    "variable", ["CONNECTABILITY_DRAWING_PORT", "CONNECTABILITY_DRAWING_STORAGE_PORT"]
)
def test_a_service_on_a_busy_port_says_which_and_exits(tmp_path: Path, variable: str) -> None:
    env = fresh_environment(tmp_path / "state")
    env["CONNECTABILITY_LOG_FORMAT"] = "text"
    port = int(env[variable])
    with listener_on(port):
        result = run_cli(env, "run-service", "drawing", timeout=60)
    assert result.returncode == 1, result.stderr
    assert_told_plainly(result, port, variable)
    assert len([line for line in result.stderr.splitlines() if "ERROR" in line]) == 1


def test_the_web_page_on_a_busy_port_says_which_and_exits(tmp_path: Path) -> None:
    env = fresh_environment(tmp_path / "state")
    env["CONNECTABILITY_LOG_FORMAT"] = "text"
    port = int(env["CONNECTABILITY_WEB_PORT"])
    with listener_on(port):
        result = run_cli(env, "run-service", "web", timeout=60)
    assert result.returncode == 1, result.stderr
    assert_told_plainly(result, port, "CONNECTABILITY_WEB_PORT")


def test_the_start_up_check_asks_its_own_child_not_whoever_answers(tmp_path: Path) -> None:
    """Another server on the port answers health checks; it must not pass for our service."""
    env = fresh_environment(tmp_path / "state")
    port = int(env["CONNECTABILITY_NOTIFICATION_PORT"])
    settings = Settings(data_dir=tmp_path / "state", notification_port=port)
    with other_grpc_server_on(port):
        started = start_services(settings, ["notification"], env=env)
        try:
            with pytest.raises(RuntimeError, match="exited with 1"):
                wait_until_serving(started, timeout_seconds=60)
        finally:
            stop_services(started, grace_seconds=2)
