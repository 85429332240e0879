"""One connection under test: its upstream's activity, and whether its downstream equals
what the rules say, all seen through the contracts.

The rules' answer (R14, R19, R20, R22): every revision ever published upstream has exactly
one copy downstream (none missing, none twice), unpublished; a copy is withdrawn exactly
when its upstream revision was withdrawn or deleted; and the sync state says the initial
copy is complete, nothing is pending, every one of those revisions was copied, no error.
Data are loaded with SQL (a few thousand revisions in a fraction of a second), then
published, withdrawn and deleted through the DrawingService, so the feed carries them.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import grpc

from bench.directory import Directory
from bench.drawing_data import LoadedBatch, Shape, load_revisions, writer_engine
from bench.stack import drawing_database_url
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from tests.fixtures.stack import Stack

T = TypeVar("T")

CALL_SECONDS = 30.0
# Calls made while a killed service starts again are retried this long.
SERVED_WITHIN_SECONDS = 60.0
CONVERGED_WITHIN_SECONDS = 60.0
# The catalog of revisions made ready (reviewed, unpublished) to be published during a trial.
READY_SHAPE = Shape(revisions_per_drawing=1, areas=3, sets=6)
COPIED_SHAPE = Shape(revisions_per_drawing=5, areas=5, sets=20)


def served(call: Callable[[], T], within_seconds: float = SERVED_WITHIN_SECONDS) -> T:
    """``call()``, retried while the service answers UNAVAILABLE (restarting, or told so)."""
    deadline = time.monotonic() + within_seconds
    while True:
        try:
            return call()
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:  # type: ignore[attr-defined]
                raise
            time.sleep(0.1)


@dataclass
class SyncedConnection:
    directory: Directory
    upstream: str
    downstream: str
    published: set[str]  # published upstream before the connection was requested
    ready: LoadedBatch  # reviewed revisions, published one set at a time by publish_next
    connection_id: str = ""
    published_sets: list[str] = field(default_factory=list)
    withdrawn: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)

    # Setting up

    @classmethod
    def prepared(
        cls, stack: Stack, directory: Directory, published: int, ready: int
    ) -> SyncedConnection:
        """Two new projects; ``published`` revisions upstream for the initial copy and
        ``ready`` more, reviewed, to be published later (both loaded with SQL)."""
        upstream = directory.upstream_project()
        downstream = directory.downstream_project()
        engine = writer_engine(drawing_database_url(stack))
        try:
            tag = uuid.uuid4().hex[:6]
            copied = load_revisions(engine, upstream, published, f"p{tag}", True, COPIED_SHAPE)
            batch = load_revisions(engine, upstream, ready, f"r{tag}", False, READY_SHAPE)
        finally:
            engine.dispose()
        return cls(directory, upstream, downstream, set(copied.revision_ids), batch)

    def connect(self) -> None:
        """The downstream admin asks; the upstream company approves at once."""
        request = pb.RequestConnectionRequest(
            downstream_project_id=self.downstream,
            upstream_project_id=self.upstream,
            request_id=uuid.uuid4().hex,
        )
        answer = served(
            lambda: self.directory.platform.connection.RequestConnection(
                request, metadata=self.directory.downstream_admin.auth, timeout=CALL_SECONDS
            )
        )
        assert answer.connection.state == pb.CONNECTION_STATE_ACTIVE, answer.connection
        self.connection_id = answer.connection.id

    # The upstream's activity (as its admin, through the DrawingService)

    @property
    def sets_left(self) -> int:
        return len(self.ready.set_ids) - len(self.published_sets)

    def publish_next(self) -> None:
        """Publishes the next set of ready revisions: one feed change each."""
        set_id = self.ready.set_ids[len(self.published_sets)]
        request = drawing_pb.PublishDrawingRevisionsRequest(
            set_id=set_id, request_id=uuid.uuid4().hex
        )
        self._as_upstream_admin("PublishDrawingRevisions", request)
        self.published_sets.append(set_id)

    def withdraw_or_delete_one(self, rng: random.Random) -> None:
        """Withdraws (or, one time in three, deletes) a published revision. Only once the
        initial copy is complete: one withdrawn before the copy's snapshot is rightly
        never copied, so there would be no copy to mark."""
        candidates = self.expected_copies() - self.withdrawn - self.deleted
        if not candidates:
            return
        revision_id = rng.choice(sorted(candidates))
        if rng.random() < 1 / 3:
            delete = drawing_pb.DeleteDrawingRevisionRequest(
                revision_id=revision_id, request_id=uuid.uuid4().hex
            )
            self._as_upstream_admin("DeleteDrawingRevision", delete)
            self.deleted.add(revision_id)
        else:
            withdraw = drawing_pb.WithdrawDrawingRevisionRequest(
                revision_id=revision_id, request_id=uuid.uuid4().hex
            )
            self._as_upstream_admin("WithdrawDrawingRevision", withdraw)
            self.withdrawn.add(revision_id)

    def upstream_step(self, rng: random.Random, withdrawing: bool = True) -> None:
        """Publishes the next set; half the time withdraws or deletes one; pauses a little."""
        self.publish_next()
        if withdrawing and rng.random() < 0.5:
            self.withdraw_or_delete_one(rng)
        time.sleep(rng.uniform(0.0, 0.05))

    def _as_upstream_admin(self, method: str, request: object) -> None:
        call = getattr(self.directory.drawing, method)
        auth = self.directory.upstream_admin.auth
        served(lambda: call(request, metadata=auth, timeout=CALL_SECONDS))

    # What the sync says and what the downstream holds

    def sync_state(self) -> pb.SyncState:
        request = pb.GetSyncStateRequest(connection_id=self.connection_id)
        auth = self.directory.downstream_admin.auth
        return served(
            lambda: (
                self.directory.platform.connection.GetSyncState(
                    request, metadata=auth, timeout=CALL_SECONDS
                ).sync_state
            )
        )

    def copy_state_in(self, wanted: tuple[int, ...], within_seconds: float = 30.0) -> int:
        """The initial copy's state, asked until it is one of ``wanted`` (or time runs out)."""
        deadline = time.monotonic() + within_seconds
        while True:
            state = self.sync_state().initial_copy_state
            if state in wanted or time.monotonic() > deadline:
                return int(state)
            time.sleep(0.005)

    def _revisions(
        self, project_id: str, auth: list[tuple[str, str]]
    ) -> list[drawing_pb.DrawingRevision]:
        found: list[drawing_pb.DrawingRevision] = []
        token = ""
        while True:
            request = drawing_pb.ListDrawingRevisionsRequest(
                project_id=project_id, page_size=500, page_token=token
            )
            page = served(
                partial(
                    self.directory.drawing.ListDrawingRevisions,
                    request,
                    metadata=auth,
                    timeout=CALL_SECONDS,
                )
            )
            found += page.revisions
            token = page.next_page_token
            if not token:
                return found

    # The rules' answer, from what this side did upstream

    def expected_copies(self) -> set[str]:
        """Every revision ever published upstream: each must have exactly one copy."""
        return self.published | {
            revision_id
            for revision_id, set_id in self.ready.set_of_revision.items()
            if set_id in self.published_sets
        }

    def state_differences(self, state: pb.SyncState) -> list[str]:
        seen = (
            pb.InitialCopyState.Name(state.initial_copy_state),
            state.revisions_pending,
            state.revisions_copied,
            state.last_error,
        )
        wanted = ("INITIAL_COPY_STATE_COMPLETE", 0, len(self.expected_copies()), "")
        if seen == wanted:
            return []
        return [f"sync state (copy state, pending, copied, last error) {seen}, not {wanted}"]

    def downstream_differences(self) -> list[str]:
        expected = self.expected_copies()
        expected_withdrawn = self.withdrawn | self.deleted
        auth = self.directory.downstream_admin.auth
        copies = [
            r
            for r in self._revisions(self.downstream, auth)
            if r.connection_id == self.connection_id
        ]
        held = Counter(c.upstream_revision_id for c in copies)
        withdrawn = {c.upstream_revision_id for c in copies if c.withdrawn}
        found: list[str] = []

        def differ(what: str, ids: set[str]) -> None:
            if ids:
                found.append(f"{what}: {len(ids)}, e.g. {sorted(ids)[:3]}")

        differ("missing downstream", expected - set(held))
        differ("copied twice or more", {rid for rid, count in held.items() if count > 1})
        differ("copied but never published upstream", set(held) - expected)
        differ("withdrawn upstream, not downstream", (expected_withdrawn & set(held)) - withdrawn)
        differ("withdrawn downstream only", withdrawn - expected_withdrawn)
        differ(
            "copies that are not unpublished",
            {c.id for c in copies if c.status != drawing_pb.REVISION_STATUS_UNPUBLISHED},
        )
        return found

    def converge(self, within_seconds: float = CONVERGED_WITHIN_SECONDS) -> float:
        """Seconds until the sync state and then the downstream equal the rules' answer;
        AssertionError if they do not within ``within_seconds``. The state is cheap to
        ask, so it is asked often; the downstream's thousands of copies only once it agrees."""
        started = time.monotonic()
        for differences, interval in (
            (lambda: self.state_differences(self.sync_state()), 0.05),
            (self.downstream_differences, 0.5),
        ):
            while found := differences():
                if time.monotonic() - started > within_seconds:
                    raise AssertionError(
                        f"not converged after {within_seconds:.0f} s: " + "; ".join(found)
                    )
                time.sleep(interval)
        return time.monotonic() - started
