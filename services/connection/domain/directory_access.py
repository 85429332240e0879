"""Who may see and change what in the directory.

- The platform identity manages everything; our own services may read everything.
- People (and integrators acting as a user) see their own company, its projects and its
  users, and projects where they hold a Connection Manager grant. Anything else answers
  NOT_FOUND with the same reason as a record that does not exist (R27).
- A company admin may change their company's approval preference and whether outside
  applications are allowed, rename, activate and deactivate its projects, and change the
  display name of its users (R33); a user may change their own display name. Emails and
  company roles are the platform's alone.
- A project's Connection Manager admin grants and revokes that tool's levels on that
  project, to users of any company (R33); anyone who may see a project reads their own grant
  there, its admins read every grant.
- A client application (integrator) sees what its user sees, except that a project whose
  company forbids outside applications answers OUTSIDE_APPLICATIONS_FORBIDDEN (R31), once
  the project is visible to the user at all (else NOT_FOUND, as for anyone).

The rules read the directory through ``DirectoryFacts`` (the store's directory repository,
or an in-memory fake in tests), each read only once a rule gets that far: R27 needs an
unknown id and a hidden one to run the same reads.
"""

from __future__ import annotations

from typing import Protocol

from shared.facts.errors import ErrorReason, NotFound, PermissionDenied
from shared.facts.identity import Principal, PrincipalKind
from shared.facts.outside_applications import (
    outside_applications_refusal,
    require_outside_applications_allowed,
)

# What a company admin may change about their own company.
COMPANY_ADMIN_FIELDS = frozenset({"approval_preference", "outside_applications_allowed"})
# What a company admin may change about their company's users, and a user about themself.
PERSON_USER_FIELDS = frozenset({"display_name"})

_NOT_FOUND_REASONS = {
    "company": ErrorReason.COMPANY_NOT_FOUND,
    "project": ErrorReason.PROJECT_NOT_FOUND,
    "user": ErrorReason.USER_NOT_FOUND,
}


class CompanyRecord(Protocol):
    @property
    def outside_applications_allowed(self) -> bool: ...


class CompanyOwned(Protocol):
    """A project or a user: the rules read which company it belongs to."""

    @property
    def company_id(self) -> str: ...


class Member(Protocol):
    @property
    def company_id(self) -> str: ...
    @property
    def company_role(self) -> str: ...


class DirectoryFacts(Protocol):
    """The directory reads the rules need."""

    def find_company(self, company_id: str) -> CompanyRecord | None: ...
    def find_project(self, project_id: str) -> CompanyOwned | None: ...
    def find_user(self, user_id: str) -> Member | None: ...
    def connection_manager_level(self, project_id: str, user_id: str) -> str: ...
    def outside_applications_allowed(self, project_id: str) -> bool: ...


def hidden(kind: str, record_id: str) -> NotFound:
    """The answer for a company, project or user that does not exist or that the caller may
    not see: the same for both (R27)."""
    return NotFound(_NOT_FOUND_REASONS[kind], f"No {kind} {record_id!r} was found.")


def sees_everything(caller: Principal) -> bool:
    return caller.kind in (PrincipalKind.PLATFORM, PrincipalKind.SERVICE)


def level_held(caller: Principal, granted: str) -> str:
    """The Connection Manager level ``caller`` holds on a project where its user was granted
    ``granted`` ("none" without a grant): the platform manages every project (R33), our own
    services only read, and a person, or a client application acting as one, holds the grant.
    """
    if caller.kind is PrincipalKind.PLATFORM:
        return "admin"
    if caller.kind is PrincipalKind.SERVICE:
        return "read_only"
    return granted


def connection_manager_admin_required(doing: str) -> PermissionDenied:
    """``doing`` says what needs the level, e.g. "Changing the distribution list"."""
    return PermissionDenied(
        ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
        f"{doing} needs the Connection Manager admin level.",
    )


class DirectoryAccess:
    def __init__(self, facts: DirectoryFacts):
        self._facts = facts

    def require_company_visible(self, caller: Principal, company_id: str) -> None:
        if sees_everything(caller):
            return
        # A person the directory does not know belongs to no company, and sees none; an
        # empty company must never read as "every company" (an empty list filter does).
        if caller.company_id and caller.company_id == company_id:
            return
        raise hidden("company", company_id)

    def company_filter_for(self, caller: Principal, requested: str) -> str:
        """The company whose projects or users a caller lists: a person, only their own."""
        if sees_everything(caller):
            return requested
        self.require_company_visible(caller, requested or caller.company_id)
        return caller.company_id

    def require_project_visible(self, caller: Principal, project_id: str) -> None:
        if sees_everything(caller):
            return
        project = self._facts.find_project(project_id)
        # R27: an unknown project is refused after the same grant lookup as a project of
        # another company, so that its NOT_FOUND runs the same statements and takes as long.
        if project is None or project.company_id != caller.company_id:
            level = self._facts.connection_manager_level(project_id, caller.user_id)
            if project is None or level == "none":
                raise hidden("project", project_id)
        self.require_outside_applications_allowed(caller, project_id)

    def level_on(self, caller: Principal, project_id: str) -> str:
        """The caller's Connection Manager level on a project it holds one on; a project it
        holds none on is hidden, and an integrator is refused where the project's company
        forbids outside applications (R31)."""
        granted = self._facts.connection_manager_level(project_id, caller.user_id)
        level = level_held(caller, granted)
        if level == "none":
            raise hidden("project", project_id)
        self.require_outside_applications_allowed(caller, project_id)
        return level

    def require_connection_manager_admin(
        self, caller: Principal, project_id: str, doing: str
    ) -> None:
        if self.level_on(caller, project_id) != "admin":
            raise connection_manager_admin_required(doing)

    def outside_application_refused(self, caller: Principal, project_id: str) -> bool:
        """True for an integrator in a project whose company forbids outside applications."""
        if caller.kind is not PrincipalKind.INTEGRATOR:
            return False
        return not self._facts.outside_applications_allowed(project_id)

    def require_outside_applications_allowed(self, caller: Principal, project_id: str) -> None:
        """R31, for a project the caller may otherwise see: integrators only where allowed."""
        if self.outside_application_refused(caller, project_id):
            raise outside_applications_refusal()

    def projects_company_filter_for(self, caller: Principal, requested: str) -> str:
        """As ``company_filter_for``, for listing a company's projects (R31 applies)."""
        company_id = self.company_filter_for(caller, requested)
        if caller.kind is PrincipalKind.INTEGRATOR:
            company = self._facts.find_company(company_id)
            if company is None:
                raise hidden("company", company_id)
            require_outside_applications_allowed(caller, company.outside_applications_allowed)
        return company_id

    def require_user_visible(self, caller: Principal, user_id: str) -> None:
        if sees_everything(caller) or caller.user_id == user_id:
            return
        user = self._facts.find_user(user_id)
        if user is not None and user.company_id == caller.company_id:
            return
        raise hidden("user", user_id)

    def require_may_update_company(
        self, caller: Principal, company_id: str, fields: set[str]
    ) -> None:
        if caller.kind is PrincipalKind.PLATFORM:
            return
        self.require_company_visible(caller, company_id)
        if not self.is_company_admin(caller, company_id):
            raise PermissionDenied(
                ErrorReason.COMPANY_ADMIN_REQUIRED,
                "Only a company admin may change company settings.",
            )
        beyond = sorted(fields - COMPANY_ADMIN_FIELDS)
        if beyond:
            raise PermissionDenied(
                ErrorReason.PLATFORM_ONLY_FIELD,
                f"Only the platform may change these company fields: {', '.join(beyond)}.",
            )

    def require_may_update_project(self, caller: Principal, project_id: str) -> None:
        """R33: a company admin of the owning company (or the platform) changes a project."""
        if caller.kind is PrincipalKind.PLATFORM:
            return
        self.require_project_visible(caller, project_id)
        project = self._facts.find_project(project_id)
        if project is None or not self.is_company_admin(caller, project.company_id):
            raise PermissionDenied(
                ErrorReason.COMPANY_ADMIN_REQUIRED,
                "Only a company admin of the owning company may change a project.",
            )

    def require_may_update_user(self, caller: Principal, user_id: str, fields: set[str]) -> None:
        """The platform changes any field; a person, a display name (their own, or as a
        company admin of the user's company)."""
        if caller.kind is PrincipalKind.PLATFORM:
            return
        self.require_user_visible(caller, user_id)
        if caller.user_id != user_id:
            user = self._facts.find_user(user_id)
            if user is None:
                raise hidden("user", user_id)
            if not self.is_company_admin(caller, user.company_id):
                raise PermissionDenied(
                    ErrorReason.COMPANY_ADMIN_REQUIRED,
                    "Only a company admin may change another user.",
                )
        beyond = sorted(fields - PERSON_USER_FIELDS)
        if beyond:
            raise PermissionDenied(
                ErrorReason.PLATFORM_ONLY_FIELD,
                f"Only the platform may change these user fields: {', '.join(beyond)}.",
            )

    def require_may_set_grant(self, caller: Principal, project_id: str) -> None:
        """R33: the project's Connection Manager admin (or the platform) grants its levels."""
        if caller.kind is PrincipalKind.PLATFORM:
            return
        self.require_project_visible(caller, project_id)
        if self._facts.connection_manager_level(project_id, caller.user_id) != "admin":
            raise PermissionDenied(
                ErrorReason.CONNECTION_MANAGER_ADMIN_REQUIRED,
                "Granting Connection Manager levels needs the admin level on the project.",
            )

    def grants_listed_for(self, caller: Principal, project_id: str) -> str:
        """Whose grants on the project the caller may list: "" for everyone's (systems and
        the project's Connection Manager admins), else the caller's own (R33)."""
        if sees_everything(caller):
            return ""
        self.require_project_visible(caller, project_id)
        if self._facts.connection_manager_level(project_id, caller.user_id) == "admin":
            return ""
        return caller.user_id

    def is_company_admin(self, caller: Principal, company_id: str) -> bool:
        if not caller.user_id:
            return False
        user = self._facts.find_user(caller.user_id)
        return (
            user is not None
            and user.company_id == company_id
            and user.company_role == "company_admin"
        )
