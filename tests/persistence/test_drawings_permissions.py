"""Drawings tool levels kept by the drawing service."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.drawings_permissions import DrawingsPermissions
from services.drawing.store.project_registry import ProjectFacts, ProjectRegistry
from shared.facts.permission_levels import UnknownPermissionLevel
from shared.persistence.db import RecordNotFound
from shared.persistence.paging import InvalidPageRequest


@pytest.fixture
def permissions(drawing_sessions: sessionmaker[Session]) -> DrawingsPermissions:
    registry = ProjectRegistry(drawing_sessions)
    for project_id in ("tower", "bridge"):
        registry.register_project(ProjectFacts(project_id, "acme", project_id.title(), True, True))
    return DrawingsPermissions(drawing_sessions)


def test_level_defaults_to_none(permissions: DrawingsPermissions) -> None:
    assert permissions.level_of("tower", "ann") == "none"
    assert permissions.level_of("unknown-project", "ann") == "none"


def test_set_level_upserts_and_none_revokes(permissions: DrawingsPermissions) -> None:
    permissions.set_level("tower", "ann", "read_only")
    permissions.set_level("tower", "ann", "admin")
    permissions.set_level("bridge", "ann", "standard")

    assert permissions.level_of("tower", "ann") == "admin"
    assert permissions.level_of("bridge", "ann") == "standard"
    permissions.set_level("tower", "ann", "none")
    assert permissions.level_of("tower", "ann") == "none"
    assert permissions.level_of("bridge", "ann") == "standard"


def test_set_level_needs_a_known_project_and_level(permissions: DrawingsPermissions) -> None:
    with pytest.raises(RecordNotFound) as raised:
        permissions.set_level("unknown-project", "ann", "admin")
    assert raised.value.kind == "project"
    with pytest.raises(UnknownPermissionLevel):
        permissions.set_level("tower", "ann", "superuser")
    with pytest.raises(RecordNotFound):
        permissions.list_levels("unknown-project")


def test_levels_page_by_user(permissions: DrawingsPermissions) -> None:
    for n in range(5):
        permissions.set_level("tower", f"user-{n}", "read_only")
    permissions.set_level("bridge", "user-9", "admin")

    first, token = permissions.list_levels("tower", page_size=3)
    rest, last_token = permissions.list_levels("tower", page_size=3, page_token=token)

    assert [grant.user_id for grant in first + rest] == [f"user-{n}" for n in range(5)]
    assert last_token == ""
    assert first[0].updated_at.tzinfo is not None
    with pytest.raises(InvalidPageRequest):
        permissions.list_levels("bridge", page_size=3, page_token=token)
