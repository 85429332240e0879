"""The projects a service has been told about by the connection service (or the platform).

The drawing and notification services keep the same facts, each in its own table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from shared.facts.project_facts import ProjectFacts
from shared.persistence.db import RecordNotFound, utcnow
from shared.persistence.db_mixins import ProjectFactsColumns
from shared.persistence.upsert import upsert_row


class ProjectFactsRegistry:
    def __init__(
        self, session_factory: sessionmaker[Session], model: type[ProjectFactsColumns]
    ) -> None:
        self._session_factory = session_factory
        self._model = model

    def register_project(self, facts: ProjectFacts) -> ProjectFacts:
        """Record the facts unless newer ones are known; returns what is now known."""
        with self._session_factory.begin() as session:
            upsert_row(
                session,
                self._model,
                {
                    "project_id": facts.project_id,
                    "company_id": facts.company_id,
                    "name": facts.name,
                    "active": facts.active,
                    "outside_applications_allowed": facts.outside_applications_allowed,
                    "updated_at": facts.update_time or utcnow(),
                },
                key_columns=("project_id",),
                unless_newer="updated_at",
            )
        return self.get_project(facts.project_id)

    def get_project(self, project_id: str) -> ProjectFacts:
        with self._session_factory() as session:
            known = session.get(self._model, project_id)
            if known is None:
                raise RecordNotFound("project", project_id)
            return facts_of(known)


# The columns ``facts_of`` reads.
FACT_COLUMNS = (
    "project_id",
    "company_id",
    "name",
    "active",
    "outside_applications_allowed",
    "updated_at",
)


def facts_of(known: ProjectFactsColumns | Row[Any], prefix: str = "") -> ProjectFacts:
    """The facts a stored project row holds (its entity, or a row of ``FACT_COLUMNS``, each
    labelled ``prefix`` + its name when read beside another record's columns)."""
    return ProjectFacts(
        project_id=getattr(known, prefix + "project_id"),
        company_id=getattr(known, prefix + "company_id"),
        name=getattr(known, prefix + "name"),
        active=getattr(known, prefix + "active"),
        outside_applications_allowed=getattr(known, prefix + "outside_applications_allowed"),
        update_time=getattr(known, prefix + "updated_at"),
    )
