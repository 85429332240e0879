"""Per-project, per-user permission levels of one tool, kept in a service's grant table.

A grant table has ``project_id``, ``user_id``, ``level`` and ``updated_at`` columns and
a (project_id, user_id) primary key. No row means ``none``: setting ``none`` deletes the
row, so a listing shows only the people who hold some access.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from shared.facts.permission_levels import NO_ACCESS, require_permission_level
from shared.persistence.core_reads import read_rows
from shared.persistence.db import utcnow
from shared.persistence.paging import ascending, fetch_page
from shared.persistence.upsert import upsert_row


class PermissionGrants:
    """Grant-table operations inside a caller's transaction (the caller checks existence)."""

    def __init__(self, model: type[Any]) -> None:
        self._model = model
        # Every call asks for a level: the statement is built once.
        self._level_of = select(model.level).where(
            model.project_id == bindparam("project_id"), model.user_id == bindparam("user_id")
        )

    def set_level(self, session: Session, project_id: str, user_id: str, level: str) -> None:
        require_permission_level(level)
        if level == NO_ACCESS:
            session.execute(
                delete(self._model).where(
                    self._model.project_id == project_id, self._model.user_id == user_id
                )
            )
            return
        upsert_row(
            session,
            self._model,
            {"project_id": project_id, "user_id": user_id, "level": level, "updated_at": utcnow()},
            key_columns=("project_id", "user_id"),
        )

    def level_of(self, session: Session, project_id: str, user_id: str) -> str:
        parameters = {"project_id": project_id, "user_id": user_id}
        level = read_rows(session, self._level_of, parameters).scalar()
        return str(level) if level is not None else NO_ACCESS

    def list_levels(
        self, session: Session, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[Any], str]:
        """The project's grants in user id order, one page at a time."""
        return fetch_page(
            session,
            select(self._model).where(self._model.project_id == project_id),
            (ascending(self._model.user_id),),
            page_size=page_size,
            page_token=page_token,
            filters={"project_id": project_id},
        )

    def list_levels_of_user(
        self, session: Session, user_id: str, page_size: int, page_token: str
    ) -> tuple[list[Any], str]:
        """The user's grants on every project, in project id order, one page at a time."""
        return fetch_page(
            session,
            select(self._model).where(self._model.user_id == user_id),
            (ascending(self._model.project_id),),
            page_size=page_size,
            page_token=page_token,
            filters={"user_id": user_id},
        )
