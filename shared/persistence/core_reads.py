"""Hot reads as Core statements on the unit of work's own connection.

A statement built once (at import, with ``bindparam`` placeholders) and executed on the
session's connection skips what ``Session.execute`` adds for ORM statements (compile state,
entity loading), which was most of a read's time. Rows read like the entities they stand
for (``row.status``); what the transaction changed through the ORM is flushed first, so a
read sees it, as an ORM query would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session


def read_rows(
    session: Session, statement: Executable, parameters: Mapping[str, Any]
) -> CursorResult[Any]:
    session.flush()  # nothing to do unless the transaction changed entities
    return session.connection().execute(statement, parameters)
