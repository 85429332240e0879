"""The connection service's tables: the directory (companies, projects, users, Connection
Manager grants), its AIP-155 replay store, and the outbox of project facts to pass down."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from shared.facts.permission_levels import PERMISSION_LEVELS
from shared.persistence.db import UtcDateTime, utcnow
from shared.persistence.db_mixins import (
    NAMING_CONVENTION,
    IdempotentRequestColumns,
    Timestamps,
    sql_one_of,
)
from shared.persistence.sort_keys import keeps_sort_key, sort_key_column

APPROVAL_PREFERENCES: tuple[str, ...] = ("auto_approve", "review_required")
COMPANY_ROLES: tuple[str, ...] = ("member", "company_admin")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Company(Timestamps, Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint(
            sql_one_of("approval_preference", APPROVAL_PREFERENCES), name="approval_preference"
        ),
        # Serves ListCompanies: by name, casefolded, then id.
        Index("ix_companies_name_sort_key_id", "name_sort_key", "id"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    name_sort_key: Mapped[str] = sort_key_column()
    _keep_name_sort_key = validates("name")(keeps_sort_key("name_sort_key"))
    # File storage location, e.g. "us", "eu", "au": connected companies must share it (R11).
    file_storage_location: Mapped[str] = mapped_column(String)
    govcloud: Mapped[bool] = mapped_column(Boolean, default=False)
    approval_preference: Mapped[str] = mapped_column(String, default="review_required")
    outside_applications_allowed: Mapped[bool] = mapped_column(Boolean, default=True)


class Project(Timestamps, Base):
    __tablename__ = "projects"
    # Serve ListProjects (all, or of a company): by name, casefolded, then id.
    __table_args__ = (
        Index("ix_projects_company_id_id", "company_id", "id"),
        Index("ix_projects_name_sort_key_id", "name_sort_key", "id"),
        Index("ix_projects_company_id_name_sort_key_id", "company_id", "name_sort_key", "id"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String)
    name_sort_key: Mapped[str] = sort_key_column()
    _keep_name_sort_key = validates("name")(keeps_sort_key("name_sort_key"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_company_id_id", "company_id", "id"),
        # Serve ListUsers (all, or of a company): by email, casefolded, then id.
        Index("ix_users_email_sort_key_id", "email_sort_key", "id"),
        Index("ix_users_company_id_email_sort_key_id", "company_id", "email_sort_key", "id"),
        CheckConstraint(sql_one_of("company_role", COMPANY_ROLES), name="company_role"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    # Unique as given (no case folding): the platform owns the address's canonical form.
    email: Mapped[str] = mapped_column(String, unique=True)
    email_sort_key: Mapped[str] = sort_key_column()
    _keep_email_sort_key = validates("email")(keeps_sort_key("email_sort_key"))
    display_name: Mapped[str] = mapped_column(String)
    company_role: Mapped[str] = mapped_column(String, default="member")
    # Not a person: an identity client applications act as (R31), holding ordinary grants.
    service_account: Mapped[bool] = mapped_column(Boolean, default=False)


class ConnectionManagerGrant(Base):
    """A user's Connection Manager level on one project; no row means ``none``."""

    __tablename__ = "connection_manager_grants"
    __table_args__ = (CheckConstraint(sql_one_of("level", PERMISSION_LEVELS), name="level"),)

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    # Indexed for "the projects this user holds a level on".
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    level: Mapped[str] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


INTEGRATOR_MODES: tuple[str, ...] = ("on_behalf_of_user", "service_account")


class IntegratorClient(Base):
    """A client application of a company (R31): it acts as ``user_id`` and holds only that
    user's grants. The secret is kept only as a salted scrypt hash (see integrator_secrets).
    """

    __tablename__ = "integrator_clients"
    __table_args__ = (
        CheckConstraint(sql_one_of("mode", INTEGRATOR_MODES), name="mode"),
        Index("ix_integrator_clients_company_id_id", "company_id", "id"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    display_name: Mapped[str] = mapped_column(String)
    mode: Mapped[str] = mapped_column(String)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    rate_limit_per_hour: Mapped[int] = mapped_column(Integer)
    secret_hash: Mapped[str] = mapped_column(String)
    # The user id, or "platform", that registered the client.
    created_by: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set by DeleteIntegratorClient: no new tokens from then on.
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IdempotentRequest(IdempotentRequestColumns, Base):
    __tablename__ = "idempotent_requests"


FACTS_TARGETS: tuple[str, ...] = ("drawing", "notification")


class ProjectFactsDelivery(Base):
    """A project whose facts one service below must be told (again).

    Written in the same transaction as the change, so a service that is down delays the
    news but never loses it. The facts themselves are read when delivering: the newest
    state is sent, and older deliveries of the same project are folded into it.
    """

    __tablename__ = "project_facts_deliveries"
    __table_args__ = (
        CheckConstraint(sql_one_of("target", FACTS_TARGETS), name="target"),
        Index("ix_project_facts_deliveries_pending", "delivered_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    target: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String, default="")


CONNECTION_STATES: tuple[str, ...] = ("pending", "active", "rejected", "withdrawn", "disconnected")


class Connection(Base):
    """One upstream project joined to one downstream project (R5 states)."""

    __tablename__ = "connections"
    __table_args__ = (
        CheckConstraint(sql_one_of("state", CONNECTION_STATES), name="state"),
        Index("ix_connections_downstream", "downstream_project_id", "state"),
        Index("ix_connections_upstream", "upstream_project_id", "state"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    upstream_project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    upstream_company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    downstream_project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    downstream_company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    state: Mapped[str] = mapped_column(String)
    requested_by_user_id: Mapped[str] = mapped_column(String)
    state_reason: Mapped[str] = mapped_column(String, default="")
    state_changed_by_user_id: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConnectionEvent(Base):
    """The audit trail: every transition, who made it, when and why (R5)."""

    __tablename__ = "connection_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    from_state: Mapped[str] = mapped_column(String, default="")
    to_state: Mapped[str] = mapped_column(String)
    actor_user_id: Mapped[str] = mapped_column(String)
    actor_company_id: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(String, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NotificationOutboxEntry(Base):
    """A notice for a project's distribution list (R23), written in the same transaction as
    the transition it tells of and delivered to the notification service with retries, so a
    notification service that is down delays mail but never loses it."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_pending", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Sent as Notify's idempotency key: a redelivery queues nothing twice downstream.
    idempotency_key: Mapped[str] = mapped_column(String, unique=True)
    # The serialized connectability.v1.NotificationEvent.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String, default="")
    # The W3C traceparent of the call that wrote the notice (empty: tracing was off); its
    # delivery continues that trace.
    traceparent: Mapped[str] = mapped_column(String, default="", server_default="")


INITIAL_COPY_STATES: tuple[str, ...] = ("not_started", "running", "complete", "failed")


class ConnectionSync(Base):
    """How far one active connection's sync has got (R22), and who is driving it.

    Created in the transaction that makes the connection active. ``applied_sequence`` is
    this service's durable cursor into the upstream feed; the drawing service keeps its own
    (the exactly-once key, R19), so a crash between the two commits replays harmlessly.
    Replicas share the work through the lease: a row belongs to ``lease_owner`` until
    ``lease_expires_at``, and is claimed with a conditional UPDATE (``SKIP LOCKED`` on
    PostgreSQL), never an in-process lock.
    """

    __tablename__ = "connection_syncs"
    __table_args__ = (
        CheckConstraint(
            sql_one_of("initial_copy_state", INITIAL_COPY_STATES), name="initial_copy_state"
        ),
        Index("ix_connection_syncs_upstream", "upstream_project_id"),
        Index("ix_connection_syncs_lease", "lease_expires_at"),
    )

    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), primary_key=True)
    upstream_project_id: Mapped[str] = mapped_column(String)
    downstream_project_id: Mapped[str] = mapped_column(String)
    initial_copy_state: Mapped[str] = mapped_column(String, default="not_started")
    # Revisions the initial copy brought (its progress bar's total once known).
    initial_copy_total: Mapped[int] = mapped_column(BigInteger, default=0)
    # Upstream revisions copied downstream so far, the initial copy included.
    revisions_copied: Mapped[int] = mapped_column(BigInteger, default=0)
    # The last upstream feed sequence applied downstream.
    applied_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    # The newest upstream feed sequence seen; ahead of applied_sequence while changes wait.
    upstream_head_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    # When the oldest change not yet applied was recorded upstream (for the lag).
    oldest_pending_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String, default="")
    # Consecutive failures, for back-off; the next attempt waits until next_attempt_at.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set once the drawing service has marked the connection's sets disconnected (R4).
    disconnect_marked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String, nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The W3C traceparent of the call that made the connection active (empty: tracing was
    # off); the initial copy continues that trace.
    traceparent: Mapped[str] = mapped_column(String, default="", server_default="")
