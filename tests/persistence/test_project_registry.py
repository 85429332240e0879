"""Project facts kept by the drawing and notification services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from services.drawing.store.project_registry import ProjectRegistry as DrawingProjects
from services.notification.store.project_registry import ProjectRegistry as NotificationProjects
from shared.facts.project_facts import ProjectFacts
from shared.persistence.db import RecordNotFound
from shared.persistence.project_facts_registry import ProjectFactsRegistry
from tests.persistence.service_databases import migrated_sessions

REGISTRIES = {
    "drawing": ("drawing", DrawingProjects),
    "notification": ("notification", NotificationProjects),
}


@pytest.fixture(params=list(REGISTRIES))
def registry(request: pytest.FixtureRequest, database_url: str) -> Iterator[ProjectFactsRegistry]:
    service, registry_class = REGISTRIES[request.param]
    with migrated_sessions(database_url, service) as sessions:
        yield registry_class(sessions)


def test_registered_facts_read_back(registry: ProjectFactsRegistry) -> None:
    tower = ProjectFacts(
        project_id="tower",
        company_id="acme",
        name="Tower",
        active=True,
        outside_applications_allowed=False,
    )

    registry.register_project(tower)

    assert registry.get_project("tower") == tower


def test_registering_again_replaces_the_facts(registry: ProjectFactsRegistry) -> None:
    registry.register_project(ProjectFacts("tower", "acme", "Tower", True, True))
    registry.register_project(ProjectFacts("bridge", "acme", "Bridge", True, True))

    registry.register_project(ProjectFacts("tower", "acme", "Tower B", False, False))

    assert registry.get_project("tower") == ProjectFacts("tower", "acme", "Tower B", False, False)
    assert registry.get_project("bridge").name == "Bridge"


def test_unknown_project_is_not_found(registry: ProjectFactsRegistry) -> None:
    with pytest.raises(RecordNotFound) as raised:
        registry.get_project("nope")
    assert (raised.value.kind, raised.value.record_id) == ("project", "nope")


def test_older_facts_do_not_roll_newer_ones_back(registry: ProjectFactsRegistry) -> None:
    newer = datetime(2026, 5, 2, tzinfo=UTC)
    older = datetime(2026, 5, 1, tzinfo=UTC)
    registry.register_project(ProjectFacts("tower", "acme", "Tower B", False, True, newer))

    kept = registry.register_project(ProjectFacts("tower", "acme", "Tower", True, True, older))

    assert kept == ProjectFacts("tower", "acme", "Tower B", False, True)
    assert kept.update_time == newer
    later = datetime(2026, 5, 3, tzinfo=UTC)
    moved_on = registry.register_project(
        ProjectFacts("tower", "acme", "Tower C", True, True, later)
    )
    assert (moved_on.name, moved_on.active, moved_on.update_time) == ("Tower C", True, later)
