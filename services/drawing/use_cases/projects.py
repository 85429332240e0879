"""The projects this service serves, as the connection service tells it about them."""

from __future__ import annotations

from collections.abc import Callable

from services.drawing.store.project_registry import ProjectRegistry
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from shared.facts.project_facts import ProjectFacts


class Projects:
    def __init__(
        self, registry: ProjectRegistry, unit_of_work: Callable[[], DrawingUnitOfWork]
    ) -> None:
        self._registry = registry
        self._uow = unit_of_work

    def register(self, facts: ProjectFacts) -> ProjectFacts:
        """Record the facts unless newer ones are known; returns what is now known."""
        return self._registry.register_project(facts)

    def get(self, project_id: str) -> ProjectFacts:
        return self._registry.get_project(project_id)

    def count_revisions(self, project_id: str) -> tuple[int, int]:
        """(all the project's revisions, the published ones not withdrawn)."""
        with self._uow() as uow:
            uow.project_rows.active_of_known(project_id)
            return uow.revision_counts.of_project(project_id)
