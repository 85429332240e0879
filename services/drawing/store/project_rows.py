"""The drawing service's row of each project: its facts and its change feed's head."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.drawing.store.models import ProjectFacts
from shared.persistence.db import RecordNotFound


class ProjectRows:
    def __init__(self, session: Session) -> None:
        self._session = session

    def locked_feed_head(self, project_id: str) -> int:
        """The project's newest feed sequence, locked: no change is appended to its feed
        until this transaction ends."""
        return int(
            self._session.scalars(
                select(ProjectFacts.last_change_sequence)
                .where(ProjectFacts.project_id == project_id)
                .with_for_update()
            ).one()
        )

    def lock(self, project_id: str) -> None:
        """Serialises the first cursor of a connection into this (downstream) project: a
        copy and a disconnection that both find none would otherwise both insert one (a
        key conflict on PostgreSQL). The downstream is never an upstream (R10), so this
        lock never waits on a feed writer."""
        self._session.execute(
            select(ProjectFacts.project_id)
            .where(ProjectFacts.project_id == project_id)
            .with_for_update()
        )

    def active_of(self, project_id: str) -> bool | None:
        """Whether the project is active; None when it is not known here."""
        facts = self._session.get(ProjectFacts, project_id)
        return None if facts is None else facts.active

    def active_of_many(self, project_ids: Iterable[str]) -> dict[str, bool]:
        """Whether each project is active, in one query; projects not known here are left out."""
        rows = self._session.execute(
            select(ProjectFacts.project_id, ProjectFacts.active).where(
                ProjectFacts.project_id.in_(sorted(set(project_ids)))
            )
        )
        return {project_id: bool(active) for project_id, active in rows}

    def active_of_known(self, project_id: str) -> bool:
        """Whether the project is active; a project not known here is not found."""
        active = self.active_of(project_id)
        if active is None:
            raise RecordNotFound("project", project_id)
        return active
