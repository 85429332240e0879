"""The directory repository with each call in a unit of work of its own, as use cases call it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.connection.store.unit_of_work import ConnectionUnitOfWork


class DirectoryCalls:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            with ConnectionUnitOfWork(self._sessions) as uow:
                return getattr(uow.directory, name)(*args, **kwargs)

        return call
