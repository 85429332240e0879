"""The drawing service's unit of work: one transaction and the repositories over it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.drawing.store.drawings_permissions import DrawingsGrants
from services.drawing.store.repositories import (
    AnnotationRecords,
    CatalogRecords,
    ProjectFactsRecords,
    RevisionRecords,
    UploadRecords,
)
from shared.persistence.unit_of_work import UnitOfWork


class DrawingUnitOfWork(UnitOfWork):
    projects: ProjectFactsRecords
    grants: DrawingsGrants
    catalog: CatalogRecords
    revisions: RevisionRecords
    uploads: UploadRecords
    annotations: AnnotationRecords

    def _open(self, session: Session) -> None:
        self.projects = ProjectFactsRecords(session)
        self.grants = DrawingsGrants(session)
        self.catalog = CatalogRecords(session)
        self.revisions = RevisionRecords(session)
        self.uploads = UploadRecords(session)
        self.annotations = AnnotationRecords(session)
