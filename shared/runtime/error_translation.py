"""Expected exceptions of the shared persistence layer, turned into domain errors.

Repositories raise plain exceptions (no gRPC in them); the error-mapping interceptor asks
here what each one means to a caller, so servicers need no try/except for the common cases.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, OperationalError

from shared.facts.errors import (
    AlreadyExists,
    DomainError,
    ErrorReason,
    ErrorReasonValue,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from shared.facts.permission_levels import UnknownPermissionLevel
from shared.persistence.db import (
    FieldNotUpdatable,
    InvalidFieldValue,
    RecordConflict,
    RecordNotFound,
)
from shared.persistence.idempotency import IdempotencyMismatch
from shared.persistence.paging import InvalidPageRequest

# The reason a missing record of each kind answers (repositories name kinds, not reasons).
NOT_FOUND_REASONS: dict[str, ErrorReasonValue] = {
    "company": ErrorReason.COMPANY_NOT_FOUND,
    "project": ErrorReason.PROJECT_NOT_FOUND,
    "user": ErrorReason.USER_NOT_FOUND,
    "connection": ErrorReason.CONNECTION_NOT_FOUND,
    "integrator_client": ErrorReason.INTEGRATOR_CLIENT_NOT_FOUND,
    "drawing_area": ErrorReason.DRAWING_AREA_NOT_FOUND,
    "drawing_set": ErrorReason.DRAWING_SET_NOT_FOUND,
    "drawing": ErrorReason.DRAWING_NOT_FOUND,
    "revision": ErrorReason.REVISION_NOT_FOUND,
    "drawing_upload": ErrorReason.DRAWING_UPLOAD_NOT_FOUND,
    "upload": ErrorReason.UPLOAD_NOT_FOUND,
}

# The reason a taken unique value answers, by (kind, field). Ids of the directory's
# records share one reason; the other unique values have their own, documented ones.
CONFLICT_REASONS: dict[tuple[str, str], ErrorReasonValue] = {
    ("company", "id"): ErrorReason.ID_ALREADY_EXISTS,
    ("project", "id"): ErrorReason.ID_ALREADY_EXISTS,
    ("user", "id"): ErrorReason.ID_ALREADY_EXISTS,
    ("user", "email"): ErrorReason.EMAIL_ALREADY_REGISTERED,
    ("drawing_area", "name"): ErrorReason.AREA_NAME_TAKEN,
    ("drawing", "number"): ErrorReason.DRAWING_NUMBER_TAKEN,
    # Two calls with one request_id raced and the winner's answer could not be replayed.
    ("idempotent_request", "request_id"): ErrorReason.REQUEST_ID_REUSED,
}


def record_not_found(kind: str, record_id: str) -> NotFound:
    """The answer for a ``kind`` record that does not exist (or that the caller may not see)."""
    return NotFound(
        NOT_FOUND_REASONS[kind], f"No {kind.replace('_', ' ')} {record_id!r} was found."
    )


def domain_error_for(error: Exception) -> DomainError | None:
    """The refusal ``error`` stands for, or None when it is a real fault."""
    if isinstance(error, RecordNotFound):
        return record_not_found(error.kind, error.record_id)
    if isinstance(error, RecordConflict):
        kind = error.kind.replace("_", " ")
        return AlreadyExists(
            CONFLICT_REASONS[error.kind, error.field],
            f"A {kind} with {error.field} {error.record_id!r} already exists.",
            {error.field: error.record_id} if error.field != "id" else {},
        )
    if isinstance(error, FieldNotUpdatable):
        return InvalidArgument(
            ErrorReason.INVALID_UPDATE_MASK,
            f"These {error.kind} fields cannot be changed: {', '.join(sorted(error.fields))}.",
        )
    if isinstance(error, InvalidFieldValue):
        return InvalidArgument(ErrorReason.INVALID_FIELD_VALUE, str(error))
    if isinstance(error, InvalidPageRequest):
        about_size = str(error).startswith("page_size")
        reason = ErrorReason.INVALID_PAGE_SIZE if about_size else ErrorReason.INVALID_PAGE_TOKEN
        return InvalidArgument(reason, f"{str(error)[:1].upper()}{str(error)[1:]}.")
    if isinstance(error, UnknownPermissionLevel):
        return InvalidArgument(ErrorReason.INVALID_PERMISSION_LEVEL, str(error))
    if isinstance(error, DataError):  # a value the database cannot hold: NUL in PostgreSQL text
        return InvalidArgument(
            ErrorReason.INVALID_FIELD_VALUE, "A value in the request cannot be stored or looked up."
        )
    if isinstance(error, OperationalError) and "database is locked" in str(error.orig):
        # SQLite's one writer stayed busy beyond busy_timeout: nothing was written, and a
        # retry (clients retry UNAVAILABLE) usually gets through.
        return Unavailable(ErrorReason.DATABASE_BUSY, "The database is busy; try again shortly.")
    if isinstance(error, IdempotencyMismatch):
        return InvalidArgument(
            ErrorReason.REQUEST_ID_REUSED,
            f"request_id {error.request_id!r} was already used for a different request.",
        )
    return None
