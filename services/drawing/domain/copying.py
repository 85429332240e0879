"""The initial copy of a connection (R14, R17, R18): what it takes and how a repeat answers.

It takes every published, not withdrawn upstream revision, with the drawing, set and area
each belongs to, in one transaction. A copy's id is ``<connection id>-<upstream id>``, so a
copy is found by id, never by a lookup, and one that exists already is not made twice. A
revision arrives downstream unpublished (the downstream reviews it), in the upstream's
order (its ``drawing_sequence``), pointing at the same file bytes (by SHA-256).

The copy is all or nothing and writes the connection's cursor at the feed position it
reflects, so a cursor means the copy committed: a repeat copies nothing and answers the
cursor's position (R19).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from services.drawing.domain.revision_states import RevisionStatus
from services.drawing.domain.sync_cursors import (
    SyncCursor,
    require_connected,
    require_same_projects,
)
from shared.facts.errors import ErrorReason, FailedPrecondition

# The upstream revisions an initial copy takes: published ones, unless withdrawn.
COPIED_STATUS = RevisionStatus.PUBLISHED.value

# How every copy of a revision starts downstream, whether the initial copy or a later
# publication made it: waiting for the downstream's review, not current.
UNPUBLISHED_COPY: dict[str, object] = {
    "status": RevisionStatus.UNPUBLISHED.value,
    "reviewed": False,
    "current": False,
    "withdrawn": False,
}


def mirror_id(connection_id: str, upstream_id: str) -> str:
    """The id of the copy of an upstream row (area, set, drawing or revision)."""
    return f"{connection_id}-{upstream_id}"


class UpstreamRevision(Protocol):
    status: str
    withdrawn: bool


def taken_by_initial_copy(revision: UpstreamRevision) -> bool:
    return revision.status == COPIED_STATUS and not revision.withdrawn


class CopyStep(Enum):
    COPY = "copy"  # no cursor yet: copy now and start following at the snapshot
    ANSWER_AGAIN = "answer_again"  # copied before: answer the cursor's position


@dataclass(frozen=True)
class CopyPlan:
    step: CopyStep
    position: int  # the upstream feed sequence the downstream reflects once done


def plan_copy(
    cursor: SyncCursor | None, upstream_id: str, downstream_id: str, snapshot: int
) -> CopyPlan:
    """``snapshot`` is the upstream's feed head, taken under its lock."""
    if cursor is None:
        return CopyPlan(CopyStep.COPY, snapshot)
    require_connected(cursor)
    require_same_projects(cursor, upstream_id, downstream_id)
    return CopyPlan(CopyStep.ANSWER_AGAIN, cursor.applied_through_sequence)


def require_active_for_copy(project_id: str, active: bool) -> None:
    """Nothing is copied while either project is inactive (R21); the caller retries later."""
    if not active:
        raise FailedPrecondition(
            ErrorReason.PROJECT_INACTIVE,
            f"Project {project_id!r} is inactive; the copy waits.",
            {"project_id": project_id},
        )
