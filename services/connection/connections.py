"""Connections in the connection service's database: the facts the rules need, the record,
its transitions and their audit trail (SQLAlchemy, inside the caller's transaction).

Requests and approvals lock both projects' rows first (in id order, so two of them never
wait on each other): two requests from one downstream, or C→A approved while A→B is,
then decide one after the other, and exactly one outcome wins (R9, R10).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from services.connection.domain.connection_rules import ProjectSide, RuleFacts
from services.connection.store.models import Company, Connection, ConnectionEvent, Project
from services.connection.sync.records import start_sync
from shared.facts.errors import ErrorReason, ErrorReasonValue, FailedPrecondition
from shared.persistence.db import RecordNotFound, new_id, utcnow

LIVE_STATES = ("pending", "active")
# The state_reason of a connection the upstream company's preference approved (R2, R5).
AUTO_APPROVE_REASON = "auto_approve"
# Which transitions exist, and the reason code refusing them from any other state.
TRANSITIONS: dict[str, tuple[str, str, ErrorReasonValue]] = {
    # verb: (from state, to state, refusal reason)
    "approve": ("pending", "active", ErrorReason.CONNECTION_NOT_PENDING),
    "reject": ("pending", "rejected", ErrorReason.CONNECTION_NOT_PENDING),
    "withdraw": ("pending", "withdrawn", ErrorReason.CONNECTION_NOT_PENDING),
    "disconnect": ("active", "disconnected", ErrorReason.CONNECTION_NOT_ACTIVE),
}


def lock_projects(session: Session, *project_ids: str) -> dict[str, Project]:
    """The projects' rows, locked until the transaction ends (SQLite: the write lock)."""
    locked = {}
    for project_id in sorted(set(project_ids)):
        project = session.scalars(
            select(Project).where(Project.id == project_id).with_for_update()
        ).one_or_none()
        if project is None:
            raise RecordNotFound("project", project_id)
        locked[project_id] = project
    return locked


def _live(session: Session, *conditions: ColumnElement[bool], excluding: str) -> bool:
    query = select(
        exists().where(Connection.state.in_(LIVE_STATES), Connection.id != excluding, *conditions)
    )
    return bool(session.scalar(query))


def rule_facts(
    session: Session,
    downstream: Project,
    upstream: Project,
    revision_count: Callable[[str], int],
    revision_limit: int,
    same_company_allowed: bool,
    excluding_connection: str = "",
) -> RuleFacts:
    def side(project: Project) -> ProjectSide:
        company = session.get(Company, project.company_id)
        assert company is not None  # a foreign key guarantees it
        return ProjectSide(
            project_id=project.id,
            company_id=project.company_id,
            active=project.active,
            revision_count=revision_count(project.id),
            file_storage_location=company.file_storage_location,
            govcloud=company.govcloud,
        )

    down_id, up_id = downstream.id, upstream.id
    return RuleFacts(
        downstream=side(downstream),
        upstream=side(upstream),
        revision_limit=revision_limit,
        same_company_allowed=same_company_allowed,
        downstream_has_upstream=_live(
            session, Connection.downstream_project_id == down_id, excluding=excluding_connection
        ),
        downstream_serves_downstreams=_live(
            session, Connection.upstream_project_id == down_id, excluding=excluding_connection
        ),
        upstream_has_upstream=_live(
            session, Connection.downstream_project_id == up_id, excluding=excluding_connection
        ),
        downstream_ever_disconnected=bool(
            session.scalar(
                select(
                    exists().where(
                        Connection.downstream_project_id == down_id,
                        Connection.state == "disconnected",
                    )
                )
            )
        ),
    )


def create_connection(
    session: Session,
    downstream: Project,
    upstream: Project,
    actor_user_id: str,
    actor_company_id: str,
    active_at_once: bool,
) -> Connection:
    now = utcnow()
    connection = Connection(
        id=new_id(),
        upstream_project_id=upstream.id,
        upstream_company_id=upstream.company_id,
        downstream_project_id=downstream.id,
        downstream_company_id=downstream.company_id,
        state="pending",
        requested_by_user_id=actor_user_id,
        state_reason="",
        state_changed_by_user_id=actor_user_id,
        created_at=now,
        updated_at=now,
        state_changed_at=now,
    )
    session.add(connection)
    session.flush()
    _record(session, connection, "", "pending", actor_user_id, actor_company_id, "", now)
    if active_at_once:
        # The upstream company approves automatically (R2): the system's act, recorded with
        # no user, in the same transaction and at the same instant, so no read sees it pending.
        transition(session, connection, "approve", "", "", AUTO_APPROVE_REASON, now)
    return connection


def transition(
    session: Session,
    connection: Connection,
    verb: str,
    actor_user_id: str,
    actor_company_id: str,
    reason: str,
    at: datetime | None = None,
) -> Connection:
    """Moves the connection along ``verb``; an empty ``actor_user_id`` is the system."""
    from_state, to_state, refusal = TRANSITIONS[verb]
    if connection.state != from_state:
        raise FailedPrecondition(
            refusal,
            f"The connection is {connection.state}; only a {from_state} connection can be "
            f"{'disconnected' if verb == 'disconnect' else verb + 'd'}.",
            {"state": connection.state},
        )
    now = at or utcnow()
    connection.state = to_state
    connection.state_reason = reason
    connection.state_changed_by_user_id = actor_user_id
    connection.state_changed_at = now
    connection.updated_at = now
    session.flush()
    _record(session, connection, from_state, to_state, actor_user_id, actor_company_id, reason, now)
    if to_state == "active":
        start_sync(session, connection)  # its initial copy is due from this commit on (R14)
    return connection


def _record(
    session: Session,
    connection: Connection,
    from_state: str,
    to_state: str,
    actor_user_id: str,
    actor_company_id: str,
    reason: str,
    at: datetime,
) -> None:
    session.add(
        ConnectionEvent(
            connection_id=connection.id,
            from_state=from_state,
            to_state=to_state,
            actor_user_id=actor_user_id,
            actor_company_id=actor_company_id,
            reason=reason,
            created_at=at,
        )
    )
    session.flush()


def of_project(project_id: str, role: str) -> ColumnElement[bool]:
    """The filter for a project's connections as upstream, downstream or both."""
    if role == "upstream":
        return Connection.upstream_project_id == project_id
    if role == "downstream":
        return Connection.downstream_project_id == project_id
    return or_(
        Connection.upstream_project_id == project_id,
        Connection.downstream_project_id == project_id,
    )
