"""A background thread that runs one round of work now and then, or at once when poked.

Outbox deliverers use it: a round delivers what is due; a commit that added work pokes it.
A failing round is logged and the next one tries again, so the thread never dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("connectability.background")


def backoff_seconds(attempts: int, first: float = 0.5, most: float = 60.0) -> float:
    """Exponential back-off: ``first`` after the first failure, doubling, at most ``most``."""
    return float(min(most, first * 2 ** max(0, attempts - 1)))


class BackgroundRounds:
    def __init__(self, name: str, run_round: Callable[[], object], idle_seconds: float = 1.0):
        self._name = name
        self._run_round = run_round
        self._idle_seconds = idle_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._run_round()
            except Exception:  # keep the thread alive; the next round tries again
                log.exception("background round failed", extra={"worker": self._name})
            self._wake.wait(self._idle_seconds)
            self._wake.clear()
