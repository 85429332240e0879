"""Expected exceptions of the shared persistence layer, turned into domain errors.

Repositories raise plain exceptions (no gRPC in them); the error-mapping interceptor asks
here what each one means to a caller, so servicers need no try/except for the common cases.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, OperationalError

from shared.db import FieldNotUpdatable, InvalidFieldValue, RecordConflict, RecordNotFound
from shared.errors import (
    AlreadyExists,
    DomainError,
    InvalidArgument,
    NotFound,
    Reason,
    Unavailable,
)
from shared.idempotency import IdempotencyMismatch
from shared.paging import InvalidPageRequest
from shared.permission_levels import UnknownPermissionLevel


def domain_error_for(error: Exception) -> DomainError | None:
    """The refusal ``error`` stands for, or None when it is a real fault."""
    if isinstance(error, RecordNotFound):
        kind = error.kind.upper()
        return NotFound(f"{kind}_NOT_FOUND", f"No {error.kind} {error.record_id!r} was found.")
    if isinstance(error, RecordConflict):
        kind = error.kind.upper()
        return AlreadyExists(
            f"{kind}_ALREADY_EXISTS",
            f"A {error.kind} with {error.field} {error.record_id!r} already exists.",
        )
    if isinstance(error, FieldNotUpdatable):
        return InvalidArgument(
            "INVALID_UPDATE_MASK",
            f"These {error.kind} fields cannot be changed: {', '.join(sorted(error.fields))}.",
        )
    if isinstance(error, InvalidFieldValue):
        return InvalidArgument("INVALID_FIELD_VALUE", str(error))
    if isinstance(error, InvalidPageRequest):
        about_size = str(error).startswith("page_size")
        reason = Reason.INVALID_PAGE_SIZE if about_size else Reason.INVALID_PAGE_TOKEN
        return InvalidArgument(reason, f"{str(error)[:1].upper()}{str(error)[1:]}.")
    if isinstance(error, UnknownPermissionLevel):
        return InvalidArgument("INVALID_PERMISSION_LEVEL", str(error))
    if isinstance(error, DataError):  # a value the database cannot hold: NUL in PostgreSQL text
        return InvalidArgument(
            "INVALID_FIELD_VALUE", "A value in the request cannot be stored or looked up."
        )
    if isinstance(error, OperationalError) and "database is locked" in str(error.orig):
        # SQLite's one writer stayed busy beyond busy_timeout: nothing was written, and a
        # retry (clients retry UNAVAILABLE) usually gets through.
        return Unavailable("DATABASE_BUSY", "The database is busy; try again shortly.")
    if isinstance(error, IdempotencyMismatch):
        return InvalidArgument(
            Reason.REQUEST_ID_REUSED,
            f"request_id {error.request_id!r} was already used for a different request.",
        )
    return None
