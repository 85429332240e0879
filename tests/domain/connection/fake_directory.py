"""An in-memory directory for the domain rules: the facts they read, and the reads they made."""

from __future__ import annotations

from dataclasses import dataclass, field


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

    def company_exists(self, company_id: str) -> bool:
        return self.find_company(company_id) is not None

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
