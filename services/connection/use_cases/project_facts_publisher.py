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
from collections.abc import Iterable, Mapping
from datetime import timedelta

from sqlalchemy.orm import Session

from services.connection.clients.project_facts_senders import FactsNotDelivered, FactsSender
from services.connection.store.project_facts_outbox import (
    DueFacts,
    ProjectFactsDeliveries,
    enqueue_facts,
)
from shared.persistence.db import utcnow
from shared.runtime.background_rounds import BackgroundRounds, backoff_seconds

log = logging.getLogger("connectability.connection.facts")

BATCH_SIZE = 100


class ProjectFactsPublisher(BackgroundRounds):
    """Rounds of delivery: woken by a commit that changed facts, else now and then."""

    def __init__(self, deliveries: ProjectFactsDeliveries, senders: Mapping[str, FactsSender]):
        self._deliveries = deliveries
        self._senders = dict(senders)
        super().__init__("facts-publisher", self.deliver_pending)

    @staticmethod
    def enqueue(session: Session, project_ids: Iterable[str]) -> None:
        """Record, in the caller's transaction, that these projects' facts changed."""
        enqueue_facts(session, project_ids)

    def deliver_pending(self, project_ids: Iterable[str] = ()) -> int:
        """Deliver what is due (only these projects' news when given); returns how many."""
        due = self._deliveries.due(list(project_ids), BATCH_SIZE)
        return sum(self._deliver(news) for news in due)

    def _deliver(self, due: DueFacts) -> int:
        facts = self._deliveries.facts_of(due.project_id)
        try:
            self._senders[due.target](facts)
        except FactsNotDelivered as failure:
            attempts = due.attempts + 1
            retry_at = utcnow() + timedelta(seconds=backoff_seconds(attempts))
            log.warning(
                "project facts not delivered",
                extra={"project_id": due.project_id, "target": due.target, "error": str(failure)},
            )
            self._deliveries.failed(due, attempts, retry_at, str(failure))
            return 0
        self._deliveries.delivered(due)
        return 1
