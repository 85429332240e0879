"""An in-memory notification unit of work and a scripted mail transport: the use cases run
over them without a database or a mail server."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Self, cast

from services.notification.domain.deliveries import DUE_STATUSES, DeliveryStatus
from services.notification.domain.recipients import RecipientList
from services.notification.store.models import Delivery, Digest, NotificationEvent
from services.notification.store.unit_of_work import NotificationUnitOfWork
from shared.persistence.db import RecordConflict, RecordNotFound


class FakeProjects:
    def __init__(self) -> None:
        self.known: set[str] = set()

    def require(self, project_id: str, lock: bool = False) -> None:
        if project_id not in self.known:
            raise RecordNotFound("project", project_id)


class FakeDistributionLists:
    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], tuple[list[str], datetime]] = {}

    def get(self, project_id: str, tool: str) -> RecipientList:
        emails, update_time = self.stored.get((project_id, tool), ([], None))
        etag = json.dumps([emails, str(update_time)])
        return RecipientList(project_id, tool, list(emails), update_time, etag)

    def put(self, project_id: str, tool: str, emails: list[str], now: datetime) -> RecipientList:
        self.stored[(project_id, tool)] = (list(emails), now)
        return self.get(project_id, tool)


class FakeEvents:
    def __init__(self) -> None:
        self.rows: dict[str, NotificationEvent] = {}

    def by_key(self, idempotency_key: str) -> NotificationEvent | None:
        return next((r for r in self.rows.values() if r.idempotency_key == idempotency_key), None)

    def get(self, event_id: str) -> NotificationEvent:
        return self.rows[event_id]

    def add(self, event: NotificationEvent) -> None:
        if self.by_key(event.idempotency_key) is not None:
            raise RecordConflict("notification_event", event.idempotency_key, "idempotency_key")
        self.rows[event.id] = event

    def gathered_in(self, digest_id: str) -> list[NotificationEvent]:
        return [row for row in self.rows.values() if row.digest_id == digest_id]


class FakeDigests:
    def __init__(self) -> None:
        self.rows: list[Digest] = []

    def open_for(self, project_id: str, connection_id: str) -> Digest | None:
        return next(
            (
                d
                for d in self.rows
                if (d.project_id, d.connection_id) == (project_id, connection_id)
                and d.flushed_event_id is None
            ),
            None,
        )

    def add(self, digest: Digest) -> None:
        self.rows.append(digest)

    def due(self, now: datetime) -> list[Digest]:
        return [d for d in self.rows if d.flushed_event_id is None and d.window_ends_at <= now]

    def flush(self) -> None:
        pass


class FakeDeliveries:
    def __init__(self) -> None:
        self.rows: dict[int, Delivery] = {}
        self._ids = itertools.count(1)

    def add(self, delivery: Delivery) -> None:
        delivery.id = next(self._ids)
        self.rows[delivery.id] = delivery

    def flush(self) -> None:
        pass

    def get(self, delivery_id: int) -> Delivery:
        return self.rows[delivery_id]

    def by_message_id(self, project_id: str, message_id: str) -> Delivery | None:
        return next(
            (
                d
                for d in self.rows.values()
                if (d.project_id, d.message_id) == (project_id, message_id)
            ),
            None,
        )

    def page(
        self, project_id: str, event_id: str, page_size: int, page_token: str
    ) -> tuple[list[Delivery], str]:
        rows = [
            d
            for d in self.rows.values()
            if d.project_id == project_id and (not event_id or d.event_id == event_id)
        ]
        return sorted(rows, key=lambda d: -d.id), ""

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        due = [
            d for d in self.rows.values() if d.status in DUE_STATUSES and d.next_attempt_at <= now
        ]
        return sorted(due, key=lambda d: (d.next_attempt_at, d.id))[:limit]

    def interrupted(self, lease_ended_before: datetime | None = None) -> list[Delivery]:
        return [
            d
            for d in self.rows.values()
            if d.status == DeliveryStatus.SENDING
            and (lease_ended_before is None or d.next_attempt_at <= lease_ended_before)
        ]

    def held(self, delivery_id: int, attempt: int) -> Delivery | None:
        row = self.rows.get(delivery_id)
        held = row is not None and row.status == DeliveryStatus.SENDING and row.attempts == attempt
        return row if held else None


class FakeUnitOfWork:
    """The same repositories as ``NotificationUnitOfWork``, kept in memory across uses."""

    def __init__(self) -> None:
        self.projects = FakeProjects()
        self.distribution_lists = FakeDistributionLists()
        self.events = FakeEvents()
        self.digests = FakeDigests()
        self.deliveries = FakeDeliveries()
        self.committed = False
        self.after_commit_actions: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        self.committed = False
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.committed = kind is None

    def after_commit(self, action: Callable[[], None]) -> None:
        self.after_commit_actions.append(action)

    def factory(self) -> Callable[[], NotificationUnitOfWork]:
        """What the use cases are given in place of the real unit of work's constructor."""
        return lambda: cast(NotificationUnitOfWork, self)


@dataclass
class FakeTransport:
    """Raises the scripted failures in turn, then accepts; keeps what it accepted."""

    failures: list[Exception] = field(default_factory=list)
    sent: list[EmailMessage] = field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
