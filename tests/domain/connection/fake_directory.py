"""An in-memory directory and unit of work for the domain rules and the directory use cases."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self


@dataclass
class FakeCompany:
    id: str
    outside_applications_allowed: bool = True


@dataclass
class FakeProject:
    id: str
    company_id: str


@dataclass
class FakeUser:
    id: str
    company_id: str
    company_role: str = "member"
    service_account: bool = False


@dataclass
class FakeDirectory:
    companies: dict[str, FakeCompany] = field(default_factory=dict)
    projects: dict[str, FakeProject] = field(default_factory=dict)
    users: dict[str, FakeUser] = field(default_factory=dict)
    # (project id, user id) -> Connection Manager level
    grants: dict[tuple[str, str], str] = field(default_factory=dict)
    # Every read, in order, with what it asked for: R27 wants the same reads for an unknown
    # id as for a hidden one.
    reads: list[str] = field(default_factory=list)
    # Every change asked for: (kind, id, changes).
    changed: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)

    def add_company(self, company_id: str, outside_applications_allowed: bool = True) -> None:
        self.companies[company_id] = FakeCompany(company_id, outside_applications_allowed)

    def add_project(self, project_id: str, company_id: str) -> None:
        self.projects[project_id] = FakeProject(project_id, company_id)

    def add_user(
        self,
        user_id: str,
        company_id: str,
        company_role: str = "member",
        service_account: bool = False,
    ) -> None:
        self.users[user_id] = FakeUser(user_id, company_id, company_role, service_account)

    def find_company(self, company_id: str) -> FakeCompany | None:
        self.reads.append("company")
        return self.companies.get(company_id)

    def find_project(self, project_id: str) -> FakeProject | None:
        self.reads.append("project")
        return self.projects.get(project_id)

    def find_user(self, user_id: str) -> FakeUser | None:
        self.reads.append("user")
        return self.users.get(user_id)

    def connection_manager_level(self, project_id: str, user_id: str) -> str:
        self.reads.append("grant")
        return self.grants.get((project_id, user_id), "none")

    def outside_applications_allowed(self, project_id: str) -> bool:
        self.reads.append("outside applications")
        return self.companies[self.projects[project_id].company_id].outside_applications_allowed

    # What the directory use cases change

    def project_ids_of_company(self, company_id: str) -> list[str]:
        return sorted(p.id for p in self.projects.values() if p.company_id == company_id)

    def update_project(
        self, project_id: str, changes: Mapping[str, object], etag: str = ""
    ) -> FakeProject:
        self.changed.append(("project", project_id, dict(changes)))
        return self.projects[project_id]

    def update_company(
        self, company_id: str, changes: Mapping[str, object], etag: str = ""
    ) -> FakeCompany:
        self.changed.append(("company", company_id, dict(changes)))
        return self.companies[company_id]


class FakeUnitOfWork:
    """The connection service's unit of work without a database: ``committed`` once a
    with-block ends cleanly, and only then the after-commit actions run. Each test hangs the
    in-memory repositories it needs on it (``directory``, ``connections``, ``notices``)."""

    def __init__(self, directory: Any, connections: Any = None, notices: Any = None) -> None:
        self.directory = directory
        self.connections = connections
        self.notices = notices
        self.session = None
        self.committed = False
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> FakeUnitOfWork:
        self.committed = False
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        actions, self._after_commit = self._after_commit, []
        if kind is not None:
            return
        self.committed = True
        for action in actions:
            action()

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)

    def reading(self) -> Self:
        """A pure read: the real one begins without the write lock; nothing differs here."""
        return self


@dataclass
class FakeFactsOutbox:
    """Project facts queued for the services below, and what happened after the commit."""

    events: list[str] = field(default_factory=list)

    def enqueue(self, session: object, project_ids: Iterable[str]) -> None:
        self.events.append(f"queued {','.join(project_ids)}")

    def deliver_pending(self, project_ids: Iterable[str] = ()) -> int:
        self.events.append(f"delivered {','.join(project_ids)}")
        return 0

    def poke(self) -> None:
        self.events.append("worker woken")
