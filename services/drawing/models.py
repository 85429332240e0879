"""The drawing service's tables: the project facts it is told, Drawings grants and its
AIP-155 replay store. (Areas, sets, drawings and revisions join them later.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, utcnow
from shared.db_mixins import (
    NAMING_CONVENTION,
    IdempotentRequestColumns,
    ProjectFactsColumns,
    sql_one_of,
)
from shared.permission_levels import PERMISSION_LEVELS


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProjectFacts(ProjectFactsColumns, Base):
    __tablename__ = "project_facts"


class DrawingsGrant(Base):
    """A user's Drawings level on one project; no row means ``none``.

    ``user_id`` is not a foreign key: users live in the connection service's database.
    """

    __tablename__ = "drawings_grants"
    __table_args__ = (CheckConstraint(sql_one_of("level", PERMISSION_LEVELS), name="level"),)

    project_id: Mapped[str] = mapped_column(
        ForeignKey("project_facts.project_id"), primary_key=True
    )
    # Indexed for "the projects this user can see" (R1's list of connectable projects).
    user_id: Mapped[str] = mapped_column(String, primary_key=True, index=True)
    level: Mapped[str] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class IdempotentRequest(IdempotentRequestColumns, Base):
    __tablename__ = "idempotent_requests"
