"""Insert-or-update and insert-or-keep of one row, atomic on SQLite and PostgreSQL
(``ON CONFLICT DO UPDATE`` / ``ON CONFLICT DO NOTHING``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# Both dialects spell the statement alike; each needs its own construct.
INSERT_BY_DIALECT: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _insert_for(session: Session) -> Any:
    dialect_name = session.get_bind().dialect.name
    insert = INSERT_BY_DIALECT.get(dialect_name)
    if insert is None:
        raise NotImplementedError(f"upsert on {dialect_name} is not supported")
    return insert


def upsert_row(
    session: Session,
    model: type[Any],
    values: Mapping[str, object],
    key_columns: Sequence[str],
    unless_newer: str = "",
) -> None:
    """Insert ``values`` into ``model``'s table, or update the row with the same key.

    Python-side ``onupdate`` functions do not run for the update branch: pass every column
    that must change (``updated_at`` included) in ``values``. With ``unless_newer`` naming a
    timestamp column, a stored row whose value there is newer than the incoming one is kept
    (messages that arrive out of order cannot roll facts back).
    """
    statement = _insert_for(session)(model).values(dict(values))
    changed = {name: statement.excluded[name] for name in values if name not in key_columns}
    newer_kept = None
    if unless_newer:
        newer_kept = getattr(model, unless_newer) <= statement.excluded[unless_newer]
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(key_columns), set_=changed, where=newer_kept
        )
    )


def insert_or_keep_row(
    session: Session,
    model: type[Any],
    values: Mapping[str, object],
    key_columns: Sequence[str],
) -> bool:
    """Insert ``values`` into ``model``'s table unless a row with the same key exists.

    An existing row is left as it is. Safe against a concurrent insert of the same key
    (no unique-violation error, no lost row). True if this call inserted the row.
    """
    statement = _insert_for(session)(model).values(dict(values))
    result = session.execute(statement.on_conflict_do_nothing(index_elements=list(key_columns)))
    return bool(getattr(result, "rowcount", 0) == 1)
