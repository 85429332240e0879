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
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from json.encoder import encode_basestring_ascii
from operator import attrgetter, itemgetter
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


def _json_of(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=_canonical, separators=(",", ":"))


def _sealed(canonical: str) -> str:
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def etag_of_values(values: Mapping[str, object]) -> str:
    """The etag of a resource given as its stored field values."""
    return _sealed(_json_of(values))


# How the canonical JSON writes the types columns hold (exactly as ``_json_of`` does);
# any other type (an enum, a float, a list) goes through ``_json_of`` itself.
_ENCODED: dict[type, Callable[[Any], str]] = {
    str: encode_basestring_ascii,
    int: int.__repr__,
    bool: {True: "true", False: "false"}.__getitem__,
    datetime: lambda value: (
        # Read back, a stored datetime is in UTC already (``UtcDateTime``).
        '"' + (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat() + '"'
    ),
    date: lambda value: '"' + value.isoformat() + '"',
}


class StoredFields:
    """The etag of records with these fields, from their values in this order: the same
    etag ``etag_of_values`` gives for them as a mapping, without building the mapping and
    sorting it on every call (the digest was a seventh of a page of 50, docs/benchmarks.md
    §7c). Same bytes, so etags already handed out stay valid."""

    def __init__(self, names: Sequence[str]) -> None:
        self._order = sorted(range(len(names)), key=names.__getitem__)
        # The values in the keys' order, as a tuple even for a single field.
        self._in_order = itemgetter(*self._order) if len(names) > 1 else lambda values: (values[0],)
        # The JSON object with the values left out, keys in sorted order.
        keys = (_json_of(names[index]).replace("%", "%%") for index in self._order)
        self._template = "{" + ",".join(f"{key}:%s" for key in keys) + "}"

    def etag(self, values: Sequence[Any]) -> str:
        """``values`` (or its first ones, when it holds more) in the order of the names."""
        in_order = self._in_order(values)
        encoded = tuple(
            [
                "null" if value is None else _ENCODED.get(type(value), _json_of)(value)
                for value in in_order
            ]
        )
        return _sealed(self._template % encoded)


# Per mapped class: its columns' etag, and what reads their values off an entity.
_MAPPED: dict[type, tuple[StoredFields, Callable[[Any], Any]]] = {}


def etag_of(row: Any) -> str:
    """The etag of an ORM row: a digest of every mapped column's stored value."""
    mapped = _MAPPED.get(type(row))
    if mapped is None:
        keys = [column.key for column in inspect(type(row)).column_attrs]
        getter = attrgetter(*keys)
        values_of = getter if len(keys) > 1 else lambda entity: (getter(entity),)
        mapped = _MAPPED.setdefault(type(row), (StoredFields(keys), values_of))
    fields, values_of = mapped
    return fields.etag(values_of(row))


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
