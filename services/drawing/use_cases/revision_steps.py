"""Drawing revisions: import from uploads, review, publish, current/obsolete, withdraw, delete.

Everything runs inside the caller's transaction. What a connection must carry (a revision
published; metadata of a published revision edited; a published revision withdrawn or
deleted) is appended to the project's change feed in that same transaction. What may
happen to a revision, and when it is refused, is ``domain/revision_rules.py``'s to say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain import currency, revision_rules
from services.drawing.domain.revision_rules import DrawingPlaces
from services.drawing.domain.revision_states import DrawingUploadStatus, RevisionStatus
from services.drawing.store import resource_messages as messages
from services.drawing.store.change_feed import ChangeFeed
from services.drawing.store.models import (
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    DrawingUpload,
    DrawingUploadImport,
)
from services.drawing.store.revision_currency import (
    make_newest_current,
    make_newest_current_of,
    outdated_ids,
    published_of,
)
from services.drawing.store.revision_repository import RevisionRepository
from services.drawing.use_cases.catalog_steps import apply_changes
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


def refuse_if_copy(revision: DrawingRevision) -> None:
    revision_rules.refuse_if_copy(revision)


class Revisions:
    def __init__(self, feed: ChangeFeed, *, files_checked_at_claim: bool = False):
        self._feed = feed
        # True with the S3 store: uploaded files are found and checked by the processing
        # round, not by the storage endpoint before CreateDrawingUpload.
        self._files_checked_at_claim = files_checked_at_claim

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
        stored = RevisionRepository(session)
        drawing = stored.drawing(revision.drawing_id)
        stored_file = stored.stored_file(revision.file_sha256)
        area_id = drawing.area_id if drawing else ""
        return messages.revision_message(revision, area_id, stored_file, outdated)

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
        revision_rules.require_set_takes_uploads(drawing_set.connection_state)
        stored = RevisionRepository(session)
        now = utcnow()
        batch = DrawingUpload(
            id=new_id(),
            project_id=project_id,
            area_id=area.id,
            set_id=drawing_set.id,
            status=DrawingUploadStatus.IN_QUEUE.value,
            error_message="",
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        stored.add(batch)
        session.flush()
        for position, wanted in enumerate(imports):
            upload = revision_rules.require_usable_upload(
                stored.upload(wanted.upload_uuid),
                project_id,
                wanted.upload_uuid,
                utcnow(),
                checked_at_claim=self._files_checked_at_claim,
            )
            drawing = revision_rules.require_takes_import(
                stored.drawing(wanted.drawing_id), project_id, area.id, wanted.drawing_id
            )
            upload.drawing_upload_id = batch.id  # an upload becomes one revision, once
            stored.add(
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
        stored = RevisionRepository(session)
        now = utcnow()
        created = []
        places = DrawingPlaces(stored.highest_place)
        stored.lock_drawings({wanted.drawing_id for wanted in imports})
        for wanted in imports:
            upload = stored.upload(wanted.upload_uuid)
            assert upload is not None and upload.file_sha256 is not None
            revision = DrawingRevision(
                id=new_id(),
                project_id=batch.project_id,
                drawing_id=wanted.drawing_id,
                set_id=batch.set_id,
                revision_number=wanted.revision_number,
                drawing_date=wanted.drawing_date,
                drawing_sequence=places.next(wanted.drawing_id),
                received_date=wanted.received_date,
                file_sha256=upload.file_sha256,
                file_name=upload.response_filename,
                status=RevisionStatus.UNPUBLISHED.value,
                reviewed=False,
                current=False,
                withdrawn=False,
                drawing_upload_id=batch.id,
                created_at=now,
                updated_at=now,
            )
            stored.add(revision)
            wanted.revision_id = revision.id
            created.append(revision)
        session.flush()
        return created

    # Review and publish

    def confirm(
        self, session: Session, project_id: str, revision_ids: Sequence[str]
    ) -> list[DrawingRevision]:
        revisions = self._of_project(session, project_id, revision_ids)
        for revision in revisions:
            revision_rules.confirm(revision, utcnow())
        session.flush()
        return revisions

    def publish(
        self, session: Session, drawing_set: DrawingSet, revision_ids: Sequence[str]
    ) -> list[pb.DrawingRevision]:
        """Publishes as ``revision_rules.publish_revisions`` says; the messages of the
        revisions chosen (those published now are the ones their feed entries carry)."""
        publication = revision_rules.publish_revisions(
            RevisionRepository(session), drawing_set.id, revision_ids, utcnow()
        )
        session.flush()
        make_newest_current_of(session, revision_rules.drawings_of(publication.published))
        ordered = sorted(publication.published, key=revision_rules.feed_order)
        recorded = self._record_publications(session, ordered)
        built = {message.id: message for message in recorded}
        rest = [revision for revision in publication.chosen if revision.id not in built]
        if rest:
            built.update((message.id, message) for message in self.messages(session, rest))
        return [built[revision.id] for revision in publication.chosen]

    def set_current(self, session: Session, revision: DrawingRevision) -> DrawingRevision:
        revision_rules.require_may_be_made_current(revision)
        currency.make_chosen_current(revision, published_of(session, revision.drawing_id))
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
            if revision_rules.edit_reaches_the_feed(revision):
                make_newest_current(session, revision.drawing_id)  # the dates may reorder
                self._record(session, revision, pb.PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED)
        return revision

    def withdraw(self, session: Session, revision: DrawingRevision) -> DrawingRevision:
        if not revision_rules.withdraw(revision, utcnow()):
            return revision
        session.flush()
        make_newest_current(session, revision.drawing_id)
        self._record(session, revision, pb.PROJECT_CHANGE_KIND_REVISION_WITHDRAWN)
        return revision

    def delete(self, session: Session, revision: DrawingRevision) -> None:
        refuse_if_copy(revision)
        if revision_rules.deletion_reaches_the_feed(revision):
            self._record(session, revision, pb.PROJECT_CHANGE_KIND_REVISION_DELETED)
        drawing_id = revision.drawing_id
        RevisionRepository(session).delete(revision)
        session.flush()
        make_newest_current(session, drawing_id)

    # Helpers

    def _record(self, session: Session, revision: DrawingRevision, kind: int) -> None:
        """Append a feed entry of one revision."""
        change = pb.ProjectChange(kind=kind, revision=self.message(session, revision))  # type: ignore[arg-type]
        self._feed.append(session, revision.project_id, change)

    def _record_publications(
        self, session: Session, revisions: list[DrawingRevision]
    ) -> list[pb.DrawingRevision]:
        """Append a feed entry per published revision, carrying its drawing, set and area,
        in a few statements however many there are: the rows they carry are read with one
        query per table, the revisions' currency with one, the feed head moved once.
        Returns the revisions' messages."""
        if not revisions:
            return []
        stored = RevisionRepository(session)
        held = stored.load_for_publication(revisions)  # kept until the lookups are done
        changes = []
        revision_messages = self.messages(session, revisions)
        for revision, message in zip(revisions, revision_messages, strict=True):
            drawing = stored.drawing(revision.drawing_id)
            drawing_set = stored.drawing_set(revision.set_id)
            assert drawing is not None and drawing_set is not None
            area = stored.area(drawing.area_id)
            assert area is not None
            changes.append(
                pb.ProjectChange(
                    kind=pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED,
                    revision=message,
                    drawing=messages.drawing_message(drawing),
                    drawing_set=messages.set_message(drawing_set),
                    drawing_area=messages.area_message(area),
                )
            )
        del held
        self._feed.append_many(session, revisions[0].project_id, changes)
        return revision_messages

    @staticmethod
    def _of_project(
        session: Session, project_id: str, revision_ids: Sequence[str]
    ) -> list[DrawingRevision]:
        stored = RevisionRepository(session)
        found = []
        for revision_id in revision_ids:
            revision = stored.get(revision_id)
            found.append(revision_rules.require_in_project(revision, project_id, revision_id))
        return found
