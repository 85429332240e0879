"""Passing project facts down to the drawing and notification services (facts flow down).

A change to a project or its company records a delivery per target service in the same
transaction (``enqueue``). Right after commit the servicer delivers that project's news at
once, so the platform can use the project in the other services straight away; a
background worker retries whatever could not be delivered, with exponential back-off, so a
service that is down delays the news but never loses it. The newest facts are read at
delivery time and the receivers ignore facts older than what they hold, so retries and
reordering are harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta

import grpc
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import common_pb2
from services.connection.store.models import FACTS_TARGETS, Company, Project, ProjectFactsDelivery
from shared.persistence.db import utcnow
from shared.runtime.background_rounds import BackgroundRounds, backoff_seconds

log = logging.getLogger("connectability.connection.facts")

# Send the facts to one service; raises grpc.RpcError when it cannot be reached.
FactsSender = Callable[[common_pb2.ProjectFacts], None]

BATCH_SIZE = 100


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


class ProjectFactsPublisher:
    def __init__(self, session_factory: sessionmaker[Session], senders: Mapping[str, FactsSender]):
        self._session_factory = session_factory
        self._senders = dict(senders)
        self._rounds = BackgroundRounds("facts-publisher", self.deliver_pending)

    @staticmethod
    def enqueue(session: Session, project_ids: Iterable[str]) -> None:
        """Record, in the caller's transaction, that these projects' facts changed."""
        for project_id in project_ids:
            for target in FACTS_TARGETS:
                session.add(ProjectFactsDelivery(project_id=project_id, target=target))

    def deliver_pending(self, project_ids: Iterable[str] = ()) -> int:
        """Deliver what is due (only these projects' news when given); returns how many."""
        wanted = list(project_ids)
        with self._session_factory() as session:
            due = select(ProjectFactsDelivery).where(
                ProjectFactsDelivery.delivered_at.is_(None),
                ProjectFactsDelivery.next_attempt_at <= utcnow(),
            )
            if wanted:
                due = due.where(ProjectFactsDelivery.project_id.in_(wanted))
            rows = session.scalars(due.order_by(ProjectFactsDelivery.id).limit(BATCH_SIZE)).all()
        newest: dict[tuple[str, str], ProjectFactsDelivery] = {}
        for row in rows:  # fold older news of the same project and target into the newest
            newest[(row.project_id, row.target)] = row
        delivered = 0
        for (project_id, target), row in newest.items():
            delivered += self._deliver(project_id, target, row)
        return delivered

    def _deliver(self, project_id: str, target: str, newest: ProjectFactsDelivery) -> int:
        with self._session_factory() as session:
            facts = current_facts(session, project_id)
        same_news = (
            ProjectFactsDelivery.project_id == project_id,
            ProjectFactsDelivery.target == target,
            ProjectFactsDelivery.id <= newest.id,
            ProjectFactsDelivery.delivered_at.is_(None),
        )
        try:
            self._senders[target](facts)
        except grpc.RpcError as error:
            attempts = newest.attempts + 1
            retry_at = utcnow() + timedelta(seconds=backoff_seconds(attempts))
            detail = f"{error.code().name}: {error.details()}"  # type: ignore[attr-defined]
            log.warning(
                "project facts not delivered",
                extra={"project_id": project_id, "target": target, "error": detail},
            )
            with self._session_factory.begin() as session:
                session.execute(
                    update(ProjectFactsDelivery)
                    .where(*same_news)
                    .values(attempts=attempts, next_attempt_at=retry_at, last_error=detail[:500])
                )
            return 0
        with self._session_factory.begin() as session:
            session.execute(
                update(ProjectFactsDelivery).where(*same_news).values(delivered_at=utcnow())
            )
        return 1

    def poke(self) -> None:
        self._rounds.poke()

    def start(self) -> None:
        self._rounds.start()

    def stop(self) -> None:
        self._rounds.stop()
