"""The directory the connection service owns: companies, projects, users and Connection
Manager grants. Its exceptions (RecordNotFound, RecordConflict, ...) are turned into
statuses at the server's edge.

Rows stay readable after the unit of work commits (the sessions do not expire them): read
them freely, change them only through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.connection.store.models import (
    APPROVAL_PREFERENCES,
    COMPANY_ROLES,
    Base,
    Company,
    ConnectionManagerGrant,
    Project,
    User,
)
from shared.persistence.db import (
    FieldNotUpdatable,
    InvalidFieldValue,
    RecordConflict,
    RecordNotFound,
    new_id,
    utcnow,
)
from shared.persistence.etags import locked_at_etag
from shared.persistence.paging import SortKey, ascending, fetch_page
from shared.persistence.permission_grants import PermissionGrants

# The file storage location and the GovCloud flag are fixed at creation: changing them
# would silently break the R11 guarantee of connections that already exist.
COMPANY_UPDATABLE_FIELDS = frozenset(
    {"name", "approval_preference", "outside_applications_allowed"}
)
PROJECT_UPDATABLE_FIELDS = frozenset({"name", "active"})
USER_UPDATABLE_FIELDS = frozenset({"email", "display_name", "company_role"})
# Fields whose values come from a fixed set (the tables' CHECK constraints say the same).
ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "approval_preference": APPROVAL_PREFERENCES,
    "company_role": COMPANY_ROLES,
}
RowT = TypeVar("RowT", bound=Base)
# Rows that belong to one company and are listed per company.
CompanyRowT = TypeVar("CompanyRowT", Project, User)

_CONNECTION_MANAGER_GRANTS = PermissionGrants(ConnectionManagerGrant)


class DirectoryRepository:
    """The directory's rows inside one unit of work's session (the unit of work commits)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        # Built once (its statement too): built per unit of work it was half of opening one.
        self._connection_manager_grants = _CONNECTION_MANAGER_GRANTS

    # Companies

    def create_company(
        self,
        *,
        name: str,
        file_storage_location: str,
        govcloud: bool = False,
        approval_preference: str = "review_required",
        outside_applications_allowed: bool = True,
        company_id: str = "",
    ) -> Company:
        """A new company; ``company_id`` empty means a generated one."""
        _require_allowed_values("company", {"approval_preference": approval_preference})
        company = Company(
            id=company_id or new_id(),
            name=name,
            file_storage_location=file_storage_location,
            govcloud=govcloud,
            approval_preference=approval_preference,
            outside_applications_allowed=outside_applications_allowed,
            **_creation_times(),
        )
        _add_new(self._session, company, "company")
        return company

    def get_company(self, company_id: str) -> Company:
        return _existing(self._session, Company, "company", company_id)

    def find_company(self, company_id: str) -> Company | None:
        return self._session.get(Company, company_id)

    def list_companies(self, page_size: int = 0, page_token: str = "") -> tuple[list[Company], str]:
        return fetch_page(
            self._session,
            select(Company),
            (ascending(Company.name_sort_key), ascending(Company.id)),
            page_size=page_size,
            page_token=page_token,
            filters={},
        )

    def update_company(
        self, company_id: str, changes: Mapping[str, object], etag: str = ""
    ) -> Company:
        _require_updatable("company", changes, COMPANY_UPDATABLE_FIELDS)
        _require_allowed_values("company", changes)
        company = locked_at_etag(self._session, Company, "company", company_id, etag)
        _apply(self._session, company, changes, "company")
        return company

    # Projects

    def create_project(
        self, *, company_id: str, name: str, active: bool = True, project_id: str = ""
    ) -> Project:
        """A new project of an existing company; ``project_id`` empty means a generated one."""
        project = Project(
            id=project_id or new_id(),
            company_id=company_id,
            name=name,
            active=active,
            **_creation_times(),
        )
        _existing(self._session, Company, "company", company_id)
        _add_new(self._session, project, "project")
        return project

    def get_project(self, project_id: str) -> Project:
        return _existing(self._session, Project, "project", project_id)

    def find_project(self, project_id: str) -> Project | None:
        return self._session.get(Project, project_id)

    def project_ids_of_company(self, company_id: str) -> list[str]:
        return list(
            self._session.scalars(select(Project.id).where(Project.company_id == company_id))
        )

    def outside_applications_allowed(self, project_id: str) -> bool:
        """Whether the project's company lets client applications in (R31)."""
        allowed = self._session.scalar(
            select(Company.outside_applications_allowed)
            .join(Project, Project.company_id == Company.id)
            .where(Project.id == project_id)
        )
        if allowed is None:
            raise RecordNotFound("project", project_id)
        return bool(allowed)

    def list_projects(
        self, company_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[Project], str]:
        """The company's projects by name (casefolded), then id; ``company_id`` empty: all."""
        order = (ascending(Project.name_sort_key), ascending(Project.id))
        return self._list_of_company(Project, order, company_id, page_size, page_token)

    def connectable_projects(
        self,
        downstream_project_id: str,
        readable_ids: set[str],
        open_to_outside_applications_only: bool,
        page_size: int,
        page_token: str,
    ) -> tuple[list[tuple[Project, Company]], str]:
        """The projects of ``readable_ids`` with their companies, by name (casefolded), then
        id: the upstreams one may choose for ``downstream_project_id``."""
        candidates = (
            select(Project, Company)
            .join(Company, Company.id == Project.company_id)
            .where(Project.id.in_(readable_ids))
        )
        if open_to_outside_applications_only:
            candidates = candidates.where(Company.outside_applications_allowed.is_(True))
        rows, token = fetch_page(
            self._session,
            candidates,
            (ascending(Project.name_sort_key), ascending(Project.id)),
            page_size=page_size,
            page_token=page_token,
            filters={"downstream": downstream_project_id},
        )
        return [(project, company) for project, company in rows], token

    def update_project(
        self, project_id: str, changes: Mapping[str, object], etag: str = ""
    ) -> Project:
        _require_updatable("project", changes, PROJECT_UPDATABLE_FIELDS)
        project = locked_at_etag(self._session, Project, "project", project_id, etag)
        _apply(self._session, project, changes, "project")
        return project

    # Users

    def create_user(
        self,
        *,
        company_id: str,
        email: str,
        display_name: str,
        company_role: str = "member",
        service_account: bool = False,
        user_id: str = "",
    ) -> User:
        """A new user of an existing company; the email must be unused."""
        _require_allowed_values("user", {"company_role": company_role})
        user = User(
            id=user_id or new_id(),
            company_id=company_id,
            email=email,
            display_name=display_name,
            company_role=company_role,
            service_account=service_account,
            **_creation_times(),
        )
        _existing(self._session, Company, "company", company_id)
        _require_unused_email(self._session, email)
        _add_new(self._session, user, "user")
        return user

    def get_user(self, user_id: str) -> User:
        return _existing(self._session, User, "user", user_id)

    def find_user(self, user_id: str) -> User | None:
        return self._session.get(User, user_id) if user_id else None

    def company_of_user(self, user_id: str) -> str:
        """The user's company, "" for a user the directory does not know."""
        return self._session.scalar(select(User.company_id).where(User.id == user_id)) or ""

    def list_users(
        self, company_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[User], str]:
        """The company's users by email (casefolded), then id; ``company_id`` empty: all."""
        order = (ascending(User.email_sort_key), ascending(User.id))
        return self._list_of_company(User, order, company_id, page_size, page_token)

    def update_user(self, user_id: str, changes: Mapping[str, object], etag: str = "") -> User:
        _require_updatable("user", changes, USER_UPDATABLE_FIELDS)
        _require_allowed_values("user", changes)
        user = locked_at_etag(self._session, User, "user", user_id, etag)
        if "email" in changes and str(changes["email"]).lower() != user.email.lower():
            _require_unused_email(self._session, str(changes["email"]))
        _apply(self._session, user, changes, "user")
        return user

    def _list_of_company(
        self,
        model: type[CompanyRowT],
        order: tuple[SortKey, ...],
        company_id: str,
        page_size: int,
        page_token: str,
    ) -> tuple[list[CompanyRowT], str]:
        statement = select(model)
        if company_id:
            _existing(self._session, Company, "company", company_id)
            statement = statement.where(model.company_id == company_id)
        return fetch_page(
            self._session,
            statement,
            order,
            page_size=page_size,
            page_token=page_token,
            filters={"company_id": company_id},
        )

    # Connection Manager grants

    def set_connection_manager_level(self, project_id: str, user_id: str, level: str) -> None:
        """Grant ``level`` (``none`` revokes) to a user, of any company, on a project."""
        _existing(self._session, Project, "project", project_id)
        _existing(self._session, User, "user", user_id)
        self._connection_manager_grants.set_level(self._session, project_id, user_id, level)

    def connection_manager_level(self, project_id: str, user_id: str) -> str:
        """The user's level, ``none`` when nothing was granted (or either is unknown)."""
        return self._connection_manager_grants.level_of(self._session, project_id, user_id)

    def connection_manager_grant(
        self, project_id: str, user_id: str
    ) -> ConnectionManagerGrant | None:
        return self._session.get(ConnectionManagerGrant, (project_id, user_id))

    def list_connection_manager_grants(
        self, project_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[ConnectionManagerGrant], str]:
        """Who holds a level on the project, in user id order."""
        _existing(self._session, Project, "project", project_id)
        return self._connection_manager_grants.list_levels(
            self._session, project_id, page_size, page_token
        )


def _existing(session: Session, model: type[RowT], kind: str, record_id: str) -> RowT:
    row = session.get(model, record_id)
    if row is None:
        raise RecordNotFound(kind, record_id)
    return row


def _creation_times() -> dict[str, datetime]:
    # One clock reading: a record that was never updated has updated_at == created_at.
    now = utcnow()
    return {"created_at": now, "updated_at": now}


def _add_new(session: Session, row: Company | Project | User, kind: str) -> None:
    if session.get(type(row), row.id) is not None:
        raise RecordConflict(kind, row.id)
    session.add(row)
    _flush_or_conflict(session, kind, row)


def _apply(
    session: Session, row: Company | Project | User, changes: Mapping[str, object], kind: str
) -> None:
    for field, value in changes.items():
        setattr(row, field, value)
    _flush_or_conflict(session, kind, row)


def _flush_or_conflict(session: Session, kind: str, row: Company | Project | User) -> None:
    # The checks above run first; this catches a concurrent twin that committed meanwhile.
    try:
        session.flush()
    except IntegrityError as error:
        if isinstance(row, User) and "email" in str(error.orig):
            raise RecordConflict(kind, row.email, "email") from error
        raise RecordConflict(kind, row.id) from error


def _require_unused_email(session: Session, email: str) -> None:
    taken = select(User.id).where(func.lower(User.email) == email.lower())
    if session.scalar(taken) is not None:
        raise RecordConflict("user", email, "email")


def _require_updatable(kind: str, changes: Mapping[str, object], allowed: frozenset[str]) -> None:
    refused = [field for field in changes if field not in allowed]
    if refused:
        raise FieldNotUpdatable(kind, refused)


def _require_allowed_values(kind: str, values: Mapping[str, object]) -> None:
    for field, value in values.items():
        allowed = ALLOWED_VALUES.get(field)
        if allowed is not None and value not in allowed:
            raise InvalidFieldValue(kind, field, value, allowed)
