"""The drawing service's unit of work: one transaction and the repositories over it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from services.drawing.store.connection_cursors import ConnectionCursors
from services.drawing.store.drawings_permissions import DrawingsGrants
from services.drawing.store.initial_copies import InitialCopies
from services.drawing.store.mirrors import Mirrors
from services.drawing.store.project_rows import ProjectRows
from services.drawing.store.repositories import (
    AnnotationRecords,
    CatalogRecords,
    ProjectFactsRecords,
    RevisionRecords,
    UploadRecords,
)
from services.drawing.store.revision_counts import RevisionCounts
from shared.persistence.unit_of_work import UnitOfWork


class DrawingUnitOfWork(UnitOfWork):
    projects: ProjectFactsRecords
    grants: DrawingsGrants
    catalog: CatalogRecords
    revisions: RevisionRecords
    uploads: UploadRecords
    annotations: AnnotationRecords
    cursors: ConnectionCursors
    initial_copies: InitialCopies
    mirrors: Mirrors
    project_rows: ProjectRows
    revision_counts: RevisionCounts

    def _open(self, session: Session) -> None:
        self.projects = ProjectFactsRecords(session)
        self.grants = DrawingsGrants(session)
        self.catalog = CatalogRecords(session)
        self.revisions = RevisionRecords(session)
        self.uploads = UploadRecords(session)
        self.annotations = AnnotationRecords(session)
        self.cursors = ConnectionCursors(session)
        self.initial_copies = InitialCopies(session)
        self.mirrors = Mirrors(session)
        self.project_rows = ProjectRows(session)
        self.revision_counts = RevisionCounts(session)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that an exception undoes alone."""
        with self.session.begin_nested():
            yield
