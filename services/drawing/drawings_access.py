"""Who may do what in a project's Drawings tool (R26), and what others may not even see (R27).

Levels, lowest first: none, read_only (sees published revisions), standard (also uploads
and adds markups), admin (also reviews, publishes, edits metadata, manages areas and sets).
The platform and the connection service act with admin rights; any other service is
refused before anything is looked up (calls go down only). Someone with no level on a
project learns nothing about it: every answer is the NOT_FOUND a missing record gets.
A client application (integrator) holds its user's level, and is refused with
OUTSIDE_APPLICATIONS_FORBIDDEN in a project whose company forbids outside applications.
"""

from __future__ import annotations

from services.drawing.domain.access_policy import CALLING_SERVICES
from services.drawing.drawings_permissions import DrawingsPermissions
from services.drawing.project_registry import ProjectRegistry
from shared.facts.errors import (
    ErrorReason,
    ErrorReasonValue,
    FailedPrecondition,
    NotFound,
    PermissionDenied,
)
from shared.facts.identity import Principal, PrincipalKind
from shared.facts.outside_applications import require_outside_applications_allowed
from shared.facts.permission_levels import PERMISSION_LEVELS
from shared.facts.project_facts import ProjectFacts
from shared.persistence.db import RecordNotFound
from shared.runtime.error_translation import record_not_found

READ_ONLY, STANDARD, ADMIN = "read_only", "standard", "admin"
# The project looked up for a record that does not exist: no project has an empty id.
NO_PROJECT = ""
# The refusal of a caller below the level a call needs.
_LEVEL_REQUIRED: dict[str, ErrorReasonValue] = {
    READ_ONLY: ErrorReason.DRAWINGS_READ_ONLY_REQUIRED,
    STANDARD: ErrorReason.DRAWINGS_STANDARD_REQUIRED,
    ADMIN: ErrorReason.DRAWINGS_ADMIN_REQUIRED,
}


def _rank(level: str) -> int:
    return PERMISSION_LEVELS.index(level)


def hidden(kind: str, record_id: str) -> NotFound:
    """The answer for a record that does not exist, or that the caller may not see."""
    return record_not_found(kind, record_id)


def refuse_other_services(caller: Principal) -> None:
    """A service that does not call this one is refused whatever it asks about (R27)."""
    if caller.kind is PrincipalKind.SERVICE and caller.subject not in CALLING_SERVICES:
        raise PermissionDenied(
            ErrorReason.PERMISSION_DENIED, "This service does not call the drawing service."
        )


class DrawingsAccess:
    def __init__(self, projects: ProjectRegistry, permissions: DrawingsPermissions):
        self._projects = projects
        self._permissions = permissions

    def level_of(self, caller: Principal, project_id: str) -> str:
        refuse_other_services(caller)
        if caller.kind in (PrincipalKind.PLATFORM, PrincipalKind.SERVICE):
            return ADMIN
        return self._permissions.level_of(project_id, caller.user_id)

    def require(
        self,
        caller: Principal,
        project_id: str,
        needed: str,
        shown_as: tuple[str, str] | None = None,
    ) -> ProjectFacts:
        """The project's facts if ``caller`` holds ``needed``; else the right refusal.

        ``shown_as`` is the (kind, id) the caller asked about, so that a record in a
        project they cannot see answers exactly like a record that does not exist.
        """
        kind, record_id = shown_as or ("project", project_id)
        refuse_other_services(caller)
        # R27: the facts and the caller's level are both looked up even for an unknown
        # project, so that it runs the same statements as a project the caller cannot see
        # and its NOT_FOUND takes as long.
        facts: ProjectFacts | None
        try:
            facts = self._projects.get_project(project_id)
        except RecordNotFound:
            facts = None
        level = self.level_of(caller, project_id)
        if facts is None or level == "none":
            raise hidden(kind, record_id)
        # Only once the caller may see the project: else NOT_FOUND above, revealing nothing.
        require_outside_applications_allowed(caller, facts.outside_applications_allowed)
        if _rank(level) < _rank(needed):
            raise PermissionDenied(
                _LEVEL_REQUIRED[needed],
                f"This needs the Drawings {needed.replace('_', ' ')} level on the project.",
            )
        return facts

    def require_to_change(
        self,
        caller: Principal,
        project_id: str,
        needed: str,
        shown_as: tuple[str, str] | None = None,
    ) -> ProjectFacts:
        """As ``require``, and the project must be active to be changed."""
        facts = self.require(caller, project_id, needed, shown_as)
        if not facts.active:
            raise FailedPrecondition(
                ErrorReason.PROJECT_INACTIVE,
                "The project is inactive; its drawings cannot be changed.",
            )
        return facts

    def refuse_unknown(self, caller: Principal, kind: str, record_id: str) -> NotFound:
        """The NOT_FOUND for a record that does not exist, after the lookups ``require``
        makes for a real one in a project the caller cannot see (R27: same statements, so
        the answer takes as long)."""
        self.require(caller, NO_PROJECT, READ_ONLY, (kind, record_id))
        return hidden(kind, record_id)  # ``require`` refuses first: no project has this id

    def sees_unpublished(self, caller: Principal, project_id: str) -> bool:
        return _rank(self.level_of(caller, project_id)) >= _rank(STANDARD)
