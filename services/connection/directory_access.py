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
"""

from __future__ import annotations

from services.connection.directory import Directory
from services.connection.store.models import Project
from shared.facts.errors import ErrorReason, PermissionDenied
from shared.facts.identity import Principal, PrincipalKind
from shared.facts.outside_applications import (
    outside_applications_refusal,
    require_outside_applications_allowed,
)
from shared.persistence.db import RecordNotFound

# What a company admin may change about their own company.
COMPANY_ADMIN_FIELDS = frozenset({"approval_preference", "outside_applications_allowed"})
# What a company admin may change about their company's users, and a user about themself.
PERSON_USER_FIELDS = frozenset({"display_name"})


def sees_everything(caller: Principal) -> bool:
    return caller.kind in (PrincipalKind.PLATFORM, PrincipalKind.SERVICE)


class DirectoryAccess:
    def __init__(self, directory: Directory):
        self._directory = directory

    def require_company_visible(self, caller: Principal, company_id: str) -> None:
        if sees_everything(caller):
            return
        # A person the directory does not know belongs to no company, and sees none; an
        # empty company must never read as "every company" (an empty list filter does).
        if caller.company_id and caller.company_id == company_id:
            return
        raise RecordNotFound("company", company_id)

    def company_filter_for(self, caller: Principal, requested: str) -> str:
        """The company whose projects or users a caller lists: a person, only their own."""
        if sees_everything(caller):
            return requested
        self.require_company_visible(caller, requested or caller.company_id)
        return caller.company_id

    def require_project_visible(self, caller: Principal, project_id: str) -> None:
        if sees_everything(caller):
            return
        try:
            project: Project | None = self._directory.get_project(project_id)
        except RecordNotFound:
            project = None
        # R27: an unknown project is refused after the same grant lookup as a project of
        # another company, so that its NOT_FOUND runs the same statements and takes as long.
        if project is None or project.company_id != caller.company_id:
            level = self._directory.connection_manager_level(project_id, caller.user_id)
            if project is None or level == "none":
                raise RecordNotFound("project", project_id)
        self.require_outside_applications_allowed(caller, project_id)

    def outside_application_refused(self, caller: Principal, project_id: str) -> bool:
        """True for an integrator in a project whose company forbids outside applications."""
        if caller.kind is not PrincipalKind.INTEGRATOR:
            return False
        return not self._directory.outside_applications_allowed(project_id)

    def require_outside_applications_allowed(self, caller: Principal, project_id: str) -> None:
        """R31, for a project the caller may otherwise see: integrators only where allowed."""
        if self.outside_application_refused(caller, project_id):
            raise outside_applications_refusal()

    def projects_company_filter_for(self, caller: Principal, requested: str) -> str:
        """As ``company_filter_for``, for listing a company's projects (R31 applies)."""
        company_id = self.company_filter_for(caller, requested)
        if caller.kind is PrincipalKind.INTEGRATOR:
            company = self._directory.get_company(company_id)
            require_outside_applications_allowed(caller, company.outside_applications_allowed)
        return company_id

    def require_user_visible(self, caller: Principal, user_id: str) -> None:
        if sees_everything(caller) or caller.user_id == user_id:
            return
        if self._directory.get_user(user_id).company_id == caller.company_id:
            return
        raise RecordNotFound("user", user_id)

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
        if not self.is_company_admin(caller, self._directory.get_project(project_id).company_id):
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
        if caller.user_id != user_id and not self.is_company_admin(
            caller, self._directory.get_user(user_id).company_id
        ):
            raise PermissionDenied(
                ErrorReason.COMPANY_ADMIN_REQUIRED, "Only a company admin may change another user."
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
        if self._directory.connection_manager_level(project_id, caller.user_id) != "admin":
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
        if self._directory.connection_manager_level(project_id, caller.user_id) == "admin":
            return ""
        return caller.user_id

    def is_company_admin(self, caller: Principal, company_id: str) -> bool:
        if not caller.user_id:
            return False
        try:
            user = self._directory.get_user(caller.user_id)
        except RecordNotFound:
            return False
        return user.company_id == company_id and user.company_role == "company_admin"
