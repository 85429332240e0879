"""Drawings tool permission levels per project per user (R26): the grant table.

Users live in the connection service's database, so only the project is checked here.
``DrawingsGrants`` works inside a unit of work's session; ``DrawingsPermissions`` opens its
own sessions, for callers outside one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.models import DrawingsGrant, ProjectFacts
from shared.persistence.db import RecordNotFound
from shared.persistence.permission_grants import PermissionGrants

_GRANTS = PermissionGrants(DrawingsGrant)


class DrawingsGrants:
    def __init__(self, session: Session) -> None:
        self._session = session

    def set_level(self, project_id: str, user_id: str, level: str) -> None:
        """Grant ``level`` (``none`` revokes); ``RecordNotFound`` for an unknown project."""
        self._require_project(project_id)
        _GRANTS.set_level(self._session, project_id, user_id, level)

    def level_of(self, project_id: str, user_id: str) -> str:
        """The user's level, ``none`` when nothing was granted (or the project is unknown)."""
        return _GRANTS.level_of(self._session, project_id, user_id)

    def grant_of(self, project_id: str, user_id: str) -> DrawingsGrant | None:
        """The user's grant row on the project, None when they hold nothing there."""
        return self._session.get(DrawingsGrant, (project_id, user_id))

    def list_levels(
        self, project_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[DrawingsGrant], str]:
        """Who holds a level on the project, in user id order; ``RecordNotFound`` if unknown."""
        self._require_project(project_id)
        return _GRANTS.list_levels(self._session, project_id, page_size, page_token)

    def list_levels_of_user(
        self, user_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[DrawingsGrant], str]:
        """Every project where the user holds a level, in project id order."""
        return _GRANTS.list_levels_of_user(self._session, user_id, page_size, page_token)

    def _require_project(self, project_id: str) -> None:
        if self._session.get(ProjectFacts, project_id) is None:
            raise RecordNotFound("project", project_id)


class DrawingsPermissions:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def set_level(self, project_id: str, user_id: str, level: str) -> None:
        with self._session_factory.begin() as session:
            DrawingsGrants(session).set_level(project_id, user_id, level)

    def level_of(self, project_id: str, user_id: str) -> str:
        with self._session_factory() as session:
            return DrawingsGrants(session).level_of(project_id, user_id)

    def list_levels(
        self, project_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[DrawingsGrant], str]:
        with self._session_factory() as session:
            return DrawingsGrants(session).list_levels(project_id, page_size, page_token)

    def list_levels_of_user(
        self, user_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[DrawingsGrant], str]:
        with self._session_factory() as session:
            return DrawingsGrants(session).list_levels_of_user(user_id, page_size, page_token)

    def grant_of(self, project_id: str, user_id: str) -> DrawingsGrant | None:
        with self._session_factory() as session:
            return DrawingsGrants(session).grant_of(project_id, user_id)
