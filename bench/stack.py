"""The three real services as processes, with test keys and fresh databases, for one run.

It reuses the test suite's helpers (keys, environment, databases, the supervisor) so a
benchmark runs exactly the stack the integration tests run; only the lifetime differs:
one run, then everything is stopped and dropped.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from services.supervisor import start_services, stop_services, wait_until_serving
from shared.runtime.config import SERVICE_NAMES, Settings
from tests.fixtures.databases import CreatedDatabases
from tests.fixtures.identity import make_test_keys
from tests.fixtures.stack import Stack, stack_environment

BACKENDS = ("sqlite", "postgresql")
STARTUP_TIMEOUT_SECONDS = 120.0


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


@contextmanager
def running_stack(backend: str, extra_env: Mapping[str, str] | None = None) -> Iterator[Stack]:
    """Start the services on ``backend``; stop them and drop their data afterwards."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; one of {BACKENDS}")
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-{backend}-"))
    databases = CreatedDatabases(data_dir)
    keys = make_test_keys(data_dir / "test-keys")
    # Asked for SQLite so the helper makes no session-scoped PostgreSQL databases (those are
    # dropped by a pytest fixture); ours come from `databases` and are dropped below.
    env = stack_environment("sqlite", keys, data_dir)
    env.update(_database_urls(backend, databases))
    env["GRPC_VERBOSITY"] = "ERROR"  # no GOAWAY chatter from channels when the stack stops
    env.update(extra_env or {})
    ports: dict[str, Any] = {
        f"{name}_port": int(env[f"CONNECTABILITY_{name.upper()}_PORT"]) for name in SERVICE_NAMES
    }
    processes = start_services(Settings(data_dir=data_dir, **ports), env=env)
    stack = Stack(backend, keys, data_dir, env, processes)
    try:
        wait_until_serving(processes, timeout_seconds=STARTUP_TIMEOUT_SECONDS)
        yield stack
    finally:
        stack.close()
        stop_services(processes, grace_seconds=2)
        databases.drop_all()
        shutil.rmtree(data_dir, ignore_errors=True)
