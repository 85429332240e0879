"""ConnectionService RPCs of the connection lifecycle (R1–R13): request (or preview),
approve, reject, withdraw, disconnect; get, list and the audit trail.

Who may (the rows are in access_policy.CALLERS): the downstream's Connection Manager
admin requests and withdraws (and needs Drawings read_only on both projects); the
upstream's admin approves and rejects; either side's admin disconnects; read_only and up
on either side reads, and so does a company admin of either side's company without a
grant (R33). Someone who may not see a connection or an upstream project gets NOT_FOUND,
exactly as if it did not exist (R13, R27). A client application (integrator) acts with
its user's levels, and only through projects whose company allows outside applications
(R31, OUTSIDE_APPLICATIONS_FORBIDDEN).
"""

from __future__ import annotations

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import connection_service_pb2 as pb
from services.connection import connections
from services.connection.connection_notices import notices_for
from services.connection.directory import Directory
from services.connection.directory_access import DirectoryAccess
from services.connection.domain import access_policy
from services.connection.domain.connection_rules import Verdict, evaluate, first_refusal
from services.connection.drawing_facts import DrawingFacts
from services.connection.notification_outbox import NotificationOutbox
from services.connection.store.models import Company, Connection, ConnectionEvent, Project
from services.connection.sync.engine import SyncEngine
from shared.facts.errors import (
    ErrorReason,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    reason_name,
)
from shared.facts.identity import Principal, PrincipalKind
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.persistence.paging import ascending, descending, fetch_page
from shared.runtime.request_checks import required_id
from shared.runtime.timestamps import timestamp_of

_STATES = {
    "pending": pb.CONNECTION_STATE_PENDING,
    "active": pb.CONNECTION_STATE_ACTIVE,
    "rejected": pb.CONNECTION_STATE_REJECTED,
    "withdrawn": pb.CONNECTION_STATE_WITHDRAWN,
    "disconnected": pb.CONNECTION_STATE_DISCONNECTED,
}
_ROLES = {pb.CONNECTION_ROLE_UPSTREAM: "upstream", pb.CONNECTION_ROLE_DOWNSTREAM: "downstream"}


def connection_message(connection: Connection) -> pb.Connection:
    return pb.Connection(
        id=connection.id,
        upstream_project_id=connection.upstream_project_id,
        upstream_company_id=connection.upstream_company_id,
        downstream_project_id=connection.downstream_project_id,
        downstream_company_id=connection.downstream_company_id,
        state=_STATES[connection.state],
        requested_by_user_id=connection.requested_by_user_id,
        state_reason=connection.state_reason,
        state_changed_by_user_id=connection.state_changed_by_user_id,
        create_time=timestamp_of(connection.created_at),
        update_time=timestamp_of(connection.updated_at),
        state_change_time=timestamp_of(connection.state_changed_at),
    )


def _event_message(event: ConnectionEvent) -> pb.ConnectionEvent:
    return pb.ConnectionEvent(
        id=str(event.id),
        connection_id=event.connection_id,
        from_state=_STATES.get(event.from_state, pb.CONNECTION_STATE_UNSPECIFIED),
        to_state=_STATES[event.to_state],
        actor_user_id=event.actor_user_id,
        actor_company_id=event.actor_company_id,
        reason=event.reason,
        create_time=timestamp_of(event.created_at),
    )


def _verdict_messages(verdicts: list[Verdict]) -> list[pb.RuleVerdict]:
    return [
        pb.RuleVerdict(
            rule=v.rule, reason=reason_name(v.reason), passed=v.passed, message=v.message
        )
        for v in verdicts
    ]


# The project and company an unknown connection is looked up between: none has an empty id.
_NO_ID = ""


def _connection_hidden(connection_id: str) -> NotFound:
    return NotFound(ErrorReason.CONNECTION_NOT_FOUND, f"No connection {connection_id!r} was found.")


def _project_hidden(project_id: str) -> NotFound:
    return NotFound(ErrorReason.PROJECT_NOT_FOUND, f"No project {project_id!r} was found.")


class ConnectionRpcs:
    _directory: Directory
    _access: DirectoryAccess
    _idempotent: IdempotentCalls
    _sessions: sessionmaker[Session]
    _drawing_facts: DrawingFacts
    _revision_limit: int
    _same_company_allowed: bool
    _outbox: NotificationOutbox
    _sync: SyncEngine

    # Levels

    def _held_level(self, caller: Principal, project_id: str) -> str:
        if caller.kind in (PrincipalKind.PLATFORM, PrincipalKind.SERVICE):
            return "read_only"  # systems read; only people decide
        return self._directory.connection_manager_level(project_id, caller.user_id)

    def _cm_level(self, caller: Principal, project_id: str) -> str:
        """The caller's level on the project; an integrator is refused where its user holds
        one but the project's company forbids outside applications (R31)."""
        level = self._held_level(caller, project_id)
        if level != "none":
            self._access.require_outside_applications_allowed(caller, project_id)
        return level

    def _visible_connection(self, caller: Principal, connection_id: str) -> Connection:
        with self._sessions() as session:
            connection = session.get(Connection, connection_id) if connection_id else None
        # R27: an unknown id goes through the same lookups as a connection the caller cannot
        # see (between no projects of no company), so that its NOT_FOUND runs the same
        # statements and takes as long.
        if connection is None:
            sides, companies = (_NO_ID, _NO_ID), (_NO_ID, _NO_ID)
        else:
            sides = (connection.upstream_project_id, connection.downstream_project_id)
            companies = (connection.upstream_company_id, connection.downstream_company_id)
        seen = [side for side in sides if self._held_level(caller, side) != "none"]
        if not seen:  # R33: a company admin sees their company's connections without a grant
            seen = [
                side
                for side, company_id in zip(sides, companies, strict=True)
                if self._access.is_company_admin(caller, company_id)
            ]
        if connection is None or not seen:
            raise _connection_hidden(connection_id)
        # Visible through a side that lets the caller in is enough (R31 is per project).
        if all(self._access.outside_application_refused(caller, side) for side in seen):
            self._access.require_outside_applications_allowed(caller, seen[0])
        return connection

    def _require_company_admin_of(self, caller: Principal, project_id: str) -> None:
        """R33: a company admin reads their company's projects' connections without a grant;
        anyone else without a level learns nothing (R27)."""
        with self._sessions() as session:
            project = session.get(Project, project_id)
        if project is None or not self._access.is_company_admin(caller, project.company_id):
            raise _project_hidden(project_id)
        self._access.require_outside_applications_allowed(caller, project_id)

    def _require_admin(self, caller: Principal, project_id: str, side: str) -> None:
        if self._cm_level(caller, project_id) != "admin":
            raise PermissionDenied(
                ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
                f"This needs the Connection Manager admin level on the {side} project.",
            )

    # Requesting (R1) and previewing

    def RequestConnection(
        self, request: pb.RequestConnectionRequest, context: grpc.ServicerContext
    ) -> pb.RequestConnectionResponse:
        caller = access_policy.admit("RequestConnection")
        down_id = required_id(request.downstream_project_id, "downstream_project_id")
        up_id = required_id(request.upstream_project_id, "upstream_project_id")
        self._require_upstream_visible(caller, up_id)
        self._require_downstream_initiator(caller, down_id)
        counts = {pid: self._drawing_facts.revision_count(pid) for pid in (down_id, up_id)}

        def decide(session: Session) -> pb.RequestConnectionResponse:
            locked = connections.lock_projects(session, down_id, up_id)
            verdicts = evaluate(
                connections.rule_facts(
                    session,
                    locked[down_id],
                    locked[up_id],
                    counts.__getitem__,
                    self._revision_limit,
                    self._same_company_allowed,
                )
            )
            if request.validate_only:
                return pb.RequestConnectionResponse(verdicts=_verdict_messages(verdicts))
            _refuse_if_any(verdicts)
            upstream_company = session.get(Company, locked[up_id].company_id)
            assert upstream_company is not None
            created = connections.create_connection(
                session,
                locked[down_id],
                locked[up_id],
                caller.user_id,
                caller.company_id,
                active_at_once=upstream_company.approval_preference == "auto_approve",
            )
            NotificationOutbox.add(session, notices_for(session, created, caller.user_id))
            return pb.RequestConnectionResponse(
                connection=connection_message(created), verdicts=_verdict_messages(verdicts)
            )

        if request.validate_only:  # a preview changes nothing and needs no replay record
            with self._sessions.begin() as session:
                return decide(session)
        response = self._idempotent.run(
            "RequestConnection", request, pb.RequestConnectionResponse, decide
        )
        self._outbox.poke()  # committed: tell the lists now rather than at the next round
        self._sync.poke()  # an auto-approved connection starts its initial copy now
        return response

    def _require_upstream_visible(self, caller: Principal, up_id: str) -> None:
        """R13: without Drawings access to the upstream, it does not exist for the caller."""
        with self._sessions() as session:
            exists = session.get(Project, up_id) is not None
        if not exists or self._drawing_facts.drawings_level(up_id, caller.user_id) == "none":
            raise _project_hidden(up_id)
        self._access.require_outside_applications_allowed(caller, up_id)

    def _require_downstream_initiator(self, caller: Principal, down_id: str) -> None:
        with self._sessions() as session:
            downstream = session.get(Project, down_id)
        level = self._cm_level(caller, down_id)
        if downstream is None or (level == "none" and downstream.company_id != caller.company_id):
            raise _project_hidden(down_id)
        self._require_admin(caller, down_id, "downstream")
        if self._drawing_facts.drawings_level(down_id, caller.user_id) == "none":
            raise PermissionDenied(
                ErrorReason.DRAWINGS_READ_ONLY_REQUIRED,
                "Connecting needs the Drawings read-only level on both projects.",
            )

    # Deciding

    def _decide(
        self,
        request: object,
        method: str,
        response_type: type,
        connection_id: str,
        verb: str,
        side: str,
        reason: str = "",
    ) -> object:
        caller = access_policy.admit(method)
        known = self._visible_connection(caller, connection_id)
        if side == "either":
            sides = (known.upstream_project_id, known.downstream_project_id)
            admin_of = [side for side in sides if self._held_level(caller, side) == "admin"]
            if not admin_of:
                raise PermissionDenied(
                    ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
                    "This needs the Connection Manager admin level on either project.",
                )
            if all(self._access.outside_application_refused(caller, side) for side in admin_of):
                self._access.require_outside_applications_allowed(caller, admin_of[0])
        else:
            project = (
                known.upstream_project_id if side == "upstream" else known.downstream_project_id
            )
            self._require_admin(caller, project, side)
        counts = {}
        if verb == "approve":  # the rules are checked again at approval
            for pid in (known.downstream_project_id, known.upstream_project_id):
                counts[pid] = self._drawing_facts.revision_count(pid)

        def apply(session: Session) -> object:
            locked = connections.lock_projects(
                session, known.downstream_project_id, known.upstream_project_id
            )
            connection = session.get(Connection, known.id)
            assert connection is not None
            if verb == "approve" and connection.state == "pending":
                _refuse_if_any(
                    evaluate(
                        connections.rule_facts(
                            session,
                            locked[known.downstream_project_id],
                            locked[known.upstream_project_id],
                            counts.__getitem__,
                            self._revision_limit,
                            self._same_company_allowed,
                            excluding_connection=connection.id,
                        )
                    )
                )
            changed = connections.transition(
                session, connection, verb, caller.user_id, caller.company_id, reason
            )
            NotificationOutbox.add(session, notices_for(session, changed, caller.user_id))
            return response_type(connection=connection_message(changed))

        response = self._idempotent.run(method, request, response_type, apply)  # type: ignore[arg-type]
        self._outbox.poke()
        if verb == "disconnect":  # stop the sync at once: the drawing service refuses more
            self._sync.pass_disconnections_down()
        self._sync.poke()
        return response

    def ApproveConnection(
        self, request: pb.ApproveConnectionRequest, context: grpc.ServicerContext
    ) -> pb.ApproveConnectionResponse:
        return self._decide(  # type: ignore[return-value]
            request,
            "ApproveConnection",
            pb.ApproveConnectionResponse,
            request.connection_id,
            "approve",
            "upstream",
        )

    def RejectConnection(
        self, request: pb.RejectConnectionRequest, context: grpc.ServicerContext
    ) -> pb.RejectConnectionResponse:
        reason = request.reason  # at most 1,000 characters: the contract's rule
        return self._decide(  # type: ignore[return-value]
            request,
            "RejectConnection",
            pb.RejectConnectionResponse,
            request.connection_id,
            "reject",
            "upstream",
            reason,
        )

    def WithdrawConnection(
        self, request: pb.WithdrawConnectionRequest, context: grpc.ServicerContext
    ) -> pb.WithdrawConnectionResponse:
        return self._decide(  # type: ignore[return-value]
            request,
            "WithdrawConnection",
            pb.WithdrawConnectionResponse,
            request.connection_id,
            "withdraw",
            "downstream",
        )

    def DisconnectConnection(
        self, request: pb.DisconnectConnectionRequest, context: grpc.ServicerContext
    ) -> pb.DisconnectConnectionResponse:
        reason = request.reason  # at most 1,000 characters: the contract's rule
        if not reason.strip():
            raise InvalidArgument(
                ErrorReason.REASON_REQUIRED, "Say why the projects are disconnected (R4)."
            )
        return self._decide(  # type: ignore[return-value]
            request,
            "DisconnectConnection",
            pb.DisconnectConnectionResponse,
            request.connection_id,
            "disconnect",
            "either",
            reason,
        )

    # Reading

    def GetConnection(
        self, request: pb.GetConnectionRequest, context: grpc.ServicerContext
    ) -> pb.GetConnectionResponse:
        connection = self._visible_connection(
            access_policy.admit("GetConnection"), request.connection_id
        )
        return pb.GetConnectionResponse(connection=connection_message(connection))

    def ListConnections(
        self, request: pb.ListConnectionsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectionsResponse:
        caller = access_policy.admit("ListConnections")
        project_id = required_id(request.project_id, "project_id")
        if self._cm_level(caller, project_id) == "none":
            self._require_company_admin_of(caller, project_id)
        role = _ROLES.get(request.role, "both")
        with self._sessions() as session:
            found, token = fetch_page(
                session,
                select(Connection).where(connections.of_project(project_id, role)),
                (descending(Connection.created_at), ascending(Connection.id)),
                page_size=request.page_size,
                page_token=request.page_token,
                filters={"project_id": project_id, "role": role},
            )
            return pb.ListConnectionsResponse(
                connections=[connection_message(c) for c in found], next_page_token=token
            )

    def ListConnectionEvents(
        self, request: pb.ListConnectionEventsRequest, context: grpc.ServicerContext
    ) -> pb.ListConnectionEventsResponse:
        connection = self._visible_connection(
            access_policy.admit("ListConnectionEvents"), request.connection_id
        )
        with self._sessions() as session:
            events, token = fetch_page(
                session,
                select(ConnectionEvent).where(ConnectionEvent.connection_id == connection.id),
                (ascending(ConnectionEvent.id),),  # ids count up as events are recorded
                page_size=request.page_size,
                page_token=request.page_token,
                filters={"connection_id": connection.id},
            )
            return pb.ListConnectionEventsResponse(
                events=[_event_message(event) for event in events], next_page_token=token
            )


def _refuse_if_any(verdicts: list[Verdict]) -> None:
    refused = first_refusal(verdicts)
    if refused is not None:
        raise FailedPrecondition(refused.reason, refused.message, {"rule": refused.rule})
