"""Continuous sync (R15, R16, R19, R20): what one upstream feed change does downstream.

Each decision looks at the change and at what the downstream holds — the copy (mirror) of
the upstream row, found by id, or None — and says what to do: insert a copy, update its
synced fields, mark it withdrawn, or skip (a replay the copies already reflect, or a row
never copied, so nothing to follow). Only what the feed carries crosses: published
revisions and the synced metadata of revisions, drawings, sets and areas; never markups,
custom fields or unpublished revisions (R16). Withdrawn and deleted upstream revisions are
marked withdrawn downstream, never deleted (R20).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain.dates import parse_date
from services.drawing.domain.revision_states import is_published


class MirrorKind(Enum):
    AREA = "area"
    SET = "set"
    DRAWING = "drawing"
    REVISION = "revision"


class Step(Enum):
    INSERT_COPY = "insert_copy"
    UPDATE = "update"
    WITHDRAW = "withdraw"
    SKIP = "skip"


# The kinds that carry a revision the upstream withdrew or deleted (R20).
WITHDRAWING_KINDS = (
    pb.PROJECT_CHANGE_KIND_REVISION_WITHDRAWN,
    pb.PROJECT_CHANGE_KIND_REVISION_DELETED,
)

# The metadata edits and the mirror each one follows (nothing is created for them).
EDITED_KINDS: dict[int, MirrorKind] = {
    pb.PROJECT_CHANGE_KIND_DRAWING_EDITED: MirrorKind.DRAWING,
    pb.PROJECT_CHANGE_KIND_SET_EDITED: MirrorKind.SET,
    pb.PROJECT_CHANGE_KIND_AREA_EDITED: MirrorKind.AREA,
}


def area_fields(area: pb.DrawingArea) -> dict[str, object]:
    return {"name": area.name, "description": area.description}


def set_fields(drawing_set: pb.DrawingSet) -> dict[str, object]:
    return {
        "name": drawing_set.name,
        "set_date": parse_date(drawing_set.set_date, "drawing_set.set_date"),
    }


def drawing_fields(drawing: pb.Drawing) -> dict[str, object]:
    return {"number": drawing.number, "title": drawing.title, "discipline": drawing.discipline}


def revision_fields(revision: pb.DrawingRevision) -> dict[str, object]:
    return {
        "revision_number": revision.revision_number,
        "drawing_date": parse_date(revision.drawing_date, "revision.drawing_date", True),
        "received_date": parse_date(revision.received_date, "revision.received_date"),
    }


# The fields a mirror of each kind follows (what ``refresh_step`` compares).
SYNCED_FIELDS: dict[MirrorKind, tuple[str, ...]] = {
    MirrorKind.AREA: ("name", "description"),
    MirrorKind.SET: ("name", "set_date"),
    MirrorKind.DRAWING: ("number", "title", "discipline"),
    MirrorKind.REVISION: ("revision_number", "drawing_date", "received_date"),
}


def takes_set_based(change: pb.ProjectChange) -> bool:
    """A change a batch for many connections applies set-based: a publication. Edits and
    withdrawals are applied one at a time."""
    return change.kind == pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED


def edited_fields(change: pb.ProjectChange) -> tuple[MirrorKind, str, dict[str, object]]:
    """The mirror a metadata edit (of a drawing, set or area) follows, and its new fields."""
    kind = EDITED_KINDS[change.kind]
    if kind is MirrorKind.DRAWING:
        return kind, change.drawing.id, drawing_fields(change.drawing)
    if kind is MirrorKind.SET:
        return kind, change.drawing_set.id, set_fields(change.drawing_set)
    return kind, change.drawing_area.id, area_fields(change.drawing_area)


def differing(held: Any, fields: Mapping[str, object]) -> dict[str, object]:
    """The synced fields whose upstream value the copy does not hold yet."""
    return {field: value for field, value in fields.items() if getattr(held, field) != value}


def refresh_step(held: Any | None, fields: Mapping[str, object], may_create: bool) -> Step:
    """A mirror follows its upstream row's synced fields. A publication creates the
    copies it needs; an edit of a row that was never copied has nothing to follow."""
    if held is None:
        return Step.INSERT_COPY if may_create else Step.SKIP
    return Step.UPDATE if differing(held, fields) else Step.SKIP


def publication_step(held_copy: Any | None) -> Step:
    """A newly published upstream revision gets its unpublished copy, once: the initial
    copy or an earlier apply may have made it already."""
    return Step.SKIP if held_copy is not None else Step.INSERT_COPY


def withdrawal_step(held_copy: Any | None) -> Step:
    if held_copy is None or held_copy.withdrawn:
        return Step.SKIP
    return Step.WITHDRAW


def moves_current(copy: Any) -> bool:
    """A change to a copy the downstream has published may change which one is current."""
    return is_published(copy.status)


def place_of(upstream_place: int, highest_held: Callable[[], int]) -> int:
    """Where a new copy goes in its drawing's order: the upstream's place (R17). Changes
    recorded before places existed carry 0: such a copy goes after the copies held."""
    return upstream_place or highest_held() + 1
