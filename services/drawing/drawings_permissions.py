"""Drawings tool permission levels per project per user (R26), kept by the drawing service.

Users live in the connection service's database, so only the project is checked here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.models import DrawingsGrant, ProjectFacts
from shared.persistence.db import RecordNotFound
from shared.persistence.permission_grants import PermissionGrants


class DrawingsPermissions:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._grants = PermissionGrants(DrawingsGrant)

    def set_level(
        self, project_id: str, user_id: str, level: str, session: Session | None = None
    ) -> None:
        """Grant ``level`` (``none`` revokes); ``RecordNotFound`` for an unknown project.

        With ``session``, the grant joins the caller's transaction (the caller commits).
        """
        if session is None:
            with self._session_factory.begin() as own_session:
                self.set_level(project_id, user_id, level, own_session)
            return
        if session.get(ProjectFacts, project_id) is None:
            raise RecordNotFound("project", project_id)
        self._grants.set_level(session, project_id, user_id, level)

    def level_of(self, project_id: str, user_id: str) -> str:
        """The user's level, ``none`` when nothing was granted (or the project is unknown)."""
        with self._session_factory() as session:
            return self._grants.level_of(session, project_id, user_id)

    def list_levels(
        self, project_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[DrawingsGrant], str]:
        """Who holds a level on the project, in user id order; ``RecordNotFound`` if unknown."""
        with self._session_factory() as session:
            if session.get(ProjectFacts, project_id) is None:
                raise RecordNotFound("project", project_id)
            return self._grants.list_levels(session, project_id, page_size, page_token)

    def list_levels_of_user(
        self, user_id: str, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[DrawingsGrant], str]:
        """Every project where the user holds a level, in project id order."""
        with self._session_factory() as session:
            return self._grants.list_levels_of_user(session, user_id, page_size, page_token)

    def grant_of(self, project_id: str, user_id: str) -> DrawingsGrant | None:
        """The user's grant row on the project, None when they hold nothing there."""
        with self._session_factory() as session:
            return session.get(DrawingsGrant, (project_id, user_id))
