"""The projects the drawing service knows, as told by the connection service."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.models import ProjectFacts as ProjectFactsRow
from shared.facts.project_facts import ProjectFacts
from shared.persistence.project_facts_registry import ProjectFactsRegistry

__all__ = ["ProjectFacts", "ProjectRegistry"]


class ProjectRegistry(ProjectFactsRegistry):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, ProjectFactsRow)
