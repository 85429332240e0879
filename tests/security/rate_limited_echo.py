"""The echo service as a process of its own, configured from ``CONNECTABILITY_*`` like a
real service, so tests can prove what separate processes (replicas) share and what not.

Prints the port it listens on as its first line of output, then serves until SIGTERM.
"""

from __future__ import annotations

from shared.runtime.config import load_settings
from shared.runtime.server import run_until_signalled, start_server
from shared.runtime.service_process import token_verifier
from tests.runtime.echo_service import EchoBehaviour, echo_definition


def main() -> None:
    settings = load_settings()
    verifier = token_verifier(settings)
    running = start_server(echo_definition(EchoBehaviour()), settings, verifier, port=0)
    print(running.port, flush=True)
    run_until_signalled(running, grace_seconds=0)


if __name__ == "__main__":
    main()
