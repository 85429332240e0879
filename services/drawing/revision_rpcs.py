"""DrawingService RPCs about revisions: drawing uploads, review, publish, edits, withdrawal.

Uploading needs the Drawings standard level; reviewing, publishing and editing need admin
(R26). Read-only users see published revisions only: an unpublished one answers them the
NOT_FOUND a missing one gets.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.api import drawing_messages as messages
from services.drawing.api.servicer_state import DrawingServicerState
from services.drawing.catalog import existing
from services.drawing.drawings_access import ADMIN, READ_ONLY, STANDARD, hidden
from services.drawing.revisions import MAX_IMPORTS, RevisionImport
from services.drawing.store.models import (
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    DrawingUpload,
    DrawingUploadImport,
)
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.facts.identity import current_principal
from shared.persistence.etags import locked_at_etag
from shared.persistence.paging import ascending, fetch_page
from shared.runtime.request_checks import masked_changes, required_id

_STATUS_NAMES = {
    pb.REVISION_STATUS_PUBLISHED: "published",
    pb.REVISION_STATUS_UNPUBLISHED: "unpublished",
}
_UPLOAD_STATUSES = {
    "in_queue": pb.DRAWING_UPLOAD_STATUS_IN_QUEUE,
    "processing": pb.DRAWING_UPLOAD_STATUS_PROCESSING,
    "ready_for_review": pb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW,
    "failed": pb.DRAWING_UPLOAD_STATUS_FAILED,
}


def _upload_message(
    batch: DrawingUpload, imports: Sequence[DrawingUploadImport]
) -> pb.DrawingUpload:
    message = pb.DrawingUpload(
        id=batch.id,
        project_id=batch.project_id,
        drawing_area_id=batch.area_id,
        drawing_set_id=batch.set_id,
        status=_UPLOAD_STATUSES[batch.status],
        revision_ids=[wanted.revision_id for wanted in imports if wanted.revision_id],
        error_message=batch.error_message,
        import_failures=[
            pb.DrawingUploadImportFailure(
                import_index=wanted.position,
                upload_uuid=wanted.upload_uuid,
                reason=wanted.failure_reason,
                message=wanted.failure_message,
            )
            for wanted in imports
            if wanted.failure_reason
        ],
    )
    message.create_time.FromDatetime(batch.created_at)
    message.update_time.FromDatetime(batch.updated_at)
    return message


def _imports_of(session: Session, batch: DrawingUpload) -> list[DrawingUploadImport]:
    """The upload's imports in the request's order (clients map revisions by position)."""
    return list(
        session.scalars(
            select(DrawingUploadImport)
            .where(DrawingUploadImport.drawing_upload_id == batch.id)
            .order_by(DrawingUploadImport.position)
        )
    )


def _checked_imports(request: pb.CreateDrawingUploadRequest) -> list[RevisionImport]:
    entries = list(request.drawing_log_imports)
    if not entries:
        raise InvalidArgument(
            ErrorReason.MISSING_FIELD, "drawing_log_imports needs at least one file."
        )
    if len(entries) > MAX_IMPORTS:
        raise InvalidArgument(
            ErrorReason.TOO_MANY_IMPORTS, f"At most {MAX_IMPORTS} files can be imported at once."
        )
    uuids = [entry.upload_uuid for entry in entries]
    if len(set(uuids)) != len(uuids):
        raise InvalidArgument(
            ErrorReason.DUPLICATE_IMPORT,
            "The same upload_uuid appears twice in drawing_log_imports.",
        )
    checked = []
    for index, entry in enumerate(entries):
        where = f"drawing_log_imports[{index}]"
        drawing_date = messages.parse_date(entry.drawing_date, f"{where}.drawing_date", True)
        assert drawing_date is not None
        checked.append(
            RevisionImport(
                upload_uuid=required_id(entry.upload_uuid, f"{where}.upload_uuid"),
                drawing_id=required_id(entry.drawing_id, f"{where}.drawing_id"),
                drawing_date=drawing_date,
                received_date=messages.parse_date(entry.received_date, f"{where}.received_date"),
                revision_number=messages.bounded_text(
                    entry.revision_number, f"{where}.revision_number", 64
                ),
            )
        )
    return checked


class RevisionRpcs(DrawingServicerState):
    def _revision_for(self, revision_id: str, needed: str = READ_ONLY) -> DrawingRevision:
        """A revision the caller may see at ``needed``; unpublished ones need standard."""
        revision = self._visible(DrawingRevision, "revision", revision_id)
        caller = current_principal()
        shown_as = ("revision", revision_id)
        if revision.status != "published" and not self._access.sees_unpublished(
            caller, revision.project_id
        ):
            raise hidden("revision", revision_id)
        if needed == READ_ONLY:
            return revision
        self._access.require_to_change(caller, revision.project_id, needed, shown_as)
        return revision

    # Drawing uploads (R28)

    def CreateDrawingUpload(
        self, request: pb.CreateDrawingUploadRequest, context: grpc.ServicerContext
    ) -> pb.CreateDrawingUploadResponse:
        caller = current_principal()
        project_id = required_id(request.project_id, "project_id")
        self._access.require_to_change(caller, project_id, STANDARD)
        imports = _checked_imports(request)

        def create(session: Session) -> pb.CreateDrawingUploadResponse:
            area = session.get(DrawingArea, request.drawing_area_id)
            if area is None or area.project_id != project_id:
                raise hidden("drawing_area", request.drawing_area_id)
            drawing_set = session.get(DrawingSet, request.drawing_set_id)
            if drawing_set is None or drawing_set.project_id != project_id:
                raise hidden("drawing_set", request.drawing_set_id)
            batch = self._revisions.queue_uploads(
                session, project_id, area, drawing_set, imports, caller.describe()
            )
            return pb.CreateDrawingUploadResponse(
                drawing_upload=_upload_message(batch, _imports_of(session, batch))
            )

        answer = self._idempotent.run(
            "CreateDrawingUpload", request, pb.CreateDrawingUploadResponse, create
        )
        self._upload_queued()  # committed: the processing round may take it now
        return answer

    def GetDrawingUpload(
        self, request: pb.GetDrawingUploadRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingUploadResponse:
        batch = self._visible(DrawingUpload, "drawing_upload", request.drawing_upload_id)
        self._access.require(
            current_principal(), batch.project_id, STANDARD, ("drawing_upload", batch.id)
        )
        with self._sessions() as session:
            # Read again with its imports in one session: processing may have moved on.
            current = session.get(DrawingUpload, batch.id)
            assert current is not None
            return pb.GetDrawingUploadResponse(
                drawing_upload=_upload_message(current, _imports_of(session, current))
            )

    # Reading

    def GetDrawingRevision(
        self, request: pb.GetDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.GetDrawingRevisionResponse:
        revision = self._revision_for(request.revision_id)
        with self._sessions() as session:
            return pb.GetDrawingRevisionResponse(
                revision=self._revisions.message(session, revision)
            )

    def ListDrawingRevisions(
        self, request: pb.ListDrawingRevisionsRequest, context: grpc.ServicerContext
    ) -> pb.ListDrawingRevisionsResponse:
        caller = current_principal()
        project_id = required_id(request.project_id, "project_id")
        self._access.require(caller, project_id, READ_ONLY)
        query = (
            select(DrawingRevision)
            .join(Drawing, Drawing.id == DrawingRevision.drawing_id)
            .where(DrawingRevision.project_id == project_id)
        )
        if request.area_id:
            query = query.where(Drawing.area_id == request.area_id)
        if request.set_id:
            query = query.where(DrawingRevision.set_id == request.set_id)
        if request.drawing_id:
            query = query.where(DrawingRevision.drawing_id == request.drawing_id)
        if request.connection_id:  # a connection's copies (R17)
            query = query.where(DrawingRevision.connection_id == request.connection_id)
        if request.upstream_revision_id:  # the copies of one upstream revision
            query = query.where(
                DrawingRevision.upstream_revision_id == request.upstream_revision_id
            )
        status = _STATUS_NAMES.get(request.status)
        if not self._access.sees_unpublished(caller, project_id):
            if status == "unpublished":
                return pb.ListDrawingRevisionsResponse()
            status = "published"
        if status:
            query = query.where(DrawingRevision.status == status)
        # Ordered as people read a drawing log: by number, then each drawing's revisions in
        # their upload order, which copies keep (R17).
        order = (
            ascending(Drawing.number),
            ascending(Drawing.id),
            ascending(DrawingRevision.drawing_sequence),
            ascending(DrawingRevision.id),
        )
        filters = {
            "project": project_id,
            "area": request.area_id,
            "set": request.set_id,
            "drawing": request.drawing_id,
            "status": status or "",
        }
        # The copy filters join the digest only when set, so tokens issued before they
        # existed stay valid; a set one still binds the token to its value.
        if request.connection_id:
            filters["connection"] = request.connection_id
        if request.upstream_revision_id:
            filters["upstream_revision"] = request.upstream_revision_id
        with self._sessions() as session:
            rows, token = fetch_page(
                session,
                query,
                order,
                page_size=request.page_size,
                page_token=request.page_token,
                filters=filters,
            )
            return pb.ListDrawingRevisionsResponse(
                revisions=self._revisions.messages(session, rows), next_page_token=token
            )

    # Review and publish

    def ConfirmDrawingRevisions(
        self, request: pb.ConfirmDrawingRevisionsRequest, context: grpc.ServicerContext
    ) -> pb.ConfirmDrawingRevisionsResponse:
        project_id = required_id(request.project_id, "project_id")
        self._access.require_to_change(current_principal(), project_id, ADMIN)
        if not request.revision_ids:
            raise InvalidArgument(
                ErrorReason.MISSING_FIELD, "revision_ids names the revisions to confirm."
            )

        def confirm(session: Session) -> pb.ConfirmDrawingRevisionsResponse:
            confirmed = self._revisions.confirm(session, project_id, list(request.revision_ids))
            return pb.ConfirmDrawingRevisionsResponse(
                revisions=self._revisions.messages(session, confirmed)
            )

        return self._idempotent.run(
            "ConfirmDrawingRevisions", request, pb.ConfirmDrawingRevisionsResponse, confirm
        )

    def PublishDrawingRevisions(
        self, request: pb.PublishDrawingRevisionsRequest, context: grpc.ServicerContext
    ) -> pb.PublishDrawingRevisionsResponse:
        drawing_set = self._visible(DrawingSet, "drawing_set", request.set_id)
        self._access.require_to_change(
            current_principal(), drawing_set.project_id, ADMIN, ("drawing_set", drawing_set.id)
        )

        def publish(session: Session) -> pb.PublishDrawingRevisionsResponse:
            in_session = existing(session, DrawingSet, "drawing_set", drawing_set.id)
            published = self._revisions.publish(session, in_session, list(request.revision_ids))
            return pb.PublishDrawingRevisionsResponse(
                revisions=self._revisions.messages(session, published)
            )

        return self._idempotent.run(
            "PublishDrawingRevisions", request, pb.PublishDrawingRevisionsResponse, publish
        )

    def SetCurrentDrawingRevision(
        self, request: pb.SetCurrentDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.SetCurrentDrawingRevisionResponse:
        known = self._revision_for(request.revision_id, ADMIN)

        def make_current(session: Session) -> pb.SetCurrentDrawingRevisionResponse:
            revision = existing(session, DrawingRevision, "revision", known.id)
            updated = self._revisions.set_current(session, revision)
            return pb.SetCurrentDrawingRevisionResponse(
                revision=self._revisions.message(session, updated)
            )

        return self._idempotent.run(
            "SetCurrentDrawingRevision", request, pb.SetCurrentDrawingRevisionResponse, make_current
        )

    # Edits, withdrawal, deletion

    def UpdateDrawingRevision(
        self, request: pb.UpdateDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.UpdateDrawingRevisionResponse:
        wanted = request.revision
        known = self._revision_for(wanted.id, ADMIN)
        changes = masked_changes(
            "revision",
            request.update_mask.paths,
            {
                "revision_number": lambda: messages.bounded_text(
                    wanted.revision_number, "revision.revision_number", 64
                ),
                "drawing_date": lambda: messages.parse_date(
                    wanted.drawing_date, "revision.drawing_date", True
                ),
                "received_date": lambda: messages.parse_date(
                    wanted.received_date, "revision.received_date"
                ),
            },
        )

        def update(session: Session) -> pb.UpdateDrawingRevisionResponse:
            revision = locked_at_etag(session, DrawingRevision, "revision", known.id, wanted.etag)
            updated = self._revisions.update(session, revision, changes)
            return pb.UpdateDrawingRevisionResponse(
                revision=self._revisions.message(session, updated)
            )

        return self._idempotent.run(
            "UpdateDrawingRevision", request, pb.UpdateDrawingRevisionResponse, update
        )

    def WithdrawDrawingRevision(
        self, request: pb.WithdrawDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.WithdrawDrawingRevisionResponse:
        known = self._revision_for(request.revision_id, ADMIN)

        def withdraw(session: Session) -> pb.WithdrawDrawingRevisionResponse:
            revision = existing(session, DrawingRevision, "revision", known.id)
            withdrawn = self._revisions.withdraw(session, revision)
            return pb.WithdrawDrawingRevisionResponse(
                revision=self._revisions.message(session, withdrawn)
            )

        return self._idempotent.run(
            "WithdrawDrawingRevision", request, pb.WithdrawDrawingRevisionResponse, withdraw
        )

    def DeleteDrawingRevision(
        self, request: pb.DeleteDrawingRevisionRequest, context: grpc.ServicerContext
    ) -> pb.DeleteDrawingRevisionResponse:
        known = self._revision_for(request.revision_id, ADMIN)

        def remove(session: Session) -> pb.DeleteDrawingRevisionResponse:
            revision = existing(session, DrawingRevision, "revision", known.id)
            self._revisions.delete(session, revision)
            return pb.DeleteDrawingRevisionResponse()

        return self._idempotent.run(
            "DeleteDrawingRevision", request, pb.DeleteDrawingRevisionResponse, remove
        )
