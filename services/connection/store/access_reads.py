"""What deciding who may see or change a connection reads from the directory, inside the
unit of work's transaction (so a call that holds the write lock never waits on itself)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.connection.store.models import Company, ConnectionManagerGrant, Project, User
from shared.persistence.db import RecordNotFound
from shared.persistence.permission_grants import PermissionGrants

_GRANTS = PermissionGrants(ConnectionManagerGrant)


class AccessReads:
    def __init__(self, session: Session):
        self._session = session

    def connection_manager_level(self, project_id: str, user_id: str) -> str:
        """The level granted to the user, ``none`` when nothing was (or either is unknown)."""
        return _GRANTS.level_of(self._session, project_id, user_id)

    def find_user(self, user_id: str) -> User | None:
        return self._session.get(User, user_id)

    def outside_applications_allowed(self, project_id: str) -> bool:
        """Whether the project's company lets client applications in (R31)."""
        allowed = self._session.scalar(
            select(Company.outside_applications_allowed)
            .join(Project, Project.company_id == Company.id)
            .where(Project.id == project_id)
        )
        if allowed is None:
            raise RecordNotFound("project", project_id)
        return bool(allowed)
