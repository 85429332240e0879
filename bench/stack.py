"""The three real services as processes, with test keys and fresh databases, for one run.

It reuses the test suite's helpers (keys, environment, databases, the supervisor) so a
benchmark runs exactly the stack the integration tests run; only the lifetime differs:
one run, then everything is stopped and dropped.

With ``replicas`` above 1 (PostgreSQL only) every service runs that many processes on the
same databases, as tests/integration/test_replicas_everywhere.py runs two: migrations by
the one-shot ``connectability migrate``, every replica started with them off, and the
drawing and notification addresses given to every replica as one ``IP:port,IP:port`` list
(balanced round-robin).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from services.supervisor import (
    ServiceProcess,
    start_services,
    stop_services,
    wait_until_serving,
)
from shared.runtime.config import SERVICE_NAMES, Settings
from tests.fixtures.databases import CreatedDatabases
from tests.fixtures.identity import make_test_keys
from tests.fixtures.stack import Stack, free_port, stack_environment

BACKENDS = ("sqlite", "postgresql")
STARTUP_TIMEOUT_SECONDS = 120.0
MIGRATE_TIMEOUT_SECONDS = 120.0
# Services the others call through an address list, balanced over all their replicas.
BALANCED = ("drawing", "notification")


def check_replicas(backend: str, replicas: int) -> None:
    if replicas < 1:
        raise SystemExit("--replicas must be at least 1")
    if replicas > 1 and backend != "postgresql":
        raise SystemExit("replicas share one database: --replicas above 1 needs postgresql")


def drawing_database_url(stack: Stack) -> str:
    """The drawing service's own database: benchmarks load and count rows there."""
    configured = stack.env.get("CONNECTABILITY_DRAWING_DATABASE_URL", "")
    return configured or Settings(data_dir=stack.data_dir).database_url_of("drawing")


def _database_urls(backend: str, databases: CreatedDatabases) -> dict[str, str]:
    if backend == "sqlite":
        return {}  # the services' embedded default: SQLite files under the data dir
    return {
        f"CONNECTABILITY_{name.upper()}_DATABASE_URL": databases.create(backend, f"bench_{name}")
        for name in SERVICE_NAMES
    }


def add_replicas_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="processes of each service (above 1: postgresql only, publishing through each "
        "drawing replica in turn)",
    )


def replicas_text(replicas: int) -> str:
    return "" if replicas == 1 else f", {replicas} replicas of each service"


def addresses_of(stack: Stack, service: str) -> list[str]:
    """Every replica's address of ``service``, in the order they were started."""
    return [process.address for process in stack.processes if process.name == service]


def _replica_environments(env: dict[str, str], replicas: int) -> list[dict[str, str]]:
    """``env`` for the first replica of each service and ports of their own for the others;
    each knows the drawing and notification replicas as one balanced address list."""
    if replicas == 1:
        return [env]
    env["CONNECTABILITY_MIGRATE_ON_START"] = "false"  # the one-shot migrates, once
    environments = [env]
    for _ in range(replicas - 1):
        other = dict(env)
        for name in SERVICE_NAMES:
            other[f"CONNECTABILITY_{name.upper()}_PORT"] = str(free_port())
        other["CONNECTABILITY_DRAWING_STORAGE_PORT"] = str(free_port())
        other["CONNECTABILITY_WEB_PORT"] = str(free_port())
        environments.append(other)
    for balanced in BALANCED:
        variable = f"CONNECTABILITY_{balanced.upper()}"
        listed = ",".join(f"127.0.0.1:{each[f'{variable}_PORT']}" for each in environments)
        for each in environments:
            each[f"{variable}_ADDRESS"] = listed
    subprocess.run(
        [sys.executable, "-m", "services.cli", "migrate", *SERVICE_NAMES],
        env=env,
        check=True,
        capture_output=True,
        timeout=MIGRATE_TIMEOUT_SECONDS,
    )
    return environments


def _start(env: dict[str, str], data_dir: Path) -> list[ServiceProcess]:
    ports: dict[str, Any] = {
        f"{name}_port": int(env[f"CONNECTABILITY_{name.upper()}_PORT"]) for name in SERVICE_NAMES
    }
    return start_services(Settings(data_dir=data_dir, **ports), env=env)


@contextmanager
def running_stack(
    backend: str, extra_env: Mapping[str, str] | None = None, replicas: int = 1
) -> Iterator[Stack]:
    """Start the services on ``backend`` (``replicas`` processes of each); stop them and
    drop their data afterwards. The stack's channels reach the first replicas."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; one of {BACKENDS}")
    check_replicas(backend, replicas)
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-{backend}-"))
    databases = CreatedDatabases(data_dir)
    keys = make_test_keys(data_dir / "test-keys")
    # Asked for SQLite so the helper makes no session-scoped PostgreSQL databases (those are
    # dropped by a pytest fixture); ours come from `databases` and are dropped below.
    env = stack_environment("sqlite", keys, data_dir)
    env.update(_database_urls(backend, databases))
    env["GRPC_VERBOSITY"] = "ERROR"  # no GOAWAY chatter from channels when the stack stops
    env.update(extra_env or {})
    processes: list[ServiceProcess] = []
    stack = Stack(backend, keys, data_dir, env, processes)
    try:
        for replica_env in _replica_environments(env, replicas):
            processes += _start(replica_env, data_dir)
        wait_until_serving(processes, timeout_seconds=STARTUP_TIMEOUT_SECONDS)
        yield stack
    finally:
        stack.close()
        stop_services(processes, grace_seconds=2)
        databases.drop_all()
        shutil.rmtree(data_dir, ignore_errors=True)
