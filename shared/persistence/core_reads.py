"""Hot reads as Core statements on the unit of work's own connection.

A statement built once (at import, with ``bindparam`` placeholders) and executed on the
session's connection skips what ``Session.execute`` adds for ORM statements (compile state,
entity loading), which was most of a read's time. Rows read like the entities they stand
for (``row.status``); what the transaction changed through the ORM is flushed first, so a
read sees it, as an ORM query would. In a pure read (``UnitOfWork.reading``) they run on its
bare connection, and the session never begins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session

# Where a pure read's session keeps the bare connection it reads over.
BARE_CONNECTION = "connectability_bare_connection"


def read_rows(
    session: Session, statement: Executable, parameters: Mapping[str, Any] | None = None
) -> CursorResult[Any]:
    bare = session.info.get(BARE_CONNECTION)
    if bare is not None:  # a pure read: it changed nothing, and needs no session
        return bare.execute(statement, parameters)  # type: ignore[no-any-return]
    session.flush()  # nothing to do unless the transaction changed entities
    return session.connection().execute(statement, parameters)
