"""The sync engine of one connection-service process.

A claim round (every second, or at once when poked) leases the active connections nobody
else drives, hands them to one follower per upstream project, and passes disconnections
down to the drawing service. Replicas on one database share the connections through the
leases alone; a replica that dies leaves leases that run out and are claimed by another.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from services.connection.clients.drawing_sync_calls import DrawingSyncCalls, SyncCallFailed
from services.connection.store.sync_records import SyncRecords
from services.connection.use_cases.sync.feed_heads import FeedHeadWatcher
from services.connection.use_cases.sync.follower import FollowerParts, UpstreamFollower
from services.connection.use_cases.sync.progress import SyncProgress
from shared.runtime.background_rounds import BackgroundRounds

log = logging.getLogger("connectability.connection.sync")

CLAIM_BATCH = 200


class SyncEngine:
    def __init__(
        self,
        records: SyncRecords,
        progress: SyncProgress,
        drawing: DrawingSyncCalls,
        wait_seconds: float,
        apply_parallelism: int,
    ):
        self._records = records
        self._drawing = drawing
        self._pool = ThreadPoolExecutor(apply_parallelism, thread_name_prefix="sync-apply")
        self._parts = FollowerParts(records, progress, drawing, self._pool, wait_seconds)
        self._lock = threading.Lock()
        self._followers: dict[str, UpstreamFollower] = {}
        self._rounds = BackgroundRounds("sync-claims", self.claim_round, idle_seconds=1.0)
        self._feed_heads = FeedHeadWatcher(drawing, self._wake_follower, wait_seconds)

    def start(self) -> None:
        self._feed_heads.start()
        self._rounds.start()

    def stop(self) -> None:
        self._rounds.stop()
        self._feed_heads.stop()
        with self._lock:
            followers = list(self._followers.values())
        for follower in followers:
            follower.stop()
        for follower in followers:
            follower.join(10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def poke(self) -> None:
        """Something changed (an activation, a disconnection, a project's state): look now."""
        self._rounds.poke()
        with self._lock:
            followers = list(self._followers.values())
        for follower in followers:
            follower.wake()

    def claim_round(self) -> None:
        self.renew_leases()
        self.pass_disconnections_down()
        claimed = self._records.claim(CLAIM_BATCH)
        if not claimed:
            return
        by_upstream: dict[str, list[str]] = defaultdict(list)
        for task in self._records.tasks(claimed):
            by_upstream[task.upstream_project_id].append(task.connection_id)
        with self._lock:
            for upstream, connection_ids in by_upstream.items():
                follower = self._followers.get(upstream)
                if follower is None:
                    follower = UpstreamFollower(upstream, self._parts, self._retire)
                    self._followers[upstream] = follower
                    follower.adopt(connection_ids)
                    follower.start()
                else:
                    follower.adopt(connection_ids)
            self._feed_heads.follow(set(self._followers))

    def renew_leases(self) -> None:
        """Every round, here rather than in the followers: a follower busy with a long
        initial copy must not lose its lease to another replica meanwhile."""
        with self._lock:
            followers = list(self._followers.values())
        held = {cid: f for f in followers for cid in f.connection_ids}
        kept = self._records.renew(sorted(held))
        for connection_id in set(held) - kept:  # another replica took it over
            held[connection_id].forget({connection_id})

    def pass_disconnections_down(self) -> None:
        """Tell the drawing service of disconnections (R4): it marks the connected sets
        and refuses any further copy or apply for them. Retried every round until done."""
        for connection_id, downstream in self._records.disconnected_unmarked(CLAIM_BATCH):
            try:
                self._drawing.mark_disconnected(connection_id, downstream)
            except SyncCallFailed as failure:
                log.warning("marking a disconnection failed; will retry", exc_info=failure)
                continue
            self._records.disconnect_marked(connection_id)

    def _retire(self, follower: UpstreamFollower) -> bool:
        """A follower with nothing left asks to end; refused if work arrived meanwhile."""
        with self._lock:
            if follower.connection_ids:
                return False
            if self._followers.get(follower.upstream_project_id) is follower:
                del self._followers[follower.upstream_project_id]
            self._feed_heads.follow(set(self._followers))
            return True

    def _wake_follower(self, upstream_project_id: str) -> None:
        with self._lock:
            follower = self._followers.get(upstream_project_id)
        if follower is not None:
            follower.wake()
