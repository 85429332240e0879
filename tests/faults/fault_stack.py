"""The three services as real processes on a stack of their own, which a fault test may
``SIGKILL`` and start again on the same data directory, databases and ports.

The session ``stack`` fixture is shared by every integration test, so nothing here touches
it. The sync waits and leases are short, so that recovery after a kill takes seconds: a
killed connection service leaves its leases behind, and its successor (a new owner) claims
them only once they run out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import grpc

from bench.stack import running_stack
from services.supervisor import ServiceProcess, start_services, wait_until_serving
from shared.runtime.config import SERVICE_NAMES, Settings
from tests.fixtures.stack import Stack

FAULT_ENVIRONMENT = {
    "CONNECTABILITY_SYNC_WAIT_SECONDS": "0.5",
    "CONNECTABILITY_SYNC_LEASE_SECONDS": "3",
    "CONNECTABILITY_LOG_LEVEL": "ERROR",  # the kills make the survivors log warnings
}
RESTART_TIMEOUT_SECONDS = 60.0
# A client reconnects soon after a service is back, instead of gRPC's default back-off of
# up to two minutes: the test waits for the system under test, not for its own channel.
QUICK_RECONNECT = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 500),
]


@dataclass
class FaultStack:
    stack: Stack
    settings: Settings
    kills: int = 0

    def process(self, name: str) -> ServiceProcess:
        return next(p for p in self.stack.processes if p.name == name)

    def kill(self, name: str) -> None:
        """``SIGKILL``: no graceful stop, no flush, no goodbye."""
        victim = self.process(name).process
        victim.kill()
        victim.wait(timeout=10)
        self.kills += 1

    def restart(self, name: str) -> None:
        """The same service again, on the same data, databases and port."""
        (started,) = start_services(self.settings, [name], env=self.stack.env)
        processes = self.stack.processes
        # In place: running_stack stops the processes of this very list when it ends.
        processes[processes.index(self.process(name))] = started
        wait_until_serving([started], timeout_seconds=RESTART_TIMEOUT_SECONDS)

    def kill_and_restart(self, name: str) -> None:
        self.kill(name)
        self.restart(name)


def port_of(env: Mapping[str, str], name: str) -> int:
    return int(env[f"CONNECTABILITY_{name.upper()}_PORT"])


@contextmanager
def fault_stack(backend: str, extra_env: Mapping[str, str] | None = None) -> Iterator[FaultStack]:
    """A fresh stack on ``backend`` (its databases dropped afterwards)."""
    with running_stack(backend, {**FAULT_ENVIRONMENT, **(extra_env or {})}) as stack:
        for name in SERVICE_NAMES:  # before anyone asks for a channel
            stack.channels[name] = grpc.insecure_channel(
                stack.address(name), options=QUICK_RECONNECT
            )
        ports = {f"{name}_port": port_of(stack.env, name) for name in SERVICE_NAMES}
        yield FaultStack(stack, Settings(data_dir=stack.data_dir, **ports))  # type: ignore[arg-type]
