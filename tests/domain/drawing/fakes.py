"""An in-memory unit of work for the drawing service's use cases: the same attributes as
``DrawingUnitOfWork`` (the ones these tests reach), no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self, cast

from services.drawing.store.unit_of_work import DrawingUnitOfWork
from shared.facts.permission_levels import NO_ACCESS, require_permission_level
from shared.facts.project_facts import ProjectFacts
from shared.persistence.db import RecordNotFound


@dataclass
class FakeGrant:
    project_id: str
    user_id: str
    level: str
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class FakeProjects:
    def __init__(self) -> None:
        self.known: dict[str, ProjectFacts] = {}
        self.grants: FakeGrants | None = None  # set by the unit of work

    def add(self, project_id: str, *, active: bool = True, outsiders: bool = True) -> None:
        self.known[project_id] = ProjectFacts(
            project_id=project_id,
            company_id="c-" + project_id,
            name=project_id.title(),
            active=active,
            outside_applications_allowed=outsiders,
        )

    def get(self, project_id: str) -> ProjectFacts | None:
        return self.known.get(project_id)

    def with_level_of(self, project_id: str, user_id: str) -> tuple[ProjectFacts | None, str]:
        """The real one reads both in one statement; the grants are the unit of work's."""
        facts = self.known.get(project_id)
        if facts is None or self.grants is None:
            return facts, NO_ACCESS
        return facts, self.grants.level_of(project_id, user_id)


class FakeGrants:
    def __init__(self, projects: FakeProjects) -> None:
        self._projects = projects
        self.rows: dict[tuple[str, str], FakeGrant] = {}

    def set_level(self, project_id: str, user_id: str, level: str) -> None:
        if project_id not in self._projects.known:
            raise RecordNotFound("project", project_id)
        require_permission_level(level)
        if level == NO_ACCESS:
            self.rows.pop((project_id, user_id), None)
        else:
            self.rows[project_id, user_id] = FakeGrant(project_id, user_id, level)

    def level_of(self, project_id: str, user_id: str) -> str:
        grant = self.rows.get((project_id, user_id))
        return grant.level if grant else NO_ACCESS

    def grant_of(self, project_id: str, user_id: str) -> FakeGrant | None:
        return self.rows.get((project_id, user_id))

    def list_levels(
        self, project_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[FakeGrant], str]:
        if project_id not in self._projects.known:
            raise RecordNotFound("project", project_id)
        found = [row for key, row in sorted(self.rows.items()) if key[0] == project_id]
        return found, ""

    def list_levels_of_user(
        self, user_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[FakeGrant], str]:
        return [row for key, row in sorted(self.rows.items()) if key[1] == user_id], ""


@dataclass
class FakeRevision:
    id: str
    project_id: str
    status: str


class FakeRevisions:
    def __init__(self) -> None:
        self.rows: dict[str, FakeRevision] = {}

    def get(self, revision_id: str) -> FakeRevision | None:
        return self.rows.get(revision_id)


class FakeAnnotations:
    def __init__(self) -> None:
        self.markups_by_revision: dict[str, list[Any]] = {}
        self.fields: dict[tuple[str, str], str] = {}

    def add_markup(self, markup: Any) -> Any:
        self.markups_by_revision.setdefault(markup.revision_id, []).append(markup)
        return markup

    def markups(self, revision_id: str, page_size: int, page_token: str) -> tuple[list[Any], str]:
        return list(self.markups_by_revision.get(revision_id, [])), ""

    def set_custom_field(self, revision_id: str, name: str, value: str) -> None:
        if value:
            self.fields[revision_id, name] = value
        else:
            self.fields.pop((revision_id, name), None)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.projects = FakeProjects()
        self.grants = FakeGrants(self.projects)
        self.projects.grants = self.grants
        self.revisions = FakeRevisions()
        self.annotations = FakeAnnotations()
        self.committed = False
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_error: object) -> None:
        if kind is None:
            self.committed = True
            for action in self._after_commit:
                action()

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)

    def reading(self) -> Self:
        """A pure read: the real one begins without the write lock; nothing differs here."""
        return self

    def as_real(self) -> DrawingUnitOfWork:
        """Typed as the real one, for the use cases' signatures."""
        return cast(DrawingUnitOfWork, self)
