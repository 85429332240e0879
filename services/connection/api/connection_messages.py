"""Connections, their audit trail, rule verdicts and sync state as wire messages."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from google.protobuf.duration_pb2 import Duration

from connectability.v1 import connection_service_pb2 as pb
from services.connection.domain.connection_lifecycle import ConnectionState, Side
from services.connection.domain.connection_rules import Verdict
from services.connection.domain.sync_state import CopyProgress
from services.connection.store.models import ConnectionEvent
from services.connection.use_cases.sync_state import SyncReport
from shared.facts.errors import reason_name
from shared.runtime.timestamps import timestamp_of

_STATES = {
    ConnectionState.PENDING: pb.CONNECTION_STATE_PENDING,
    ConnectionState.ACTIVE: pb.CONNECTION_STATE_ACTIVE,
    ConnectionState.REJECTED: pb.CONNECTION_STATE_REJECTED,
    ConnectionState.WITHDRAWN: pb.CONNECTION_STATE_WITHDRAWN,
    ConnectionState.DISCONNECTED: pb.CONNECTION_STATE_DISCONNECTED,
}
_ROLES: dict[pb.ConnectionRole, Side] = {
    pb.CONNECTION_ROLE_UPSTREAM: Side.UPSTREAM,
    pb.CONNECTION_ROLE_DOWNSTREAM: Side.DOWNSTREAM,
}
_COPY_STATES = {
    "not_started": pb.INITIAL_COPY_STATE_NOT_STARTED,
    "running": pb.INITIAL_COPY_STATE_RUNNING,
    "complete": pb.INITIAL_COPY_STATE_COMPLETE,
    "failed": pb.INITIAL_COPY_STATE_FAILED,
}


def role_of(role: pb.ConnectionRole) -> Side | None:
    """The side a listing asks for; None (unspecified) lists both."""
    return _ROLES.get(role)


class StoredConnection(Protocol):
    """A stored connection as a message is built from: its entity, or its row (reads)."""

    @property
    def id(self) -> str: ...
    @property
    def upstream_project_id(self) -> str: ...
    @property
    def upstream_company_id(self) -> str: ...
    @property
    def downstream_project_id(self) -> str: ...
    @property
    def downstream_company_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def requested_by_user_id(self) -> str: ...
    @property
    def state_reason(self) -> str: ...
    @property
    def state_changed_by_user_id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def state_changed_at(self) -> datetime: ...


def connection_message(connection: StoredConnection) -> pb.Connection:
    return pb.Connection(
        id=connection.id,
        upstream_project_id=connection.upstream_project_id,
        upstream_company_id=connection.upstream_company_id,
        downstream_project_id=connection.downstream_project_id,
        downstream_company_id=connection.downstream_company_id,
        state=_STATES[ConnectionState(connection.state)],
        requested_by_user_id=connection.requested_by_user_id,
        state_reason=connection.state_reason,
        state_changed_by_user_id=connection.state_changed_by_user_id,
        create_time=timestamp_of(connection.created_at),
        update_time=timestamp_of(connection.updated_at),
        state_change_time=timestamp_of(connection.state_changed_at),
    )


def event_message(event: ConnectionEvent) -> pb.ConnectionEvent:
    from_state = ConnectionState(event.from_state) if event.from_state else None
    return pb.ConnectionEvent(
        id=str(event.id),
        connection_id=event.connection_id,
        from_state=_STATES[from_state] if from_state else pb.CONNECTION_STATE_UNSPECIFIED,
        to_state=_STATES[ConnectionState(event.to_state)],
        actor_user_id=event.actor_user_id,
        actor_company_id=event.actor_company_id,
        reason=event.reason,
        create_time=timestamp_of(event.created_at),
    )


def verdict_messages(verdicts: list[Verdict]) -> list[pb.RuleVerdict]:
    return [
        pb.RuleVerdict(
            rule=v.rule, reason=reason_name(v.reason), passed=v.passed, message=v.message
        )
        for v in verdicts
    ]


def sync_state_message(report: SyncReport) -> pb.SyncState:
    row = report.row
    if row is None:  # never active: nothing was copied and nothing will be until approval
        return pb.SyncState(
            connection_id=report.connection_id,
            initial_copy_state=pb.INITIAL_COPY_STATE_NOT_STARTED,
        )
    lag = Duration()
    lag.FromTimedelta(report.lag)
    state = pb.SyncState(
        connection_id=report.connection_id,
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


def progress_message(progress: CopyProgress) -> pb.WatchInitialCopyProgressResponse:
    return pb.WatchInitialCopyProgressResponse(
        copied=progress.copied, total=progress.total, state=_COPY_STATES[progress.state]
    )
