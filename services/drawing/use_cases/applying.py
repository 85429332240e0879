"""One upstream feed change carried into a connection's copies, as domain/applying decides."""

from __future__ import annotations

from dataclasses import dataclass

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain import applying
from services.drawing.domain.applying import MirrorKind, Step
from services.drawing.domain.copying import UNPUBLISHED_COPY, mirror_id
from services.drawing.domain.revision_states import SetConnectionState
from services.drawing.store.mirrors import Mirrors


@dataclass(frozen=True)
class PublishedMirror:
    """The area, set or drawing a publication needs downstream: the fields its mirror
    follows, and the further ones a new mirror is made with."""

    kind: MirrorKind
    upstream_id: str
    fields: dict[str, object]
    creating: dict[str, object]


def publication_mirrors(change: pb.ProjectChange, connection_id: str) -> list[PublishedMirror]:
    """The area, set and drawing mirrors a published revision needs, in that order."""
    area, drawing_set, drawing = change.drawing_area, change.drawing_set, change.drawing
    return [
        PublishedMirror(
            MirrorKind.AREA, area.id, applying.area_fields(area), {"upstream_area_id": area.id}
        ),
        PublishedMirror(
            MirrorKind.SET,
            drawing_set.id,
            applying.set_fields(drawing_set),
            {
                "upstream_set_id": drawing_set.id,
                "connection_state": SetConnectionState.CONNECTED.value,
            },
        ),
        PublishedMirror(
            MirrorKind.DRAWING,
            drawing.id,
            applying.drawing_fields(drawing),
            {
                "upstream_drawing_id": drawing.id,
                "area_id": mirror_id(connection_id, drawing.area_id),
            },
        ),
    ]


def revision_copy(
    revision: pb.DrawingRevision, connection_id: str, place: int
) -> dict[str, object]:
    """The columns of a new downstream copy of a published revision (but its id, project,
    connection and timestamps): waiting for the downstream's review, at ``place``."""
    return {
        **applying.revision_fields(revision),
        "upstream_revision_id": revision.id,
        "drawing_id": mirror_id(connection_id, revision.drawing_id),
        "drawing_sequence": place,
        "set_id": mirror_id(connection_id, revision.set_id),
        "file_sha256": revision.file_sha256,  # the same bytes (R18)
        "file_name": revision.file_name,
        **UNPUBLISHED_COPY,
    }


class ChangeApplier:
    """The downstream copies of one connection, changed as the upstream's changes say."""

    def __init__(self, mirrors: Mirrors, connection_id: str, downstream_id: str) -> None:
        self._mirrors = mirrors
        self._connection_id = connection_id
        self._downstream_id = downstream_id

    def apply(self, change: pb.ProjectChange) -> bool:
        """True when the change altered the downstream."""
        if change.kind == pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED:
            return self._published(change)
        if change.kind == pb.PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED:
            return self._revision_edited(change.revision)
        if change.kind in applying.WITHDRAWING_KINDS:
            return self._withdrawn(change.revision)
        # A drawing, set or area edit (check_batch let no other kind through).
        return self._refresh(*applying.edited_fields(change))

    def _published(self, change: pb.ProjectChange) -> bool:
        # Every step runs: each may refresh a mirror's metadata even when others exist.
        steps = [
            self._refresh(mirror.kind, mirror.upstream_id, mirror.fields, mirror.creating)
            for mirror in publication_mirrors(change, self._connection_id)
        ]
        return self._copy_revision(change.revision) or any(steps)

    def _copy_revision(self, revision: pb.DrawingRevision) -> bool:
        held = self._mirrors.held(MirrorKind.REVISION, self._id(revision.id))
        if applying.publication_step(held) is Step.SKIP:
            return False
        drawing_id = self._id(revision.drawing_id)
        place = applying.place_of(
            revision.drawing_sequence, lambda: self._mirrors.highest_place(drawing_id)
        )
        self._insert(
            MirrorKind.REVISION, revision.id, revision_copy(revision, self._connection_id, place)
        )
        return True

    def _revision_edited(self, revision: pb.DrawingRevision) -> bool:
        copy = self._mirrors.held(MirrorKind.REVISION, self._id(revision.id))
        if copy is None:
            return False
        fields = applying.revision_fields(revision)
        if applying.refresh_step(copy, fields, may_create=False) is Step.SKIP:
            return False
        self._mirrors.update(copy, fields)
        if applying.moves_current(copy):
            self._mirrors.make_newest_current(copy.drawing_id)  # the dates may reorder
        return True

    def _withdrawn(self, revision: pb.DrawingRevision) -> bool:
        copy = self._mirrors.held(MirrorKind.REVISION, self._id(revision.id))
        if copy is None or applying.withdrawal_step(copy) is Step.SKIP:
            return False
        self._mirrors.withdraw(copy)
        if applying.moves_current(copy):
            self._mirrors.make_newest_current(copy.drawing_id)
        return True

    def _refresh(
        self,
        kind: MirrorKind,
        upstream_id: str,
        fields: dict[str, object],
        creating: dict[str, object] | None = None,
    ) -> bool:
        """Update a mirror's synced fields; create it from ``creating`` when missing."""
        held = self._mirrors.held(kind, self._id(upstream_id))
        step = applying.refresh_step(held, fields, may_create=creating is not None)
        if step is Step.INSERT_COPY:
            self._insert(kind, upstream_id, {**fields, **(creating or {})})
        elif step is Step.UPDATE:
            self._mirrors.update(held, fields)
        return step is not Step.SKIP

    def _insert(self, kind: MirrorKind, upstream_id: str, fields: dict[str, object]) -> None:
        self._mirrors.insert(
            kind, self._id(upstream_id), self._downstream_id, self._connection_id, fields
        )

    def _id(self, upstream_id: str) -> str:
        return mirror_id(self._connection_id, upstream_id)
