"""The directory's use cases: companies, projects, users and Connection Manager grants,
which the platform identity manages; the access rules decide who sees and changes what.

Changes of the facts the services below hold (a project, its company's outside-applications
setting) are queued in the same transaction and passed down once it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from services.connection.domain.directory_access import DirectoryAccess, sees_everything
from services.connection.store.models import Company, ConnectionManagerGrant, Project, User
from services.connection.store.unit_of_work import ConnectionUnitOfWork
from shared.facts.identity import Principal


class ProjectFactsOutbox(Protocol):
    """Where project facts wait for the services below (the worker delivers them)."""

    def enqueue(self, session: Session, project_ids: Iterable[str]) -> None: ...
    def deliver_pending(self, project_ids: Iterable[str] = ()) -> int: ...
    def poke(self) -> None: ...


@dataclass(frozen=True)
class NewCompany:
    company_id: str
    name: str
    file_storage_location: str
    govcloud: bool
    approval_preference: str
    outside_applications_allowed: bool


@dataclass(frozen=True)
class NewProject:
    project_id: str
    company_id: str
    name: str
    active: bool


@dataclass(frozen=True)
class NewUser:
    user_id: str
    company_id: str
    email: str
    display_name: str
    company_role: str
    service_account: bool


class DirectoryUseCases:
    def __init__(
        self,
        unit_of_work: Callable[[], ConnectionUnitOfWork],
        facts: ProjectFactsOutbox,
        wake_sync: Callable[[], None],
    ) -> None:
        self._uow = unit_of_work
        self._facts = facts
        self._wake_sync = wake_sync

    def _pass_facts_down(self, uow: ConnectionUnitOfWork, project_ids: list[str]) -> None:
        """Queue the projects' facts now; tell the services below once committed (whatever
        fails then, the worker retries later)."""
        if not project_ids:
            return
        self._facts.enqueue(uow.session, project_ids)

        def deliver() -> None:
            self._facts.deliver_pending(project_ids)

        uow.after_commit(deliver)
        uow.after_commit(self._facts.poke)

    # Companies

    def create_company(self, new: NewCompany) -> Company:
        with self._uow() as uow:
            return uow.directory.create_company(
                company_id=new.company_id,
                name=new.name,
                file_storage_location=new.file_storage_location,
                govcloud=new.govcloud,
                approval_preference=new.approval_preference,
                outside_applications_allowed=new.outside_applications_allowed,
            )

    def company(self, caller: Principal, company_id: str) -> Company:
        with self._uow() as uow:
            DirectoryAccess(uow.directory).require_company_visible(caller, company_id)
            return uow.directory.get_company(company_id)

    def companies(
        self, caller: Principal, page_size: int, page_token: str
    ) -> tuple[list[Company], str]:
        with self._uow() as uow:
            if not sees_everything(caller):  # a person sees their own company only
                return [uow.directory.get_company(caller.company_id)], ""
            return uow.directory.list_companies(page_size, page_token)

    def update_company(
        self, caller: Principal, company_id: str, changes: Mapping[str, object], etag: str
    ) -> Company:
        with self._uow() as uow:
            DirectoryAccess(uow.directory).require_may_update_company(
                caller, company_id, set(changes)
            )
            updated = uow.directory.update_company(company_id, changes, etag=etag)
            if "outside_applications_allowed" in changes:  # a fact the services below hold
                self._pass_facts_down(uow, uow.directory.project_ids_of_company(company_id))
            return updated

    # Projects

    def create_project(self, new: NewProject) -> Project:
        with self._uow() as uow:
            created = uow.directory.create_project(
                company_id=new.company_id,
                name=new.name,
                active=new.active,
                project_id=new.project_id,
            )
            self._pass_facts_down(uow, [created.id])
            return created

    def project(self, caller: Principal, project_id: str) -> Project:
        with self._uow() as uow:
            DirectoryAccess(uow.directory).require_project_visible(caller, project_id)
            return uow.directory.get_project(project_id)

    def projects(
        self, caller: Principal, company_id: str, page_size: int, page_token: str
    ) -> tuple[list[Project], str]:
        with self._uow() as uow:
            listed = DirectoryAccess(uow.directory).projects_company_filter_for(caller, company_id)
            return uow.directory.list_projects(listed, page_size, page_token)

    def update_project(
        self, caller: Principal, project_id: str, changes: Mapping[str, object], etag: str
    ) -> Project:
        with self._uow() as uow:
            DirectoryAccess(uow.directory).require_may_update_project(caller, project_id)
            updated = uow.directory.update_project(project_id, changes, etag=etag)
            self._pass_facts_down(uow, [project_id])
            # A paused sync resumes (or a running one pauses) at once (R21).
            uow.after_commit(self._wake_sync)
            return updated

    # Users

    def create_user(self, new: NewUser) -> User:
        with self._uow() as uow:
            return uow.directory.create_user(
                user_id=new.user_id,
                company_id=new.company_id,
                email=new.email,
                display_name=new.display_name,
                company_role=new.company_role,
                service_account=new.service_account,
            )

    def user(self, caller: Principal, user_id: str) -> User:
        with self._uow() as uow:
            DirectoryAccess(uow.directory).require_user_visible(caller, user_id)
            return uow.directory.get_user(user_id)

    def users(
        self, caller: Principal, company_id: str, page_size: int, page_token: str
    ) -> tuple[list[User], str]:
        with self._uow() as uow:
            listed = DirectoryAccess(uow.directory).company_filter_for(caller, company_id)
            return uow.directory.list_users(listed, page_size, page_token)

    def update_user(
        self, caller: Principal, user_id: str, changes: Mapping[str, object], etag: str
    ) -> User:
        with self._uow() as uow:
            DirectoryAccess(uow.directory).require_may_update_user(caller, user_id, set(changes))
            return uow.directory.update_user(user_id, changes, etag=etag)

    # Connection Manager grants

    def set_connection_manager_level(
        self, caller: Principal, project_id: str, user_id: str, level: str
    ) -> ConnectionManagerGrant | None:
        """The grant as stored now; None once revoked (``none``)."""
        with self._uow() as uow:
            # R33: only this tool's levels on this project, so a grant cannot escalate further.
            DirectoryAccess(uow.directory).require_may_set_grant(caller, project_id)
            uow.directory.set_connection_manager_level(project_id, user_id, level)
            return uow.directory.connection_manager_grant(project_id, user_id)

    def connection_manager_grants(
        self, caller: Principal, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[ConnectionManagerGrant], str]:
        with self._uow() as uow:
            own_only = DirectoryAccess(uow.directory).grants_listed_for(caller, project_id)
            if own_only:  # not the project's admin: their own grant, if they hold one
                grant = uow.directory.connection_manager_grant(project_id, own_only)
                return ([grant] if grant is not None else []), ""
            return uow.directory.list_connection_manager_grants(project_id, page_size, page_token)
