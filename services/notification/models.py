"""The notification service's tables: the project facts it is told and its AIP-155 replay
store. (Distribution lists, events and deliveries join them later.)"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from shared.db_mixins import NAMING_CONVENTION, IdempotentRequestColumns, ProjectFactsColumns


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProjectFacts(ProjectFactsColumns, Base):
    __tablename__ = "project_facts"


class IdempotentRequest(IdempotentRequestColumns, Base):
    __tablename__ = "idempotent_requests"
