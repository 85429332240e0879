"""ConnectionService RPCs of a connection's sync (R22): its state, and the progress of its
initial copy as a stream (for a progress bar). Who may: as for GetConnection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import grpc
from google.protobuf.duration_pb2 import Duration

from connectability.v1 import connection_service_pb2 as pb
from services.connection.domain import access_policy
from services.connection.drawing_facts import DrawingFacts
from services.connection.store.models import Connection, ConnectionSync
from services.connection.sync.records import SyncRecords, lag_since
from shared.facts.identity import Principal
from shared.persistence.db import utcnow
from shared.runtime.timestamps import timestamp_of

_COPY_STATES = {
    "not_started": pb.INITIAL_COPY_STATE_NOT_STARTED,
    "running": pb.INITIAL_COPY_STATE_RUNNING,
    "complete": pb.INITIAL_COPY_STATE_COMPLETE,
    "failed": pb.INITIAL_COPY_STATE_FAILED,
}
_FINAL_COPY_STATES = (pb.INITIAL_COPY_STATE_COMPLETE, pb.INITIAL_COPY_STATE_FAILED)
# How often a progress stream looks at the sync row: a few reports a second at most.
PROGRESS_INTERVAL_SECONDS = 0.25


def sync_state_message(connection_id: str, row: ConnectionSync | None) -> pb.SyncState:
    if row is None:  # never active: nothing was copied and nothing will be until approval
        return pb.SyncState(
            connection_id=connection_id, initial_copy_state=pb.INITIAL_COPY_STATE_NOT_STARTED
        )
    now = utcnow()
    lag = Duration()
    lag.FromTimedelta(lag_since(row.oldest_pending_at, now))
    state = pb.SyncState(
        connection_id=connection_id,
        revisions_copied=row.revisions_copied,
        revisions_pending=max(0, row.upstream_head_sequence - row.applied_sequence),
        last_applied_sequence=row.applied_sequence,
        lag=lag,
        last_error=row.last_error,
        initial_copy_state=_COPY_STATES[row.initial_copy_state],
    )
    if row.last_synced_at is not None:
        state.last_synced_time.CopyFrom(timestamp_of(row.last_synced_at))
    return state


def _progress_message(
    row: ConnectionSync | None, expected_total: int
) -> pb.WatchInitialCopyProgressResponse:
    """``expected_total``: what the upstream had to copy when the stream began."""
    if row is None:
        return pb.WatchInitialCopyProgressResponse(
            total=expected_total, state=pb.INITIAL_COPY_STATE_NOT_STARTED
        )
    state = _COPY_STATES[row.initial_copy_state]
    if state != pb.INITIAL_COPY_STATE_COMPLETE:
        return pb.WatchInitialCopyProgressResponse(copied=0, total=expected_total, state=state)
    # The copy is one bulk transaction: its count is known once it has committed.
    return pb.WatchInitialCopyProgressResponse(
        copied=row.initial_copy_total, total=row.initial_copy_total, state=state
    )


class SyncRpcs:
    _sync_records: SyncRecords
    _visible_connection: Callable[[Principal, str], Connection]  # from ConnectionRpcs
    _drawing_facts: DrawingFacts  # from ConnectionRpcs

    def GetSyncState(
        self, request: pb.GetSyncStateRequest, context: grpc.ServicerContext
    ) -> pb.GetSyncStateResponse:
        connection = self._visible_connection(
            access_policy.admit("GetSyncState"), request.connection_id
        )
        row = self._sync_records.get(connection.id)
        return pb.GetSyncStateResponse(sync_state=sync_state_message(connection.id, row))

    def WatchInitialCopyProgress(
        self, request: pb.WatchInitialCopyProgressRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.WatchInitialCopyProgressResponse]:
        connection = self._visible_connection(
            access_policy.admit("WatchInitialCopyProgress"), request.connection_id
        )
        ended = threading.Event()
        context.add_callback(ended.set)  # a cancelled call stops waiting at once
        last: pb.WatchInitialCopyProgressResponse | None = None
        expected_total = 0
        row = self._sync_records.get(connection.id)
        if row is None or row.initial_copy_state != "complete":
            # Asked once, so the first message already says how much there is to copy.
            expected_total = self._drawing_facts.published_revision_count(
                connection.upstream_project_id
            )
        while not ended.is_set():
            report = _progress_message(row, expected_total)
            if report != last:
                yield report
                last = report
            if report.state in _FINAL_COPY_STATES:
                return
            ended.wait(PROGRESS_INTERVAL_SECONDS)
            row = self._sync_records.get(connection.id)
