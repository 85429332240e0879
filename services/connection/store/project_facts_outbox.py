"""The news of changed project facts, kept until the services below have it (facts flow
down): a row per project change and target service, written in the change's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import common_pb2
from services.connection.store.models import FACTS_TARGETS, Company, Project, ProjectFactsDelivery
from shared.persistence.db import utcnow


def enqueue_facts(session: Session, project_ids: Iterable[str]) -> None:
    """Record, in the caller's transaction, that these projects' facts changed."""
    for project_id in project_ids:
        for target in FACTS_TARGETS:
            session.add(ProjectFactsDelivery(project_id=project_id, target=target))


def current_facts(session: Session, project_id: str) -> common_pb2.ProjectFacts:
    project = session.get(Project, project_id)
    if project is None:
        raise LookupError(project_id)
    company = session.get(Company, project.company_id)
    assert company is not None  # a foreign key guarantees it
    facts = common_pb2.ProjectFacts(
        project_id=project.id,
        company_id=project.company_id,
        name=project.name,
        active=project.active,
        outside_applications_allowed=company.outside_applications_allowed,
    )
    facts.update_time.FromDatetime(max(project.updated_at, company.updated_at))
    return facts


@dataclass(frozen=True)
class DueFacts:
    """The newest undelivered news of one project for one target."""

    project_id: str
    target: str
    newest_id: int  # older news of the same project and target is folded into it
    attempts: int


class ProjectFactsDeliveries:
    """The delivery worker's reads and marks, each in a short transaction of its own."""

    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def due(self, project_ids: list[str], limit: int) -> list[DueFacts]:
        """What is due (only these projects' news when given), newest per project and target."""
        with self._sessions() as session:
            due = select(ProjectFactsDelivery).where(
                ProjectFactsDelivery.delivered_at.is_(None),
                ProjectFactsDelivery.next_attempt_at <= utcnow(),
            )
            if project_ids:
                due = due.where(ProjectFactsDelivery.project_id.in_(project_ids))
            rows = session.scalars(due.order_by(ProjectFactsDelivery.id).limit(limit)).all()
        newest: dict[tuple[str, str], ProjectFactsDelivery] = {}
        for row in rows:
            newest[(row.project_id, row.target)] = row
        return [
            DueFacts(project_id, target, row.id, row.attempts)
            for (project_id, target), row in newest.items()
        ]

    def facts_of(self, project_id: str) -> common_pb2.ProjectFacts:
        """The newest facts, read at delivery time (receivers ignore older ones)."""
        with self._sessions() as session:
            return current_facts(session, project_id)

    def delivered(self, due: DueFacts) -> None:
        self._mark(due, delivered_at=utcnow())

    def failed(self, due: DueFacts, attempts: int, retry_at: datetime, error: str) -> None:
        self._mark(due, attempts=attempts, next_attempt_at=retry_at, last_error=error[:500])

    def _mark(self, due: DueFacts, **values: object) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(ProjectFactsDelivery)
                .where(
                    ProjectFactsDelivery.project_id == due.project_id,
                    ProjectFactsDelivery.target == due.target,
                    ProjectFactsDelivery.id <= due.newest_id,
                    ProjectFactsDelivery.delivered_at.is_(None),
                )
                .values(**values)
            )
