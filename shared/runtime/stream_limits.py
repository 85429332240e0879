"""Bounds on open server streams, so no caller can take every worker thread.

The servers are thread-per-call (shared/runtime/server.py): a server stream holds one worker
thread from its first message to its last. Two things bound that:

- ``StreamSlots`` counts open streams per caller and in total, and refuses one more beyond
  either limit (``RESOURCE_EXHAUSTED``, reason ``STREAM_LIMIT_EXCEEDED``, with a
  ``RetryInfo``). Our own services are not counted and never refused: the connection
  service's sync holds one ``WatchFeedHeads`` per replica on the drawing service, and
  refusing it would stall the sync of every tenant. They fit in the threads the total
  leaves free (``worker_threads`` − ``stream_limit_total``), beside the unary calls.
- ``StallWatchdog`` cancels a stream whose message has waited to be written for longer
  than the stall timeout. gRPC's sync server blocks the handler thread in the send while
  the client does not read (HTTP/2 flow control); cancelling the call through its
  ``ServicerContext`` fails that send, and the thread comes back.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from google.protobuf import duration_pb2
from google.rpc import error_details_pb2

from shared.facts.errors import ErrorReason, ResourceExhausted

log = logging.getLogger("connectability.streams")

# What a refused caller is told to wait before it tries again: streams are long-lived, so
# a slot rarely frees within a second.
RETRY_DELAY_SECONDS = 5


def stream_limit_exceeded(scope: str, limit: int) -> ResourceExhausted:
    """The refusal of one stream too many; ``scope`` is "caller" or "service"."""
    whose = "you have" if scope == "caller" else "this service has"
    return ResourceExhausted(
        ErrorReason.STREAM_LIMIT_EXCEEDED,
        f"Too many open streams: {whose} {limit} open already. Close one, or try again in "
        f"{RETRY_DELAY_SECONDS} seconds.",
        metadata={"scope": scope, "limit": str(limit)},
        details=(
            error_details_pb2.RetryInfo(
                retry_delay=duration_pb2.Duration(seconds=RETRY_DELAY_SECONDS)
            ),
        ),
    )


class StreamSlots:
    """Open streams per caller key and in total, within their limits."""

    def __init__(self, per_caller: int, total: int):
        self.per_caller = per_caller
        self.total = total
        self._open: dict[str, int] = {}
        self._open_total = 0
        self._lock = threading.Lock()

    def take(self, caller: str) -> Callable[[], None]:
        """One slot for ``caller``, or ``stream_limit_exceeded``; returns its release, which
        may be called more than once (only the first call counts)."""
        with self._lock:
            held = self._open.get(caller, 0)
            if held >= self.per_caller:
                raise stream_limit_exceeded("caller", self.per_caller)
            if self._open_total >= self.total:
                raise stream_limit_exceeded("service", self.total)
            self._open[caller] = held + 1
            self._open_total += 1
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if released.is_set():
                    return
                released.set()
                self._open_total -= 1
                left = self._open[caller] - 1
                if left:
                    self._open[caller] = left
                else:
                    del self._open[caller]

        return release

    def held_by(self, caller: str) -> int:
        with self._lock:
            return self._open.get(caller, 0)


@dataclass
class _PendingWrite:
    since: float
    cancel: Callable[[], None]
    describe: str


class StallWatchdog:
    """Cancels streams whose pending message has not been written within the timeout.

    One daemon thread per process, started with the first write it watches, looks a few
    times per timeout at the writes in progress.
    """

    def __init__(
        self,
        timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        watch_in_background: bool = True,  # False: only explicit ``cancel_stalled`` calls
    ):
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._watch_in_background = watch_in_background
        self._pending: dict[int, _PendingWrite] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def writing(self, cancel: Callable[[], None], describe: str) -> Iterator[None]:
        """Wrap the hand-over of one message to gRPC: until control comes back, the message
        is waiting to be written, and ``cancel`` ends the call after the timeout."""
        key = next(self._ids)
        with self._lock:
            self._pending[key] = _PendingWrite(self._clock(), cancel, describe)
            self._start_once()
        try:
            yield
        finally:
            with self._lock:
                self._pending.pop(key, None)

    def _start_once(self) -> None:
        if self._thread is None and self._watch_in_background:
            self._thread = threading.Thread(target=self._watch, name="stream-watchdog", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        interval = min(1.0, self.timeout_seconds / 4)
        while True:
            time.sleep(interval)
            self.cancel_stalled()

    def cancel_stalled(self) -> int:
        """Cancel every write waiting longer than the timeout; returns how many."""
        now = self._clock()
        with self._lock:
            stalled = [
                self._pending.pop(key)
                for key, write in list(self._pending.items())
                if now - write.since >= self.timeout_seconds
            ]
        for write in stalled:
            log.warning(
                "stream stalled: its client has not read for too long; cancelled",
                extra={"stream": write.describe, "stalled_seconds": round(now - write.since, 1)},
            )
            try:
                write.cancel()
            except Exception:  # one failing cancel must not stop the watchdog
                log.exception("cancelling a stalled stream failed")
        return len(stalled)
