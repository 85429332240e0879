"""The notification service's repositories: one per aggregate, over the unit of work's session."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.notification.domain.deliveries import DUE_STATUSES, DeliveryStatus, DeliverySummary
from services.notification.domain.recipients import RecipientList
from services.notification.store.models import Delivery, Digest, NotificationEvent, ProjectFacts
from services.notification.store.models import DistributionList as DistributionListRow
from shared.persistence.db import RecordConflict, RecordNotFound
from shared.persistence.etags import etag_of_values
from shared.persistence.paging import descending, fetch_page


class Projects:
    def __init__(self, session: Session) -> None:
        self._session = session

    def require(self, project_id: str, lock: bool = False) -> None:
        """``RecordNotFound`` (NOT_FOUND) for a project we were never told about; ``lock``
        holds its row until the transaction ends."""
        if self._session.get(ProjectFacts, project_id, with_for_update=lock) is None:
            raise RecordNotFound("project", project_id)


class DistributionLists:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, project_id: str, tool: str) -> RecipientList:
        row = self._session.get(DistributionListRow, (project_id, tool))
        if row is None:
            return _recipient_list(project_id, tool, [], None)
        return _recipient_list(project_id, tool, list(json.loads(row.emails)), row.updated_at)

    def put(self, project_id: str, tool: str, emails: list[str], now: datetime) -> RecipientList:
        row = self._session.get(DistributionListRow, (project_id, tool))
        if row is None:
            row = DistributionListRow(project_id=project_id, tool=tool)
            self._session.add(row)
        row.emails = json.dumps(emails)
        row.updated_at = now
        self._session.flush()
        return _recipient_list(project_id, tool, emails, row.updated_at)


def _recipient_list(
    project_id: str, tool: str, emails: list[str], update_time: datetime | None
) -> RecipientList:
    etag = etag_of_values({"emails": emails, "update_time": update_time})
    return RecipientList(project_id, tool, emails, update_time, etag)


class Events:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_key(self, idempotency_key: str) -> NotificationEvent | None:
        return self._session.scalars(
            select(NotificationEvent).where(NotificationEvent.idempotency_key == idempotency_key)
        ).one_or_none()

    def get(self, event_id: str) -> NotificationEvent:
        return self._session.get_one(NotificationEvent, event_id)

    def add(self, event: NotificationEvent) -> None:
        """Stored now; ``RecordConflict`` when a twin with the same key committed first."""
        self._session.add(event)
        try:
            self._session.flush()
        except IntegrityError as error:
            raise RecordConflict(
                "notification_event", event.idempotency_key, "idempotency_key"
            ) from error

    def gathered_in(self, digest_id: str) -> Sequence[NotificationEvent]:
        """The events of one digest, oldest first."""
        return self._session.scalars(
            select(NotificationEvent)
            .where(NotificationEvent.digest_id == digest_id)
            .order_by(NotificationEvent.created_at, NotificationEvent.id)
        ).all()


class Digests:
    def __init__(self, session: Session) -> None:
        self._session = session

    def open_for(self, project_id: str, connection_id: str) -> Digest | None:
        """The connection's digest still gathering, locked until the transaction ends."""
        return self._session.scalars(
            select(Digest)
            .where(
                Digest.project_id == project_id,
                Digest.connection_id == connection_id,
                Digest.flushed_event_id.is_(None),
            )
            .with_for_update()
        ).first()

    def add(self, digest: Digest) -> None:
        self._session.add(digest)
        self._session.flush()

    def due(self, now: datetime) -> Sequence[Digest]:
        """Digests whose window has closed, oldest first; those another worker holds are
        skipped."""
        return self._session.scalars(
            select(Digest)
            .where(Digest.flushed_event_id.is_(None), Digest.window_ends_at <= now)
            .order_by(Digest.window_ends_at)
            .with_for_update(skip_locked=True)
        ).all()

    def flush(self) -> None:
        self._session.flush()


class Deliveries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, delivery: Delivery) -> None:
        self._session.add(delivery)

    def flush(self) -> None:
        self._session.flush()

    def get(self, delivery_id: int) -> Delivery:
        return self._session.get_one(Delivery, delivery_id)

    def by_message_id(self, project_id: str, message_id: str) -> Delivery | None:
        """The project's delivery, locked until the transaction ends."""
        return self._session.scalars(
            select(Delivery)
            .where(Delivery.project_id == project_id, Delivery.message_id == message_id)
            .with_for_update()
        ).one_or_none()

    def page(
        self, project_id: str, event_id: str, page_size: int, page_token: str
    ) -> tuple[list[Delivery], str]:
        """Newest first: the id grows as deliveries are queued."""
        statement = select(Delivery).where(Delivery.project_id == project_id)
        if event_id:
            statement = statement.where(Delivery.event_id == event_id)
        rows, token = fetch_page(
            self._session,
            statement,
            (descending(Delivery.id),),
            page_size=page_size,
            page_token=page_token,
            filters={"project_id": project_id, "event_id": event_id},
        )
        return list(rows), token

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        """Deliveries whose next attempt is due, locked; those another worker holds are
        skipped."""
        return list(
            self._session.scalars(
                select(Delivery)
                .where(
                    Delivery.status.in_([status.value for status in DUE_STATUSES]),
                    Delivery.next_attempt_at <= now,
                )
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )

    def interrupted(self, lease_ended_before: datetime | None = None) -> list[Delivery]:
        """What a crash left ``sending``: all of it, or only claims whose lease (held in
        ``next_attempt_at`` while sending) ended before the given time; locked, skipping
        rows another worker holds."""
        statement = select(Delivery).where(Delivery.status == DeliveryStatus.SENDING.value)
        if lease_ended_before is not None:
            statement = statement.where(Delivery.next_attempt_at <= lease_ended_before)
        return list(self._session.scalars(statement.with_for_update(skip_locked=True)))

    def held(self, delivery_id: int, attempt: int) -> Delivery | None:
        """The delivery, locked, if it is still ``sending`` under the claim that counted
        ``attempt`` (nobody took it over since); else None."""
        return self._session.scalars(
            select(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == DeliveryStatus.SENDING.value,
                Delivery.attempts == attempt,
            )
            .with_for_update()
        ).one_or_none()


def summary_of(row: Delivery) -> DeliverySummary:
    return DeliverySummary(
        message_id=row.message_id,
        event_id=row.event_id,
        recipient=row.recipient,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sent_at=row.sent_at,
    )
