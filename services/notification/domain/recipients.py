"""Distribution lists: which addresses each tool of each project tells (R23)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from shared.facts.errors import ErrorReason, InvalidArgument

MAX_ADDRESSES = 100
DRAWINGS = "drawings"
CONNECTION_MANAGER = "connection_manager"
# The stored names of the tools a project has a list for.
TOOLS: tuple[str, ...] = (DRAWINGS, CONNECTION_MANAGER)


@dataclass(frozen=True)
class RecipientList:
    """One tool's list of one project, as stored; an empty one when never stored."""

    project_id: str
    tool: str
    emails: list[str]
    # None for a list that was never stored.
    update_time: datetime | None
    # A digest of what is stored (AIP-154); a list never stored has one too.
    etag: str


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
