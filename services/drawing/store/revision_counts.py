"""How many revisions a project holds, for the connection service's checks."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.drawing.domain.revision_states import RevisionStatus
from services.drawing.store.models import DrawingRevision


class RevisionCounts:
    def __init__(self, session: Session) -> None:
        self._session = session

    def of_project(self, project_id: str) -> tuple[int, int]:
        """(all its revisions, the published ones not withdrawn)."""
        count = self._session.scalar(
            select(func.count())
            .select_from(DrawingRevision)
            .where(DrawingRevision.project_id == project_id)
        )
        published = self._session.scalar(
            select(func.count())
            .select_from(DrawingRevision)
            .where(
                DrawingRevision.project_id == project_id,
                DrawingRevision.status == RevisionStatus.PUBLISHED.value,
                DrawingRevision.withdrawn.is_(False),
            )
        )
        return int(count or 0), int(published or 0)
