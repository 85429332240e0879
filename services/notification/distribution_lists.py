"""Distribution lists: which addresses each tool of each project tells (R23)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from services.notification.store.models import DistributionList as DistributionListRow
from services.notification.store.models import ProjectFacts
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.persistence.db import RecordNotFound, utcnow
from shared.persistence.etags import etag_of_values, require_fresh_etag

MAX_ADDRESSES = 100
CONNECTION_MANAGER = "connection_manager"


@dataclass(frozen=True)
class StoredList:
    project_id: str
    tool: str
    emails: list[str]
    # None for a list that was never stored.
    update_time: datetime | None

    @property
    def etag(self) -> str:
        """A digest of what is stored (AIP-154); a list never stored has one too."""
        return etag_of_values({"emails": self.emails, "update_time": self.update_time})


def checked_addresses(given: list[str]) -> list[str]:
    """Trimmed, validated, folded addresses; ``InvalidArgument`` names the first bad one."""
    kept: dict[str, str] = {}
    for raw in given:
        address = raw.strip()
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as error:
            raise InvalidArgument(
                ErrorReason.INVALID_EMAIL_ADDRESS,
                f"{address!r} is not a valid email address: {error}",
                {"email": address},
            ) from error
        # Letter case alone never makes a new recipient; the first spelling stays.
        kept.setdefault(address.casefold(), address)
    if len(kept) > MAX_ADDRESSES:
        raise InvalidArgument(
            ErrorReason.DISTRIBUTION_LIST_TOO_LONG,
            f"A distribution list holds at most {MAX_ADDRESSES} addresses, got {len(kept)}.",
        )
    return list(kept.values())


def require_project(session: Session, project_id: str, lock: bool = False) -> None:
    if session.get(ProjectFacts, project_id, with_for_update=lock) is None:
        raise RecordNotFound("project", project_id)


def load_list(session: Session, project_id: str, tool: str) -> StoredList:
    require_project(session, project_id)
    row = session.get(DistributionListRow, (project_id, tool))
    if row is None:
        return StoredList(project_id, tool, [], None)
    return StoredList(project_id, tool, list(json.loads(row.emails)), row.updated_at)


def replace_list(
    session: Session, project_id: str, tool: str, emails: list[str], etag: str = ""
) -> StoredList:
    """Store ``emails`` (already checked) as the list, replacing the old one; refused when
    ``etag`` is set and the stored list is no longer that version.

    The project's row is locked first (a list that was never stored has no row of its own
    to lock), so two replacements sent with the same etag are decided one after the other.
    """
    require_project(session, project_id, lock=True)
    current = load_list(session, project_id, tool)
    require_fresh_etag(etag, current.etag, "distribution list")
    row = session.get(DistributionListRow, (project_id, tool))
    if row is None:
        row = DistributionListRow(project_id=project_id, tool=tool)
        session.add(row)
    row.emails = json.dumps(emails)
    row.updated_at = utcnow()
    session.flush()
    return StoredList(project_id, tool, emails, row.updated_at)
