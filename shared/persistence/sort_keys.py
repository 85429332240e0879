"""Sort keys of names and emails: lists order them casefolded, identically on every backend.

The key is computed here in Python (``str.casefold``) and stored beside the text, so the
database only compares bytes: SQLite's default BINARY collation does, and the column is
declared ``COLLATE "C"`` on PostgreSQL, whatever the database's own collation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

# The column type of a stored sort key (migrations declare the same).
SORT_KEY_TYPE: TypeEngine[str] = String().with_variant(String(collation="C"), "postgresql")


def sort_key_of(text: str) -> str:
    """What a list compares ``text`` by: its casefolded form ("Émile" -> "émile")."""
    return text.casefold()


def sort_key_column() -> Mapped[str]:
    """A column holding ``sort_key_of`` another column (kept by ``keeps_sort_key``)."""
    return mapped_column(SORT_KEY_TYPE, default="")


def keeps_sort_key(target: str) -> Any:
    """A validator body that stores ``sort_key_of`` the validated text in ``target``.

    Use as ``_name_sort_key = validates("name")(keeps_sort_key("name_sort_key"))``: it runs on
    construction and on every attribute assignment, so the key never lags the text.
    """

    def keep(row: Any, _field: str, text: str) -> str:
        setattr(row, target, sort_key_of(text or ""))
        return text

    return keep
