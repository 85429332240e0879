"""A drawing service that refuses every Nth call: the sync shows the error, retries with
back-off, and converges to exactly what the rules say.

The connection service reaches the drawing service through ``RefusingProxy``
(``CONNECTABILITY_DRAWING_ADDRESS``); the test itself talks to the drawing service directly.
From the connection request on, every EVERY-th call the connection service makes is refused
with INTERNAL: the initial copy, the feed reads and watches, the applies, and the calls of
the request itself (retried by this client on UNAVAILABLE, as a client should).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest

from bench.directory import Directory
from connectability.v1 import connection_service_pb2 as pb
from services.connection.use_cases.sync.progress import FIRST_RETRY_SECONDS
from shared.runtime.background_rounds import backoff_seconds
from tests.faults.fault_stack import fault_stack
from tests.faults.refusing_proxy import INJECTED, ProxiedCall, RefusingProxy
from tests.faults.synced_connection import SyncedConnection
from tests.fixtures.stack import free_port

EVERY = 5  # RequestConnection makes 4 drawing calls: every 4th would refuse each attempt
SYNC_CALLS = {
    "CopyPublishedRevisions",
    "ListProjectChanges",
    "ApplyProjectChanges",
    "ApplyProjectChangesToConnections",
}
# The sync's first back-off after a failure (progress.py).
FIRST_BACKOFF_SECONDS = backoff_seconds(1, first=FIRST_RETRY_SECONDS)


class SyncStateWatcher:
    """Asks the sync state many times a second and keeps every error it showed."""

    def __init__(self, synced: SyncedConnection):
        self._synced = synced
        self._stop = threading.Event()
        self.errors: set[str] = set()
        self.copy_states: set[str] = set()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> SyncStateWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            state = self._synced.sync_state()
            self.copy_states.add(pb.InitialCopyState.Name(state.initial_copy_state))
            if state.last_error:
                self.errors.add(state.last_error)


def retry_gaps(calls: list[ProxiedCall]) -> list[float]:
    """Seconds from each refused sync call to the next sync call (its retry)."""
    sync = [call for call in calls if call.method in SYNC_CALLS]
    return [
        later.at - refused.at
        for refused, later in zip(sync, sync[1:], strict=False)
        if refused.refused
    ]


@pytest.fixture
def proxy() -> Iterator[RefusingProxy]:
    drawing_port = free_port()
    refusing = RefusingProxy(f"127.0.0.1:{drawing_port}", EVERY)
    refusing.start(free_port())
    try:
        yield refusing
    finally:
        refusing.stop()


def test_the_sync_shows_the_error_backs_off_and_converges(proxy: RefusingProxy) -> None:
    env = {
        "CONNECTABILITY_DRAWING_PORT": proxy.target.rsplit(":", 1)[1],
        "CONNECTABILITY_DRAWING_ADDRESS": proxy.address,
    }
    rng = random.Random(6)
    with fault_stack("sqlite", env) as faults:
        synced = SyncedConnection.prepared(faults.stack, Directory(faults.stack), 500, 200)
        proxy.refusing = True
        synced.connect()
        with SyncStateWatcher(synced) as watcher:
            synced.copy_state_in((pb.INITIAL_COPY_STATE_COMPLETE,))
            while synced.sets_left:
                synced.upstream_step(rng)
            converged = synced.converge()

    refused = proxy.refused()
    refused_sync = sorted({call.method for call in refused} & SYNC_CALLS)
    gaps = retry_gaps(proxy.calls)
    print(
        f"{len(refused)} of {len(proxy.calls)} calls refused ({refused_sync} among them); "
        f"errors shown: {sorted(watcher.errors)}; retries after {sorted(gaps)[:3]} s at least; "
        f"converged {converged:.1f} s after the last upstream change"
    )
    assert refused_sync, "no sync call was refused: the test proved nothing"
    assert any(INJECTED in error for error in watcher.errors), watcher.errors
    assert gaps and min(gaps) >= FIRST_BACKOFF_SECONDS * 0.9, sorted(gaps)
