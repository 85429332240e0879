"""Continuous sync (R15, R19, R20): upstream feed changes applied to a connection's copies.

A batch is applied in one transaction with the connection's cursor locked: changes at or
below the cursor are skipped, the rest must continue it without a gap, and the cursor
moves to the last one in the same commit, so every change is applied exactly once.

Mirrors are found by id (``<connection id>-<upstream id>``, as the initial copy names
them), never by a lookup. Only what the feed carries crosses: published revisions and the
synced metadata of revisions, drawings, sets and areas; never markups, custom fields or
unpublished revisions (R16). Withdrawn and deleted upstream revisions are marked withdrawn
downstream, never deleted (R20).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.api.drawing_messages import parse_date
from services.drawing.catalog import apply_changes
from services.drawing.change_batches import check_batch, unapplied
from services.drawing.connection_cursors import (
    advance,
    locked_cursor,
    require_active,
    require_connected,
    require_same_projects,
)
from services.drawing.copying import mirror_id
from services.drawing.revision_currency import make_newest_current
from services.drawing.store.models import Drawing, DrawingArea, DrawingRevision, DrawingSet
from shared.facts.errors import ErrorReason, FailedPrecondition
from shared.persistence.db import utcnow


def apply_project_changes(
    session: Session,
    connection_id: str,
    upstream_id: str,
    downstream_id: str,
    changes: Sequence[pb.ProjectChange],
) -> tuple[int, int]:
    """(the sequence now applied through, the changes that altered the downstream)."""
    check_batch(changes)
    cursor = locked_cursor(session, connection_id)
    if cursor is None:
        raise FailedPrecondition(
            ErrorReason.INITIAL_COPY_REQUIRED,
            "The connection's initial copy has not been made: copy before applying changes.",
            {"connection_id": connection_id},
        )
    require_connected(cursor)
    require_same_projects(cursor, upstream_id, downstream_id)
    require_active(session, upstream_id, downstream_id)
    to_apply = unapplied(changes, cursor.applied_through_sequence)
    mirrors = _Mirrors(session, connection_id, downstream_id)
    altered = 0
    for change in to_apply:
        if mirrors.apply(change):
            altered += 1
        # One change at a time: a drawing renumbered after another never meets a stale
        # unique (area, number) pair inside one flush.
        session.flush()
    if to_apply:
        advance(cursor, to_apply[-1].sequence)
    return cursor.applied_through_sequence, altered


def _area_fields(area: pb.DrawingArea) -> dict[str, object]:
    return {"name": area.name, "description": area.description}


def _set_fields(drawing_set: pb.DrawingSet) -> dict[str, object]:
    return {
        "name": drawing_set.name,
        "set_date": parse_date(drawing_set.set_date, "drawing_set.set_date"),
    }


def _drawing_fields(drawing: pb.Drawing) -> dict[str, object]:
    return {"number": drawing.number, "title": drawing.title, "discipline": drawing.discipline}


def _revision_fields(revision: pb.DrawingRevision) -> dict[str, object]:
    return {
        "revision_number": revision.revision_number,
        "drawing_date": parse_date(revision.drawing_date, "revision.drawing_date", True),
        "received_date": parse_date(revision.received_date, "revision.received_date"),
    }


class _Mirrors:
    """The downstream copies of one connection, changed as the upstream's changes say."""

    def __init__(self, session: Session, connection_id: str, downstream_id: str):
        self._session = session
        self._connection_id = connection_id
        self._downstream_id = downstream_id

    def apply(self, change: pb.ProjectChange) -> bool:
        """True when the change altered the downstream."""
        kind = change.kind
        if kind == pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED:
            return self._published(change)
        if kind == pb.PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED:
            return self._revision_edited(change.revision)
        if kind == pb.PROJECT_CHANGE_KIND_DRAWING_EDITED:
            return self._refresh(Drawing, change.drawing.id, _drawing_fields(change.drawing))
        if kind == pb.PROJECT_CHANGE_KIND_SET_EDITED:
            fields = _set_fields(change.drawing_set)
            return self._refresh(DrawingSet, change.drawing_set.id, fields)
        if kind == pb.PROJECT_CHANGE_KIND_AREA_EDITED:
            fields = _area_fields(change.drawing_area)
            return self._refresh(DrawingArea, change.drawing_area.id, fields)
        # REVISION_WITHDRAWN and REVISION_DELETED (check_batch let no other kind through).
        return self._withdrawn(change.revision)

    def _published(self, change: pb.ProjectChange) -> bool:
        area, drawing_set, drawing = change.drawing_area, change.drawing_set, change.drawing
        revision = change.revision
        # Every step runs: each may refresh a mirror's metadata even when others exist.
        steps = [
            self._refresh(DrawingArea, area.id, _area_fields(area), {"upstream_area_id": area.id}),
            self._refresh(
                DrawingSet,
                drawing_set.id,
                _set_fields(drawing_set),
                {"upstream_set_id": drawing_set.id, "connection_state": "connected"},
            ),
            self._refresh(
                Drawing,
                drawing.id,
                _drawing_fields(drawing),
                {"upstream_drawing_id": drawing.id, "area_id": self._id(drawing.area_id)},
            ),
            self._copy_revision(revision),
        ]
        return any(steps)

    def _copy_revision(self, revision: pb.DrawingRevision) -> bool:
        """The unpublished copy of a newly published revision, unless it exists already."""
        if self._session.get(DrawingRevision, self._id(revision.id)) is not None:
            return False  # the initial copy (or an earlier apply) made it
        self._create(
            DrawingRevision,
            revision.id,
            {
                **_revision_fields(revision),
                "upstream_revision_id": revision.id,
                "drawing_id": self._id(revision.drawing_id),
                "drawing_sequence": self._place_of(revision),  # the upstream's order (R17)
                "set_id": self._id(revision.set_id),
                "file_sha256": revision.file_sha256,  # the same bytes (R18)
                "file_name": revision.file_name,
                "status": "unpublished",
                "reviewed": False,
                "current": False,
                "withdrawn": False,
            },
        )
        return True

    def _place_of(self, revision: pb.DrawingRevision) -> int:
        """The upstream's drawing_sequence; changes recorded before it existed carry 0, and
        such a copy goes after the copies already here."""
        if revision.drawing_sequence:
            return revision.drawing_sequence
        highest = self._session.scalar(
            select(func.max(DrawingRevision.drawing_sequence)).where(
                DrawingRevision.drawing_id == self._id(revision.drawing_id)
            )
        )
        return int(highest or 0) + 1

    def _revision_edited(self, revision: pb.DrawingRevision) -> bool:
        copy = self._session.get(DrawingRevision, self._id(revision.id))
        if copy is None or not apply_changes(copy, _revision_fields(revision)):
            return False
        if copy.status == "published":
            self._session.flush()
            make_newest_current(self._session, copy.drawing_id)  # the dates may reorder
        return True

    def _withdrawn(self, revision: pb.DrawingRevision) -> bool:
        copy = self._session.get(DrawingRevision, self._id(revision.id))
        if copy is None or copy.withdrawn:
            return False
        copy.withdrawn = True
        copy.current = False
        copy.updated_at = utcnow()
        self._session.flush()
        if copy.status == "published":
            make_newest_current(self._session, copy.drawing_id)
        return True

    def _refresh(
        self,
        model: type[Any],
        upstream_id: str,
        fields: dict[str, object],
        creating: dict[str, object] | None = None,
    ) -> bool:
        """Update a mirror's synced fields; create it from ``creating`` when missing."""
        mirror = self._session.get(model, self._id(upstream_id))
        if mirror is not None:
            return apply_changes(mirror, fields)
        if creating is None:
            return False  # nothing of it was ever copied: nothing to follow
        self._create(model, upstream_id, {**fields, **creating})
        return True

    def _create(self, model: type[Any], upstream_id: str, fields: dict[str, object]) -> None:
        now = utcnow()
        self._session.add(
            model(
                id=self._id(upstream_id),
                project_id=self._downstream_id,
                connection_id=self._connection_id,
                created_at=now,
                updated_at=now,
                **fields,
            )
        )
        self._session.flush()

    def _id(self, upstream_id: str) -> str:
        return mirror_id(self._connection_id, upstream_id)
