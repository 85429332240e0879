"""One stream per process tells the followers when their upstream's feed has news.

The drawing service's ``WatchFeedHeads`` streams the newest sequence of every upstream
this process follows, as soon as a change commits; each message wakes that upstream's
follower. One stream for all upstreams keeps the drawing service's threads free however
many upstreams are followed (a stream per upstream would hold one thread each). When the
set of upstreams changes, the stream is reopened with the new set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import grpc

from services.connection.clients.drawing_sync_calls import DrawingSyncCalls

log = logging.getLogger("connectability.connection.sync")

# A stream is reopened at least this often (a deadline keeps a stuck one from lasting).
STREAM_SECONDS = 300.0


class FeedHeadWatcher:
    def __init__(
        self,
        drawing: DrawingSyncCalls,
        wake: Callable[[str], None],
        retry_seconds: float,
    ):
        self._drawing = drawing
        self._wake = wake
        self._retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._upstreams: frozenset[str] = frozenset()
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._stream: Any = None
        self._thread = threading.Thread(target=self._run, name="sync-feed-heads", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._reopen()
        self._thread.join(10)

    def follow(self, upstreams: set[str]) -> None:
        """Watch exactly these upstreams from now on."""
        with self._lock:
            if upstreams == self._upstreams:
                return
            self._upstreams = frozenset(upstreams)
        self._reopen()

    def _reopen(self) -> None:
        with self._lock:
            self._changed.set()
            if self._stream is not None:
                self._stream.cancel()

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                upstreams = sorted(self._upstreams)
                self._changed.clear()
                if upstreams:
                    self._stream = self._drawing.open_feed_heads(upstreams, STREAM_SECONDS)
            if not upstreams:
                self._changed.wait()
                continue
            try:
                for news in self._stream:
                    self._wake(news.project_id)
            except grpc.RpcError as error:
                code = error.code()  # type: ignore[attr-defined]
                if code not in (grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED):
                    log.warning("watching the upstream feeds failed; retrying", exc_info=True)
                    self._changed.wait(self._retry_seconds)
            finally:
                with self._lock:
                    self._stream = None
