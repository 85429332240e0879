"""One upstream project's follower: it drives the sync of the connections of that upstream
which this process has leased.

A round: run the initial copy of connections that need one; read the upstream feed once
from the lowest cursor and apply to each connection what lies beyond its own cursor
(several downstreams at a time); then, with nothing left to do, wait until the
feed-head watcher (feed_heads.py) says the upstream has news. One feed read
serves every downstream, which is what fan-out (one upstream, many downstreams) needs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from connectability.v1 import drawing_service_pb2 as drawing_pb
from services.connection.clients.drawing_sync_calls import DrawingSyncCalls, SyncCallFailed
from services.connection.store.sync_records import SyncRecords, SyncTask
from services.connection.use_cases.sync.progress import SyncProgress
from shared.runtime.tracing import continued_trace

log = logging.getLogger("connectability.connection.sync")

# Downstreams applied to in one call (the drawing service takes at most 100), and the
# most copies-or-edits one call may make (changes × downstreams): a publication reaches
# 100 downstreams in one transaction, while a page of 500 changes goes to 4 at a time, so
# no transaction holds the (SQLite) writer for long or runs past its call's deadline. The
# drawing service inserts a batch's publications set-based (docs/benchmarks.md, section
# 3), but on SQLite the calls running at once (sync_apply_parallelism, 8) queue for the
# one writer, and the last one's deadline counts the wait: at 2,500 copies a call a
# loaded machine saw a few calls past their 10 s; at 10,000 hundreds.
APPLY_BATCH = 100
APPLY_BUDGET = 2000


@dataclass(frozen=True)
class FollowerParts:
    records: SyncRecords
    progress: SyncProgress
    drawing: DrawingSyncCalls
    pool: ThreadPoolExecutor
    wait_seconds: float


class UpstreamFollower:
    def __init__(
        self,
        upstream_project_id: str,
        parts: FollowerParts,
        retire: Callable[[UpstreamFollower], bool],
    ):
        self.upstream_project_id = upstream_project_id
        self._parts = parts
        self._retire = retire
        self._lock = threading.Lock()
        self._connection_ids: set[str] = set()
        self._stopping = threading.Event()
        self._woken = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sync-{upstream_project_id[:12]}", daemon=True
        )

    # Control, from the engine's threads

    def adopt(self, connection_ids: Sequence[str]) -> None:
        with self._lock:
            self._connection_ids.update(connection_ids)
        self.wake()

    def forget(self, connection_ids: set[str]) -> None:
        """Stop driving these (their lease was lost, or they ended)."""
        with self._lock:
            self._connection_ids -= connection_ids

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopping.set()
        self.wake()

    def join(self, seconds: float) -> None:
        self._thread.join(seconds)

    @property
    def connection_ids(self) -> set[str]:
        with self._lock:
            return set(self._connection_ids)

    # The loop

    def _run(self) -> None:
        while not self._stopping.is_set():
            busy = False
            try:
                tasks = self._current_tasks()
                if not tasks and self._retire(self):
                    return
                busy = self._round(tasks)
            except Exception:  # a database hiccup: log it, wait, try again
                log.exception("sync round failed", extra={"upstream": self.upstream_project_id})
            if not busy:
                self._wait()
        self._parts.records.release(sorted(self.connection_ids))

    def _current_tasks(self) -> list[SyncTask]:
        records = self._parts.records
        considered = self.connection_ids
        tasks = records.tasks(sorted(considered))
        gone = considered - {task.connection_id for task in tasks}
        self.forget(gone)  # disconnected or otherwise ended
        records.release(sorted(gone))
        return tasks

    def _round(self, tasks: list[SyncTask]) -> bool:
        """Does what can be done now; True if there may be more to do at once."""
        runnable = [task for task in tasks if task.runnable]
        to_copy = [task for task in runnable if task.initial_copy_state != "complete"]
        for task in to_copy:
            self._initial_copy(task)
        following = [task for task in runnable if task.initial_copy_state == "complete"]
        if not following:
            return bool(to_copy)
        start = min(task.applied_sequence for task in following)
        try:
            page = self._parts.drawing.changes_after(self.upstream_project_id, start)
        except SyncCallFailed as failure:
            for task in following:
                self._failed(task, failure, copying=False)
            return False
        if not page:
            failing = [task.connection_id for task in following if task.failing]
            if failing:
                self._parts.progress.caught_up(failing)
            return bool(to_copy)
        behind = [task for task in following if task.applied_sequence < page[-1].sequence]
        size = max(1, min(APPLY_BATCH, APPLY_BUDGET // len(page)))
        chunks = [behind[i : i + size] for i in range(0, len(behind), size)]
        list(self._parts.pool.map(lambda chunk: self._apply(chunk, page), chunks))
        return True

    def _initial_copy(self, task: SyncTask) -> None:
        # Part of the trace of the call that made the connection active (its approval).
        with continued_trace(task.traceparent, "initial copy", connection_id=task.connection_id):
            self._copy(task)

    def _copy(self, task: SyncTask) -> None:
        progress = self._parts.progress
        progress.copy_started(task.connection_id)
        started = time.monotonic()
        fields = {
            "connection_id": task.connection_id,
            "upstream_project_id": task.upstream_project_id,
            "downstream_project_id": task.downstream_project_id,
        }
        log.info("initial copy started", extra=fields)
        try:
            result = self._parts.drawing.copy_published(
                task.connection_id, task.upstream_project_id, task.downstream_project_id
            )
        except SyncCallFailed as failure:
            self._failed(task, failure, copying=True)
            return
        progress.copy_completed(task.connection_id, result)
        log.info(
            "initial copy finished",
            extra={
                **fields,
                "revisions_copied": result.copied_count,
                "duration_seconds": round(time.monotonic() - started, 3),
            },
        )

    def _apply(self, chunk: list[SyncTask], page: list[drawing_pb.ProjectChange]) -> None:
        """One call and one commit for up to APPLY_BATCH downstreams: each connection's
        cursor in the drawing service skips what it already holds."""
        targets = [(task.connection_id, task.downstream_project_id) for task in chunk]
        try:
            outcomes = self._parts.drawing.apply_to_many(self.upstream_project_id, targets, page)
        except SyncCallFailed as failure:
            outcomes = {task.connection_id: failure for task in chunk}
        applied = {cid: through for cid, through in outcomes.items() if isinstance(through, int)}
        self._parts.progress.changes_applied(applied, page)
        for task in chunk:
            outcome = outcomes.get(task.connection_id)
            if isinstance(outcome, SyncCallFailed):
                waiting = [change for change in page if change.sequence > task.applied_sequence]
                self._parts.progress.changes_seen(task.connection_id, waiting)
                self._failed(task, outcome, copying=False)

    def _failed(self, task: SyncTask, failure: SyncCallFailed, copying: bool) -> None:
        log.warning(
            "sync call failed; will retry",
            extra={"connection_id": task.connection_id, "error": str(failure)},
        )
        self._parts.progress.failed(task.connection_id, str(failure), copying)

    def _wait(self) -> None:
        """Until the feed-head watcher says the upstream has news, something else wakes
        this follower, or the wait runs out (to look at leases and projects again)."""
        self._woken.wait(self._parts.wait_seconds)
        self._woken.clear()
