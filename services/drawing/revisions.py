"""Drawing revisions: import from uploads, review, publish, current/obsolete, withdraw, delete.

Everything runs inside the caller's transaction. What a connection must carry (a revision
published; metadata of a published revision edited; a published revision withdrawn or
deleted) is appended to the project's change feed in that same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.api import drawing_messages as messages
from services.drawing.catalog import apply_changes, existing
from services.drawing.change_feed import ChangeFeed
from services.drawing.revision_currency import make_newest_current, outdated_ids, published_of
from services.drawing.store.models import (
    CustomField,
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    DrawingUpload,
    DrawingUploadImport,
    Markup,
    StoredFile,
    Upload,
)
from shared.facts.errors import (
    ErrorReason,
    ErrorReasonValue,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from shared.persistence.db import new_id, utcnow

MAX_IMPORTS = 100


@dataclass(frozen=True)
class RevisionImport:
    """One checked entry of a drawing upload's ``drawing_log_imports``."""

    upload_uuid: str
    drawing_id: str
    drawing_date: date
    received_date: date | None
    revision_number: str


def _next_sequence(session: Session, sequences: dict[str, int], drawing_id: str) -> int:
    """The next place among the drawing's revisions: upload order, kept by copies (R17)."""
    if drawing_id not in sequences:
        sequences[drawing_id] = int(
            session.scalar(
                select(func.coalesce(func.max(DrawingRevision.drawing_sequence), 0)).where(
                    DrawingRevision.drawing_id == drawing_id
                )
            )
            or 0
        )
    sequences[drawing_id] += 1
    return sequences[drawing_id]


def _refuse(
    reason: ErrorReasonValue, message: str, revision_id: str = "", **extra: str
) -> FailedPrecondition:
    metadata = {"revision_id": revision_id, **extra} if revision_id else dict(extra)
    return FailedPrecondition(reason, message, metadata)


def refuse_if_copy(revision: DrawingRevision) -> None:
    if revision.connection_id is not None:
        raise _refuse(
            ErrorReason.CONNECTED_CONTENT_READ_ONLY,
            "This revision is a connected copy: it follows its upstream project.",
            revision.id,
        )


class Revisions:
    def __init__(self, feed: ChangeFeed):
        self._feed = feed

    # Reading

    def message(self, session: Session, revision: DrawingRevision) -> pb.DrawingRevision:
        return self.messages(session, [revision])[0]

    def messages(
        self, session: Session, revisions: Iterable[DrawingRevision]
    ) -> list[pb.DrawingRevision]:
        rows = list(revisions)
        outdated = outdated_ids(session, rows)  # one query for the whole page
        return [self._message(session, revision, revision.id in outdated) for revision in rows]

    @staticmethod
    def _message(session: Session, revision: DrawingRevision, outdated: bool) -> pb.DrawingRevision:
        drawing = session.get(Drawing, revision.drawing_id)
        stored = session.get(StoredFile, revision.file_sha256)
        area_id = drawing.area_id if drawing else ""
        return messages.revision_message(revision, area_id, stored, outdated)

    # Importing uploaded files (R28)

    def queue_uploads(
        self,
        session: Session,
        project_id: str,
        area: DrawingArea,
        drawing_set: DrawingSet,
        imports: Sequence[RevisionImport],
        created_by: str,
    ) -> DrawingUpload:
        """A drawing upload IN_QUEUE, after every check that needs no file work.

        Its uploads are taken at once (a second drawing upload of them is refused); the
        processing round turns the imports into revisions later (``create_revisions``).
        """
        if drawing_set.connection_state != "not_connected":
            raise _refuse(
                ErrorReason.CONNECTED_CONTENT_READ_ONLY,
                "Files cannot be uploaded into a connected drawing set.",
            )
        now = utcnow()
        batch = DrawingUpload(
            id=new_id(),
            project_id=project_id,
            area_id=area.id,
            set_id=drawing_set.id,
            status="in_queue",
            error_message="",
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        session.add(batch)
        session.flush()
        for position, wanted in enumerate(imports):
            upload = self._usable_upload(session, project_id, wanted.upload_uuid)
            drawing = session.get(Drawing, wanted.drawing_id)
            if drawing is None or drawing.project_id != project_id:
                raise NotFound(
                    ErrorReason.DRAWING_NOT_FOUND, f"No drawing {wanted.drawing_id!r} was found."
                )
            if drawing.connection_id is not None:
                # R17: a connected drawing takes revisions from its upstream alone, whatever
                # set the upload names; its own would outrank newer upstream copies.
                raise _refuse(
                    ErrorReason.CONNECTED_CONTENT_READ_ONLY,
                    f"Drawing {drawing.number} is connected: its revisions come from the "
                    "upstream project only.",
                    drawing_id=drawing.id,
                )
            if drawing.area_id != area.id:
                raise InvalidArgument(
                    ErrorReason.DRAWING_NOT_IN_AREA,
                    f"Drawing {drawing.number} is not in the drawing area of this upload.",
                    {"drawing_id": drawing.id},
                )
            upload.drawing_upload_id = batch.id  # an upload becomes one revision, once
            session.add(
                DrawingUploadImport(
                    drawing_upload_id=batch.id,
                    position=position,
                    upload_uuid=wanted.upload_uuid,
                    drawing_id=drawing.id,
                    drawing_date=wanted.drawing_date,
                    received_date=wanted.received_date,
                    revision_number=wanted.revision_number,
                    revision_id=None,
                    failure_reason="",
                    failure_message="",
                )
            )
        session.flush()
        return batch

    @staticmethod
    def create_revisions(
        session: Session, batch: DrawingUpload, imports: Sequence[DrawingUploadImport]
    ) -> list[DrawingRevision]:
        """One unpublished revision per import, in the imports' order, each noted on it."""
        now = utcnow()
        created = []
        sequences: dict[str, int] = {}  # drawing id -> the last drawing_sequence handed out
        # Uploads to the same drawings take turns (rows locked in id order, so two uploads
        # never wait on each other), and no two revisions of a drawing share a place.
        session.execute(
            select(Drawing.id)
            .where(Drawing.id.in_({wanted.drawing_id for wanted in imports}))
            .order_by(Drawing.id)
            .with_for_update()
        )
        for wanted in imports:
            upload = session.get(Upload, wanted.upload_uuid)
            assert upload is not None and upload.file_sha256 is not None
            revision = DrawingRevision(
                id=new_id(),
                project_id=batch.project_id,
                drawing_id=wanted.drawing_id,
                set_id=batch.set_id,
                revision_number=wanted.revision_number,
                drawing_date=wanted.drawing_date,
                drawing_sequence=_next_sequence(session, sequences, wanted.drawing_id),
                received_date=wanted.received_date,
                file_sha256=upload.file_sha256,
                file_name=upload.response_filename,
                status="unpublished",
                reviewed=False,
                current=False,
                withdrawn=False,
                drawing_upload_id=batch.id,
                created_at=now,
                updated_at=now,
            )
            session.add(revision)
            wanted.revision_id = revision.id
            created.append(revision)
        session.flush()
        return created

    @staticmethod
    def _usable_upload(session: Session, project_id: str, uuid: str) -> Upload:
        upload = session.get(Upload, uuid)
        if upload is None or upload.project_id != project_id:
            raise NotFound(ErrorReason.UPLOAD_NOT_FOUND, f"No upload {uuid!r} was found.")
        if upload.drawing_upload_id is not None:
            raise _refuse(
                ErrorReason.UPLOAD_ALREADY_USED,
                "This upload was already imported as a revision.",
                upload_uuid=uuid,
            )
        if upload.file_sha256 is None:
            if upload.expires_at <= utcnow():
                raise _refuse(
                    ErrorReason.UPLOAD_EXPIRED,
                    "The upload expired before its file arrived.",
                    upload_uuid=uuid,
                )
            raise _refuse(
                ErrorReason.UPLOAD_NOT_RECEIVED,
                "The file of this upload was not POSTed to the storage endpoint yet.",
                upload_uuid=uuid,
            )
        return upload

    # Review and publish

    def confirm(
        self, session: Session, project_id: str, revision_ids: Sequence[str]
    ) -> list[DrawingRevision]:
        revisions = self._of_project(session, project_id, revision_ids)
        for revision in revisions:
            if revision.status == "unpublished" and not revision.reviewed:
                revision.reviewed = True
                revision.updated_at = utcnow()
        session.flush()
        return revisions

    def publish(
        self, session: Session, drawing_set: DrawingSet, revision_ids: Sequence[str]
    ) -> list[DrawingRevision]:
        if revision_ids:
            chosen = [existing(session, DrawingRevision, "revision", rid) for rid in revision_ids]
            for revision in chosen:
                if revision.set_id != drawing_set.id:
                    raise InvalidArgument(
                        ErrorReason.REVISION_NOT_IN_SET,
                        "Only revisions of the named set can be published with it.",
                        {"revision_id": revision.id},
                    )
        else:
            chosen = list(
                session.scalars(
                    select(DrawingRevision).where(
                        DrawingRevision.set_id == drawing_set.id,
                        DrawingRevision.status == "unpublished",
                        DrawingRevision.reviewed.is_(True),
                        DrawingRevision.withdrawn.is_(False),
                    )
                )
            )
        to_publish = [revision for revision in chosen if revision.status == "unpublished"]
        for revision in to_publish:
            if revision.withdrawn:
                raise _refuse(
                    ErrorReason.REVISION_WITHDRAWN,
                    "A withdrawn revision cannot be published.",
                    revision.id,
                )
            if not revision.reviewed:
                raise _refuse(
                    ErrorReason.REVISION_NOT_REVIEWED,
                    "Review (confirm) a revision before publishing it.",
                    revision.id,
                )
        now = utcnow()
        for revision in to_publish:
            revision.status = "published"
            revision.published_at = now
            revision.updated_at = now
        session.flush()
        for drawing_id in {revision.drawing_id for revision in to_publish}:
            make_newest_current(session, drawing_id)
        for revision in sorted(to_publish, key=lambda r: (r.drawing_date, r.created_at)):
            self._record(session, revision, pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED, full=True)
        return chosen

    def set_current(self, session: Session, revision: DrawingRevision) -> DrawingRevision:
        self._require_published(revision)
        if revision.withdrawn:
            raise _refuse(
                ErrorReason.REVISION_WITHDRAWN,
                "A withdrawn revision cannot be current.",
                revision.id,
            )
        for sibling in published_of(session, revision.drawing_id):
            sibling.current = sibling.id == revision.id
        revision.updated_at = utcnow()
        session.flush()
        return revision

    # Editing, withdrawing, deleting

    def update(
        self, session: Session, revision: DrawingRevision, changes: Mapping[str, object]
    ) -> DrawingRevision:
        refuse_if_copy(revision)
        if apply_changes(revision, changes):
            session.flush()
            if revision.status == "published":
                make_newest_current(session, revision.drawing_id)
                self._record(session, revision, pb.PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED)
        return revision

    def withdraw(self, session: Session, revision: DrawingRevision) -> DrawingRevision:
        refuse_if_copy(revision)
        self._require_published(revision)
        if revision.withdrawn:
            return revision
        revision.withdrawn = True
        revision.current = False
        revision.updated_at = utcnow()
        session.flush()
        make_newest_current(session, revision.drawing_id)
        self._record(session, revision, pb.PROJECT_CHANGE_KIND_REVISION_WITHDRAWN)
        return revision

    def delete(self, session: Session, revision: DrawingRevision) -> None:
        refuse_if_copy(revision)
        if revision.status == "published":
            self._record(session, revision, pb.PROJECT_CHANGE_KIND_REVISION_DELETED)
        session.execute(delete(Markup).where(Markup.revision_id == revision.id))
        session.execute(delete(CustomField).where(CustomField.revision_id == revision.id))
        drawing_id = revision.drawing_id
        session.delete(revision)
        session.flush()
        make_newest_current(session, drawing_id)

    # Helpers

    def _record(
        self, session: Session, revision: DrawingRevision, kind: int, full: bool = False
    ) -> None:
        """Append a feed entry; a publication carries its drawing, set and area too."""
        change = pb.ProjectChange(kind=kind, revision=self.message(session, revision))  # type: ignore[arg-type]
        if full:
            drawing = session.get(Drawing, revision.drawing_id)
            drawing_set = session.get(DrawingSet, revision.set_id)
            assert drawing is not None and drawing_set is not None
            area = session.get(DrawingArea, drawing.area_id)
            assert area is not None
            change.drawing.CopyFrom(messages.drawing_message(drawing))
            change.drawing_set.CopyFrom(messages.set_message(drawing_set))
            change.drawing_area.CopyFrom(messages.area_message(area))
        self._feed.append(session, revision.project_id, change)

    @staticmethod
    def _require_published(revision: DrawingRevision) -> None:
        if revision.status != "published":
            raise _refuse(
                ErrorReason.REVISION_NOT_PUBLISHED,
                "Only a published revision can be that.",
                revision.id,
            )

    @staticmethod
    def _of_project(
        session: Session, project_id: str, revision_ids: Sequence[str]
    ) -> list[DrawingRevision]:
        found = []
        for revision_id in revision_ids:
            revision = session.get(DrawingRevision, revision_id)
            if revision is None or revision.project_id != project_id:
                raise InvalidArgument(
                    ErrorReason.REVISION_NOT_IN_PROJECT,
                    f"Revision {revision_id!r} is not a revision of this project.",
                    {"revision_id": revision_id},
                )
            found.append(revision)
        return found
