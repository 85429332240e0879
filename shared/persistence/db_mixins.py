"""Table shapes that several services declare, each in its own database.

Each service maps these mixins onto its own ``DeclarativeBase``; the columns are copied
into that service's table, so no table is shared between services.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, LargeBinary, MetaData, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.persistence.db import UtcDateTime, utcnow

# Deterministic constraint names: Alembic can then alter and drop them on both backends
# (SQLite's batch mode rebuilds tables and needs every constraint named).
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """The metadata of one service's tables, its constraints named by the convention above."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def sql_one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint body restricting ``column`` to ``values`` (trusted constants only)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ProjectFactsColumns:
    """What the connection service (or the platform) tells a service about a project."""

    project_id: Mapped[str] = mapped_column(String, primary_key=True)
    company_id: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)
    active: Mapped[bool] = mapped_column(Boolean)
    outside_applications_allowed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class IdempotentRequestColumns:
    """One answered mutation (AIP-155): the same request id replays ``response``."""

    caller: Mapped[str] = mapped_column(String, primary_key=True)
    method: Mapped[str] = mapped_column(String, primary_key=True)
    request_id: Mapped[str] = mapped_column(String, primary_key=True)
    # A hash of the request bytes: the same id with a different request is refused.
    request_fingerprint: Mapped[str] = mapped_column(String)
    response: Mapped[bytes] = mapped_column(LargeBinary)
    # Indexed so that old entries can be pruned by age.
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
