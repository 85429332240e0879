"""Checks of incoming requests that every servicer makes (required fields, update masks)."""

from __future__ import annotations

from typing import Any

from shared.facts.errors import ErrorReason, InvalidArgument


def require_fields(request: Any, *fields: str) -> None:
    missing = [name for name in fields if not getattr(request, name)]
    if missing:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, f"{', '.join(missing)} is required.")


def required_id(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(ErrorReason.MISSING_FIELD, f"{field} is required.")
    return value


def masked_changes(
    kind: str, paths: Any, readers: dict[str, Any], fixed: tuple[str, ...] = ()
) -> dict[str, object]:
    """The fields an update mask names, each read and checked; refuses unknown fields, and
    says so when some of them are ``fixed`` at creation."""
    named = list(paths)
    if not named:
        raise InvalidArgument(
            ErrorReason.INVALID_UPDATE_MASK, "update_mask must name the fields to change."
        )
    unknown = sorted(path for path in named if path not in readers)
    if unknown:
        why = " (fixed at creation)" if set(unknown) & set(fixed) else ""
        raise InvalidArgument(
            ErrorReason.INVALID_UPDATE_MASK,
            f"These {kind} fields cannot be changed{why}: {', '.join(unknown)}.",
        )
    return {path: readers[path]() for path in named}
