"""SIGTERM and SIGINT, noted by a handler that does nothing else, and a main thread that looks.

The handler only records which signal came: it takes no lock (an ``Event.set`` from a handler
deadlocks when the signal lands while the main thread holds that event's lock), writes no
log line (a write to stderr interrupted by another write to stderr fails). The main thread
never blocks untimed: Python runs a handler only in the main thread, and a signal the kernel
hands to another thread (gRPC's, say) would leave an untimed wait asleep for ever.
"""

from __future__ import annotations

import signal
import time

# How often a waiting main thread looks whether a signal came.
POLL_SECONDS = 0.1
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


class StopSignals:
    def __init__(self, exit_at_once: bool = False) -> None:
        self.received: signal.Signals | None = None
        # While nothing needs stopping (a process still importing its code): a signal ends
        # the process at once, quietly (SystemExit, no traceback), rather than waiting for
        # imports that take many seconds on a loaded machine. `starting_done` ends it.
        self.exit_at_once = exit_at_once

    @classmethod
    def install(cls, exit_at_once: bool = False) -> StopSignals:
        """Take over SIGTERM and SIGINT from now on (call it from the main thread)."""
        stop = cls(exit_at_once)
        signal.signal(signal.SIGTERM, stop._note)
        signal.signal(signal.SIGINT, stop._note)
        # A process started with them blocked (as `serve` starts its services) gets the ones
        # that came while it started up now, noted like any other.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        return stop

    def _note(self, signum: int, _frame: object) -> None:
        if self.received is None:
            self.received = signal.Signals(signum)
        if self.exit_at_once:
            self.exit_at_once = False
            raise SystemExit(0)

    def starting_done(self) -> None:
        """From now on the process has things to stop: a signal is only noted."""
        self.exit_at_once = False

    @staticmethod
    def ignore_further() -> None:
        """Once stopping: more signals change nothing (the stop is bounded by its grace).

        Ignored, not reset: Python resets its handlers to the default on exit, and a
        signal then would kill a process that was about to exit by itself.
        """
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def wait(self, timeout_seconds: float | None = None) -> signal.Signals | None:
        """The signal received, waiting for one up to ``timeout_seconds`` (None: for ever)."""
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        while self.received is None:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                time.sleep(min(POLL_SECONDS, left))
            else:
                time.sleep(POLL_SECONDS)
        return self.received
