"""In-memory stand-ins for the connection service's unit of work and the drawing service:
the same attributes as the real ones, no database, no gRPC."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from services.connection.domain.connection_lifecycle import (
    LIVE_STATES,
    ConnectionState,
    Side,
    StateChange,
)
from services.connection.domain.connection_notices import NoticeDue
from services.connection.domain.connection_rules import (
    ConnectionRuleSettings,
    ProjectSide,
    RuleFacts,
)
from services.connection.store.models import Company, Connection, ConnectionSync, Project, User
from shared.persistence.db import RecordNotFound
from tests.domain.connection.fake_directory import FakeUnitOfWork


class FakeConnectionRepository:
    def __init__(self) -> None:
        self.connections: dict[str, Connection] = {}
        self.projects: dict[str, Project] = {}
        self.companies: dict[str, Company] = {}
        self.events: list[tuple[str, StateChange]] = []
        self.syncs: dict[str, ConnectionSync] = {}
        self._ids = 0
        self.levels_from: Any = None  # the directory whose grants row_with_levels reads

    def get(self, connection_id: str) -> Connection | None:
        return self.connections.get(connection_id)

    def row_with_levels(self, connection_id: str, user_id: str) -> Connection | None:
        """The real one answers a row read like the entity, with the reader's levels on its
        sides in the same statement: the entity stands in for it, carrying the levels the
        unit of work's directory holds (``levels_from``)."""
        connection = self.connections.get(connection_id)
        if connection is None or self.levels_from is None:
            return connection
        level = self.levels_from.connection_manager_level
        connection.upstream_level_ = level(connection.upstream_project_id, user_id)  # type: ignore[attr-defined]
        connection.downstream_level_ = level(connection.downstream_project_id, user_id)  # type: ignore[attr-defined]
        return connection

    def reread(self, connection: Connection) -> Connection:
        return connection

    def sync_of(self, connection_id: str) -> ConnectionSync | None:
        return self.syncs.get(connection_id)

    def project(self, project_id: str) -> Project | None:
        return self.projects.get(project_id)

    def company(self, company_id: str) -> Company | None:
        return self.companies.get(company_id)

    def lock_projects(self, *project_ids: str) -> dict[str, Project]:
        for project_id in project_ids:
            if project_id not in self.projects:
                raise RecordNotFound("project", project_id)
        return {project_id: self.projects[project_id] for project_id in project_ids}

    def rule_facts(
        self,
        downstream: Project,
        upstream: Project,
        revision_count: Callable[[str], int],
        settings: ConnectionRuleSettings,
        excluding_connection: str = "",
    ) -> RuleFacts:
        others = [c for c in self.connections.values() if c.id != excluding_connection]
        live = [c for c in others if c.state in LIVE_STATES]

        def side(project: Project) -> ProjectSide:
            company = self.companies[project.company_id]
            return ProjectSide(
                project.id,
                project.company_id,
                project.active,
                revision_count(project.id),
                company.file_storage_location,
                company.govcloud,
            )

        return RuleFacts(
            downstream=side(downstream),
            upstream=side(upstream),
            revision_limit=settings.revision_limit,
            same_company_allowed=settings.same_company_allowed,
            downstream_has_upstream=any(c.downstream_project_id == downstream.id for c in live),
            downstream_serves_downstreams=any(c.upstream_project_id == downstream.id for c in live),
            upstream_has_upstream=any(c.downstream_project_id == upstream.id for c in live),
            downstream_ever_disconnected=any(
                c.downstream_project_id == downstream.id and c.state == ConnectionState.DISCONNECTED
                for c in others
            ),
        )

    def new(self, downstream: Project, upstream: Project, requested_by_user_id: str) -> Connection:
        self._ids += 1
        return Connection(
            id=f"conn-{self._ids}",
            upstream_project_id=upstream.id,
            upstream_company_id=upstream.company_id,
            downstream_project_id=downstream.id,
            downstream_company_id=downstream.company_id,
            requested_by_user_id=requested_by_user_id,
        )

    def record(self, connection: Connection, change: StateChange) -> None:
        if change.from_state is None:
            connection.created_at = change.at
            self.connections[connection.id] = connection
        self.events.append((connection.id, change))
        if change.to_state is ConnectionState.ACTIVE:
            self.syncs[connection.id] = ConnectionSync(connection_id=connection.id)

    def page_of_project(
        self,
        project_id: str,
        role: Side | None,
        reader: str,
        everyone: bool,
        page_size: int,
        page_token: str,
    ) -> tuple[list[Connection], str]:
        """The real one reads the page with ``reader``'s grant on each row (``level_``) and
        answers no rows unless there is one or ``everyone``: the entities stand in, carrying
        the level the unit of work's directory holds."""
        granted = self.levels_from.connection_manager_level(project_id, reader)
        level = None if granted == "none" else granted
        if level is None and not everyone:
            return [], ""
        found = [
            c
            for c in self.connections.values()
            if (role is not Side.DOWNSTREAM and c.upstream_project_id == project_id)
            or (role is not Side.UPSTREAM and c.downstream_project_id == project_id)
        ]
        for connection in found:
            connection.level_ = level  # type: ignore[attr-defined]
        return found, ""

    def events_page(
        self, connection_id: str, page_size: int, page_token: str
    ) -> tuple[list[Any], str]:
        return [change for cid, change in self.events if cid == connection_id], ""


class FakeDirectoryReads:
    """The directory reads of the access rules: grants, users, outside applications."""

    def __init__(self) -> None:
        self.grants: dict[tuple[str, str], str] = {}
        self.users: dict[str, User] = {}
        self.outside_applications: dict[str, bool] = {}

    def connection_manager_level(self, project_id: str, user_id: str) -> str:
        return self.grants.get((project_id, user_id), "none")

    def find_user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def outside_applications_allowed(self, project_id: str) -> bool:
        return self.outside_applications.get(project_id, True)


@dataclass(frozen=True)
class QueuedNotice:
    """A notice the use case queued: for which side's list, of which kind, in which state."""

    side: Side
    kind: notification_pb.NotificationEventKind
    state: str
    actor_user_id: str


class FakeNotificationOutbox:
    def __init__(self) -> None:
        self.queued: list[QueuedNotice] = []

    def add_connection_notices(
        self, connection: Connection, due: Sequence[NoticeDue], actor_user_id: str
    ) -> None:
        for notice in due:
            self.queued.append(
                QueuedNotice(notice.side, notice.kind, connection.state, actor_user_id)
            )


def lifecycle_unit_of_work() -> FakeUnitOfWork:
    """A unit of work with what the lifecycle use cases read and write."""
    directory, connections = FakeDirectoryReads(), FakeConnectionRepository()
    connections.levels_from = directory
    return FakeUnitOfWork(directory, connections, FakeNotificationOutbox())


@dataclass
class FakeDrawings:
    """The drawing service's answers: Drawings levels and revision counts."""

    levels: dict[tuple[str, str], str] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)

    def drawings_level(self, project_id: str, user_id: str) -> str:
        return self.levels.get((project_id, user_id), "none")

    def revision_count(self, project_id: str) -> int:
        return self.revisions.get(project_id, 0)

    def published_revision_count(self, project_id: str) -> int:
        return self.revisions.get(project_id, 0)
