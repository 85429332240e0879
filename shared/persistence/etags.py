"""Entity tags of updatable resources (AIP-154): optimistic concurrency without a schema change.

A resource's etag is a digest of its stored record: every column of its row, so any change
that is stored changes it, and reading the same row on any replica gives the same etag.
An update that names an etag is checked inside its transaction after the row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL, the write lock SQLite takes at ``BEGIN
IMMEDIATE``): of two updates sent with the same etag, the second sees the row the first
wrote, so exactly one wins. An empty etag skips the check (a blind write).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from shared.facts.errors import Aborted, ErrorReason
from shared.persistence.db import RecordNotFound

RowT = TypeVar("RowT")


def _canonical(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def etag_of_values(values: Mapping[str, object]) -> str:
    """The etag of a resource given as its stored field values."""
    canonical = json.dumps(values, sort_keys=True, default=_canonical, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def etag_of(row: Any) -> str:
    """The etag of an ORM row: a digest of every mapped column's stored value."""
    columns = inspect(type(row)).column_attrs
    return etag_of_values({column.key: getattr(row, column.key) for column in columns})


def require_fresh_etag(given: str, current: str, kind: str) -> None:
    """Refuses with ABORTED / ETAG_MISMATCH when ``given`` is set and not ``current``.

    Call it with the row locked: the answer then holds until the transaction ends.
    """
    if given and given != current:
        raise Aborted(
            ErrorReason.ETAG_MISMATCH,
            f"The {kind} changed since it was read (its etag differs); read it again and "
            "apply the change to the new version.",
            {"kind": kind},
        )


def locked_at_etag(
    session: Session, model: type[RowT], kind: str, record_id: str, etag: str
) -> RowT:
    """The row, locked until the transaction ends and read afresh, refused when ``etag``
    is set and stale; ``RecordNotFound`` when there is no such row."""
    row = (
        session.get(model, record_id, with_for_update=True, populate_existing=True)
        if record_id
        else None
    )
    if row is None:
        raise RecordNotFound(kind, record_id)
    require_fresh_etag(etag, etag_of(row), kind)
    return row
