"""Access checks as the use cases make them: look up the project and the caller's grant in
the open unit of work, then let the domain's rules (domain/drawings_access.py) decide.

R27: the facts and the caller's level are both looked up even for an unknown project or
record, so that it runs the same statements as one the caller cannot see, and its
NOT_FOUND takes as long. A Get of a revision reads all of it in one statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Row

from services.drawing.domain.drawings_access import (
    NO_PROJECT,
    READ_ONLY,
    hidden,
    level_by_role,
    refuse_other_services,
    require_active,
    require_level,
    sees_unpublished,
)
from services.drawing.domain.revision_states import is_published
from services.drawing.store import revision_reads
from services.drawing.store.models import DrawingRevision
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from shared.facts.identity import Principal
from shared.facts.permission_levels import NO_ACCESS
from shared.facts.project_facts import ProjectFacts


class _ProjectRecord(Protocol):
    @property
    def project_id(self) -> str: ...


RecordT = TypeVar("RecordT", bound=_ProjectRecord)


def level_of(uow: DrawingUnitOfWork, caller: Principal, project_id: str) -> str:
    by_role = level_by_role(caller)
    if by_role is not None:
        return by_role
    return uow.grants.level_of(project_id, caller.user_id)


def require(
    uow: DrawingUnitOfWork,
    caller: Principal,
    project_id: str,
    needed: str,
    shown_as: tuple[str, str] | None = None,
) -> ProjectFacts:
    """The project's facts if ``caller`` holds ``needed`` on it; else the right refusal."""
    return require_with_level(uow, caller, project_id, needed, shown_as)[0]


def require_with_level(
    uow: DrawingUnitOfWork,
    caller: Principal,
    project_id: str,
    needed: str,
    shown_as: tuple[str, str] | None = None,
) -> tuple[ProjectFacts, str]:
    """As ``require``, with the level the caller holds there."""
    refuse_other_services(caller)
    by_role = level_by_role(caller)
    if by_role is None:  # a person: the facts and their grant in one statement
        facts, level = uow.projects.with_level_of(project_id, caller.user_id)
    else:
        facts, level = uow.projects.get(project_id), by_role
    shown = shown_as or ("project", project_id)
    return require_level(caller, facts, level, needed, shown), level


def require_to_change(
    uow: DrawingUnitOfWork,
    caller: Principal,
    project_id: str,
    needed: str,
    shown_as: tuple[str, str] | None = None,
) -> None:
    """As ``require``, and the project must be active to be changed."""
    require_active(require(uow, caller, project_id, needed, shown_as))


def visible(
    uow: DrawingUnitOfWork,
    caller: Principal,
    kind: str,
    record_id: str,
    find: Callable[[str], RecordT | None],
) -> RecordT:
    """A record the caller may read; NOT_FOUND alike for missing and hidden ones."""
    refuse_other_services(caller)
    record = find(record_id)
    project_id = record.project_id if record is not None else NO_PROJECT
    require(uow, caller, project_id, READ_ONLY, (kind, record_id))
    if record is None:  # ``require`` refused already: no project has an empty id
        raise hidden(kind, record_id)
    return record


def caller_sees_unpublished(uow: DrawingUnitOfWork, caller: Principal, project_id: str) -> bool:
    return sees_unpublished(level_of(uow, caller, project_id))


class _RevisionRecord(_ProjectRecord, Protocol):
    @property
    def status(self) -> str: ...


RevisionT = TypeVar("RevisionT", bound=_RevisionRecord)


def _seen_revision(
    uow: DrawingUnitOfWork,
    caller: Principal,
    revision_id: str,
    find: Callable[[str], RevisionT | None],
) -> RevisionT:
    """A revision the caller may read; unpublished ones need standard (R26)."""
    revision = visible(uow, caller, "revision", revision_id, find)
    if not is_published(revision.status) and not caller_sees_unpublished(
        uow, caller, revision.project_id
    ):
        raise hidden("revision", revision_id)
    return revision


def readable_revision(uow: DrawingUnitOfWork, caller: Principal, revision_id: str) -> Row[Any]:
    """As ``visible_revision`` at read-only, answering the row a reply is built from: the
    revision, its project's facts and the caller's grant, read in one statement.

    R27: a missing revision, one in a project the caller cannot see, and an unpublished one
    asked for by a read-only caller run that same one statement and answer the same
    NOT_FOUND."""
    by_role = level_by_role(caller)  # refuses another service before any lookup
    row = revision_reads.revision_with_access(uow.session, revision_id, caller.user_id)
    shown = ("revision", revision_id)
    if row is None:
        raise hidden(*shown)
    level = by_role or row.level_ or NO_ACCESS
    require_level(caller, revision_reads.project_facts_of(row), level, READ_ONLY, shown)
    if not is_published(row.status) and not sees_unpublished(level):
        raise hidden(*shown)
    return row


def visible_revision(
    uow: DrawingUnitOfWork, caller: Principal, revision_id: str, needed: str = READ_ONLY
) -> DrawingRevision:
    """A revision the caller may see at ``needed``; unpublished ones need standard (R26)."""
    revision = _seen_revision(uow, caller, revision_id, uow.revisions.get)
    if needed != READ_ONLY:
        require_to_change(uow, caller, revision.project_id, needed, ("revision", revision_id))
    return revision
