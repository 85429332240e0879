"""Connections in the connection service's database: the facts the rules need, the record,
its audit trail and its pages (SQLAlchemy, inside the unit of work's transaction).

Requests and approvals lock both projects' rows first (in id order, so two of them never
wait on each other): two requests from one downstream, or C→A approved while A→B is,
then decide one after the other, and exactly one outcome wins (R9, R10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, ColumnElement, bindparam, exists, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from services.connection.domain.connection_lifecycle import (
    LIVE_STATES,
    ConnectionState,
    Side,
    StateChange,
)
from services.connection.domain.connection_rules import (
    ConnectionRuleSettings,
    ProjectSide,
    RuleFacts,
)
from services.connection.store.models import (
    Company,
    Connection,
    ConnectionEvent,
    ConnectionManagerGrant,
    ConnectionSync,
    Project,
)
from services.connection.store.sync_records import start_sync
from shared.persistence.core_reads import read_rows
from shared.persistence.db import RecordNotFound, new_id
from shared.persistence.paging import PagedQuery, ascending, descending, fetch_page

# Reads answer rows of these columns (named as the entity's attributes), no entities loaded.
_COLUMNS = select(*Connection.__table__.c)


def _level_on(project_id: Any) -> Any:
    """The reader's Connection Manager level on one side's project (NULL: none)."""
    return (
        select(ConnectionManagerGrant.level)
        .where(
            ConnectionManagerGrant.project_id == project_id,
            ConnectionManagerGrant.user_id == bindparam("user_id"),
        )
        .scalar_subquery()
    )


# A Get's connection and the reader's level on both its sides: one round trip, not three.
_WITH_LEVELS = _COLUMNS.add_columns(
    _level_on(Connection.upstream_project_id).label("upstream_level_"),
    _level_on(Connection.downstream_project_id).label("downstream_level_"),
).where(Connection.id == bindparam("connection_id"))


# A project's connections as upstream, downstream or (no role) both, newest first, with the
# reader's level on the project in the same statement (one round trip, not two). Rows come
# only where the reader holds a level there, or when ``everyone`` says they need none: a
# project hidden from the reader has none of its rows read (R27: as for a made-up id).
_READER_LEVEL = _level_on(bindparam("project_id"))
_OF_PROJECT: dict[Side | None, ColumnElement[bool]] = {
    Side.UPSTREAM: Connection.upstream_project_id == bindparam("project_id"),
    Side.DOWNSTREAM: Connection.downstream_project_id == bindparam("project_id"),
    None: or_(
        Connection.upstream_project_id == bindparam("project_id"),
        Connection.downstream_project_id == bindparam("project_id"),
    ),
}
_PAGES_OF_PROJECT = {
    role: PagedQuery(
        _COLUMNS.add_columns(_READER_LEVEL.label("level_")).where(
            of_project,
            or_(bindparam("everyone", type_=Boolean), _READER_LEVEL.is_not(None)),
        ),
        (descending(Connection.created_at), ascending(Connection.id)),
        whole_rows=True,
    )
    for role, of_project in _OF_PROJECT.items()
}


class ConnectionRepository:
    def __init__(self, session: Session):
        self._session = session

    def get(self, connection_id: str) -> Connection | None:
        """None for an unknown (or empty) id."""
        return self._session.get(Connection, connection_id) if connection_id else None

    def row_with_levels(self, connection_id: str, user_id: str) -> Row[Any] | None:
        """As ``get``, for a pure read: the row, read like the entity (``row.state``), with
        ``user_id``'s granted levels on its sides (``upstream_level_``, ``downstream_level_``;
        None for none). Nothing for an unknown id, with a statement all the same (R27)."""
        parameters = {"connection_id": connection_id, "user_id": user_id}
        return read_rows(self._session, _WITH_LEVELS, parameters).first()

    def reread(self, connection: Connection) -> Connection:
        """The connection as stored now: what a decision that waited on a lock must see,
        not what was read before (another decision may have committed meanwhile)."""
        self._session.refresh(connection)
        return connection

    def sync_of(self, connection_id: str) -> ConnectionSync | None:
        """How far the connection's sync has got; none before it was ever active."""
        return self._session.get(ConnectionSync, connection_id)

    def project(self, project_id: str) -> Project | None:
        return self._session.get(Project, project_id)

    def company(self, company_id: str) -> Company | None:
        return self._session.get(Company, company_id)

    def lock_projects(self, *project_ids: str) -> dict[str, Project]:
        """The projects' rows, locked until the transaction ends (SQLite: the write lock)."""
        locked = {}
        for project_id in sorted(set(project_ids)):
            project = self._session.scalars(
                select(Project)
                .where(Project.id == project_id)
                .with_for_update()
                .execution_options(populate_existing=True)  # as stored once the lock is ours
            ).one_or_none()
            if project is None:
                raise RecordNotFound("project", project_id)
            locked[project_id] = project
        return locked

    def rule_facts(
        self,
        downstream: Project,
        upstream: Project,
        revision_count: Callable[[str], int],
        settings: ConnectionRuleSettings,
        excluding_connection: str = "",
    ) -> RuleFacts:
        """What the rules need; ``excluding_connection``: the one being decided."""

        def side(project: Project) -> ProjectSide:
            company = self.company(project.company_id)
            assert company is not None  # a foreign key guarantees it
            return ProjectSide(
                project_id=project.id,
                company_id=project.company_id,
                active=project.active,
                revision_count=revision_count(project.id),
                file_storage_location=company.file_storage_location,
                govcloud=company.govcloud,
            )

        def live(*conditions: ColumnElement[bool]) -> bool:
            query = exists().where(
                Connection.state.in_(LIVE_STATES),
                Connection.id != excluding_connection,
                *conditions,
            )
            return bool(self._session.scalar(select(query)))

        down_id, up_id = downstream.id, upstream.id
        ever_disconnected = exists().where(
            Connection.downstream_project_id == down_id,
            Connection.state == ConnectionState.DISCONNECTED,
        )
        return RuleFacts(
            downstream=side(downstream),
            upstream=side(upstream),
            revision_limit=settings.revision_limit,
            same_company_allowed=settings.same_company_allowed,
            downstream_has_upstream=live(Connection.downstream_project_id == down_id),
            downstream_serves_downstreams=live(Connection.upstream_project_id == down_id),
            upstream_has_upstream=live(Connection.downstream_project_id == up_id),
            downstream_ever_disconnected=bool(self._session.scalar(select(ever_disconnected))),
        )

    def new(self, downstream: Project, upstream: Project, requested_by_user_id: str) -> Connection:
        """A connection between the two projects, stored once its request is recorded."""
        return Connection(
            id=new_id(),
            upstream_project_id=upstream.id,
            upstream_company_id=upstream.company_id,
            downstream_project_id=downstream.id,
            downstream_company_id=downstream.company_id,
            requested_by_user_id=requested_by_user_id,
        )

    def record(self, connection: Connection, change: StateChange) -> None:
        """Stores the connection as the change left it, and the change in its audit trail."""
        if change.from_state is None:  # the request: the connection is new
            connection.created_at = change.at
            self._session.add(connection)
        self._session.flush()
        self._session.add(
            ConnectionEvent(
                connection_id=connection.id,
                from_state=change.from_state or "",
                to_state=change.to_state,
                actor_user_id=change.actor.user_id,
                actor_company_id=change.actor.company_id,
                reason=change.reason,
                created_at=change.at,
            )
        )
        self._session.flush()
        if change.to_state is ConnectionState.ACTIVE:
            start_sync(self._session, connection)  # its initial copy is due from now on (R14)

    def page_of_project(
        self,
        project_id: str,
        role: Side | None,
        reader: str,
        everyone: bool,
        page_size: int,
        page_token: str,
    ) -> tuple[list[Row[Any]], str]:
        """A project's connections as upstream, downstream or (no role) both, newest first,
        as rows read like the entities, each with ``reader``'s granted level on the project
        (``level_``, None for none); no rows unless ``reader`` holds one, or ``everyone``."""
        parameters = {"project_id": project_id, "user_id": reader, "everyone": everyone}
        found, token = _PAGES_OF_PROJECT[role].page(
            self._session,
            parameters,
            page_size=page_size,
            page_token=page_token,
            filters={"project_id": project_id, "role": role or "both"},
        )
        return list(found), token

    def events_page(
        self, connection_id: str, page_size: int, page_token: str
    ) -> tuple[list[ConnectionEvent], str]:
        """The connection's audit trail, oldest first."""
        events, token = fetch_page(
            self._session,
            select(ConnectionEvent).where(ConnectionEvent.connection_id == connection_id),
            (ascending(ConnectionEvent.id),),  # ids count up as events are recorded
            page_size=page_size,
            page_token=page_token,
            filters={"connection_id": connection_id},
        )
        return list(events), token
