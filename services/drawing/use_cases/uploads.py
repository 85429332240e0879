"""Drawing uploads (R28): files already uploaded, imported as new revisions of drawings.

Creating one only queues it, after every check that needs no file work; the processing
round (``upload_processing``) is woken once the queueing committed and does the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.drawing.domain.drawings_access import STANDARD, hidden
from services.drawing.store.models import DrawingUpload, DrawingUploadImport
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases import access
from services.drawing.use_cases.revision_steps import RevisionImport, Revisions
from shared.facts.identity import Principal


@dataclass(frozen=True)
class DrawingUploadRequest:
    project_id: str
    area_id: str
    set_id: str
    # The files to import, checked only once the caller may upload into the project.
    checked_imports: Callable[[], list[RevisionImport]]


@dataclass(frozen=True)
class DrawingUploadState:
    """A drawing upload and its imports in the request's order, as read in one transaction."""

    batch: DrawingUpload
    imports: list[DrawingUploadImport]


class DrawingUploadUseCases:
    def __init__(
        self,
        uow: Callable[[], DrawingUnitOfWork],
        revisions: Revisions,
        upload_queued: Callable[[], None],
    ) -> None:
        self._uow = uow
        self._revisions = revisions
        # Wakes the processing round after a drawing upload was queued.
        self._upload_queued = upload_queued

    def queue(self, caller: Principal, wanted: DrawingUploadRequest) -> DrawingUploadState:
        project_id = wanted.project_id
        with self._uow() as uow:
            access.require_to_change(uow, caller, project_id, STANDARD)
            imports = wanted.checked_imports()
            area = uow.catalog.area(wanted.area_id)
            if area is None or area.project_id != project_id:
                raise hidden("drawing_area", wanted.area_id)
            drawing_set = uow.catalog.drawing_set(wanted.set_id)
            if drawing_set is None or drawing_set.project_id != project_id:
                raise hidden("drawing_set", wanted.set_id)
            batch = self._revisions.queue_uploads(
                uow.session, project_id, area, drawing_set, imports, caller.describe()
            )
            uow.after_commit(self._upload_queued)  # the processing round may take it now
            return DrawingUploadState(batch, uow.uploads.imports_of(batch))

    def get(self, caller: Principal, drawing_upload_id: str) -> DrawingUploadState:
        with self._uow() as uow:
            batch = access.visible(
                uow, caller, "drawing_upload", drawing_upload_id, uow.uploads.drawing_upload
            )
            access.require(uow, caller, batch.project_id, STANDARD, ("drawing_upload", batch.id))
            return DrawingUploadState(batch, uow.uploads.imports_of(batch))
