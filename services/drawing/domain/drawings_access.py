"""Who may do what in a project's Drawings tool (R26), and what others may not even see (R27).

Levels, lowest first: none, read_only (sees published revisions), standard (also uploads
and adds markups), admin (also reviews, publishes, edits metadata, manages areas and sets).
The platform and the connection service act with admin rights; any other service is
refused before anything is looked up (calls go down only). Someone with no level on a
project learns nothing about it: every answer is the NOT_FOUND a missing record gets.
A client application (integrator) holds its user's level, and is refused with
OUTSIDE_APPLICATIONS_FORBIDDEN in a project whose company forbids outside applications.

Plain rules over what was looked up: the use cases fetch the project's facts and the
caller's grant (use_cases/access.py) and ask these functions for the answer.
"""

from __future__ import annotations

from services.drawing.domain.access_policy import CALLING_SERVICES
from shared.facts.errors import (
    ErrorReason,
    ErrorReasonValue,
    FailedPrecondition,
    NotFound,
    PermissionDenied,
)
from shared.facts.identity import Principal, PrincipalKind
from shared.facts.outside_applications import require_outside_applications_allowed
from shared.facts.permission_levels import NO_ACCESS, PERMISSION_LEVELS
from shared.facts.project_facts import ProjectFacts

READ_ONLY, STANDARD, ADMIN = "read_only", "standard", "admin"
# The project looked up for a record that does not exist: no project has an empty id.
NO_PROJECT = ""
# The refusal of a caller below the level a call needs.
_LEVEL_REQUIRED: dict[str, ErrorReasonValue] = {
    READ_ONLY: ErrorReason.DRAWINGS_READ_ONLY_REQUIRED,
    STANDARD: ErrorReason.DRAWINGS_STANDARD_REQUIRED,
    ADMIN: ErrorReason.DRAWINGS_ADMIN_REQUIRED,
}
# The NOT_FOUND reason of each kind of record the drawing service answers about.
_NOT_FOUND_REASONS: dict[str, ErrorReasonValue] = {
    "project": ErrorReason.PROJECT_NOT_FOUND,
    "drawing_area": ErrorReason.DRAWING_AREA_NOT_FOUND,
    "drawing_set": ErrorReason.DRAWING_SET_NOT_FOUND,
    "drawing": ErrorReason.DRAWING_NOT_FOUND,
    "revision": ErrorReason.REVISION_NOT_FOUND,
    "drawing_upload": ErrorReason.DRAWING_UPLOAD_NOT_FOUND,
}


def _rank(level: str) -> int:
    return PERMISSION_LEVELS.index(level)


def hidden(kind: str, record_id: str) -> NotFound:
    """The answer for a record that does not exist, or that the caller may not see."""
    return NotFound(
        _NOT_FOUND_REASONS[kind], f"No {kind.replace('_', ' ')} {record_id!r} was found."
    )


def refuse_other_services(caller: Principal) -> None:
    """A service that does not call this one is refused whatever it asks about (R27)."""
    if caller.kind is PrincipalKind.SERVICE and caller.subject not in CALLING_SERVICES:
        raise PermissionDenied(
            ErrorReason.PERMISSION_DENIED, "This service does not call the drawing service."
        )


def level_by_role(caller: Principal) -> str | None:
    """The level the caller holds everywhere by what it is, or None: a person's (or their
    application's) level is their grant on the project."""
    refuse_other_services(caller)
    if caller.kind in (PrincipalKind.PLATFORM, PrincipalKind.SERVICE):
        return ADMIN
    return None


def require_level(
    caller: Principal,
    facts: ProjectFacts | None,
    level: str,
    needed: str,
    shown_as: tuple[str, str],
) -> ProjectFacts:
    """The project's facts if ``caller``, holding ``level`` there, may act at ``needed``.

    ``facts`` is None for a project that does not exist; ``shown_as`` is the (kind, id)
    the caller asked about, so that a record in a project they cannot see answers exactly
    like a record that does not exist.
    """
    if facts is None or level == NO_ACCESS:
        raise hidden(*shown_as)
    # Only once the caller may see the project: else NOT_FOUND above, revealing nothing.
    require_outside_applications_allowed(caller, facts.outside_applications_allowed)
    if _rank(level) < _rank(needed):
        raise PermissionDenied(
            _LEVEL_REQUIRED[needed],
            f"This needs the Drawings {needed.replace('_', ' ')} level on the project.",
        )
    return facts


def require_active(facts: ProjectFacts) -> None:
    """Only an active project's drawings change; access is managed on inactive ones too."""
    if not facts.active:
        raise FailedPrecondition(
            ErrorReason.PROJECT_INACTIVE,
            "The project is inactive; its drawings cannot be changed.",
        )


def sees_unpublished(level: str) -> bool:
    """Unpublished revisions (and uploads) are for standard users and above."""
    return _rank(level) >= _rank(STANDARD)
