"""What the connection service (or the platform) tells the services below about a project."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ProjectFacts:
    project_id: str
    company_id: str
    name: str
    active: bool
    outside_applications_allowed: bool
    # When the source last changed these facts; None means now. Not part of equality.
    update_time: datetime | None = field(default=None, compare=False)
