"""Calendar dates as the contract writes them ("YYYY-MM-DD")."""

from __future__ import annotations

from datetime import date

from shared.facts.errors import ErrorReason, InvalidArgument


def parse_date(value: str, field: str, required: bool = False) -> date | None:
    """A "YYYY-MM-DD" date, None when empty and optional."""
    if not value:
        if required:
            raise InvalidArgument(ErrorReason.MISSING_FIELD, f"{field} is required (YYYY-MM-DD).")
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 10:
        raise InvalidArgument(
            ErrorReason.INVALID_DATE, f"{field} must be a date written YYYY-MM-DD."
        )
    return parsed
