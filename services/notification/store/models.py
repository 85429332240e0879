"""The notification service's tables: the project facts it is told, its AIP-155 replay
store, distribution lists, the events it was told and one delivery per (event, recipient)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.notification.domain.deliveries import DeliveryStatus
from services.notification.domain.recipients import TOOLS
from shared.persistence.db import UtcDateTime, utcnow
from shared.persistence.db_mixins import (
    IdempotentRequestColumns,
    ProjectFactsColumns,
    Timestamps,
    service_metadata,
    sql_one_of,
)


class Base(DeclarativeBase):
    metadata = service_metadata()


DELIVERY_STATUSES: tuple[str, ...] = tuple(status.value for status in DeliveryStatus)


class ProjectFacts(ProjectFactsColumns, Base):
    __tablename__ = "project_facts"


class IdempotentRequest(IdempotentRequestColumns, Base):
    __tablename__ = "idempotent_requests"


class DistributionList(Base):
    """One tool's list of one project; no row means an empty list that was never stored."""

    __tablename__ = "distribution_lists"
    __table_args__ = (CheckConstraint(sql_one_of("tool", TOOLS), name="tool"),)

    project_id: Mapped[str] = mapped_column(
        ForeignKey("project_facts.project_id"), primary_key=True
    )
    tool: Mapped[str] = mapped_column(String, primary_key=True)
    # A JSON array of at most 100 addresses, in the order given: small, always read whole.
    emails: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Digest(Base):
    """New-revision notices of one connection gathered for one email (R24).

    Open while ``flushed_event_id`` is empty; when its window ends the worker turns the
    events gathered in it into one event with one message per recipient.
    """

    __tablename__ = "digests"
    __table_args__ = (Index("ix_digests_open", "flushed_event_id", "window_ends_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"))
    connection_id: Mapped[str] = mapped_column(String)
    window_ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The event that was sent for this digest; set once, when the window closes.
    flushed_event_id: Mapped[str | None] = mapped_column(String, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NotificationEvent(Base):
    """An event as Notify was told it; the idempotency key makes a retry answer the first."""

    __tablename__ = "notification_events"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # A hash of the event's bytes: the same key with a different event is refused.
    fingerprint: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)
    # The serialized NotificationEvent (event_time filled in): messages render from it.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set for a new-revision notice waiting in a digest instead of being sent on its own.
    digest_id: Mapped[str | None] = mapped_column(
        ForeignKey("digests.id"), nullable=True, index=True
    )


class Delivery(Timestamps, Base):
    """The email of one event to one recipient, and where its sending stands (R25)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(sql_one_of("status", DELIVERY_STATUSES), name="status"),
        # The worker's question: which messages are due now?
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    # A surrogate that grows with insertion order: ListDeliveries pages newest first by it.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String, unique=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("notification_events.id"), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project_facts.project_id"), index=True)
    recipient: Mapped[str] = mapped_column(String)
    status: Mapped[str] = mapped_column(String, default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the delivery was last sent again by hand (ResendDelivery): its retry horizon runs
    # from then; empty means from created_at. ``attempts`` keeps counting every attempt.
    retrying_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
