"""Migrated databases of each service, on the backend ``database_url`` is running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.persistence.service_databases import migrated_sessions


@pytest.fixture
def connection_sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    with migrated_sessions(database_url, "connection") as sessions:
        yield sessions


@pytest.fixture
def drawing_sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    with migrated_sessions(database_url, "drawing") as sessions:
        yield sessions


@pytest.fixture
def notification_sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    with migrated_sessions(database_url, "notification") as sessions:
        yield sessions
