"""With migrations left to the one-shot ``connectability migrate`` (migrate_on_start off), a
service opens a database at the newest schema and refuses one that is behind, saying what
to run; the one-shot itself runs from several places at once without tripping over itself."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import inspect

from services.drawing.migrations import MIGRATIONS_DIR
from shared.persistence.db import make_engine, upgrade_to_head
from shared.persistence.service_database import SchemaNotCurrent, open_service_database


def test_a_database_behind_the_code_is_refused_with_what_to_run(database_url: str) -> None:
    with pytest.raises(SchemaNotCurrent, match="run `connectability migrate drawing` first"):
        open_service_database(database_url, MIGRATIONS_DIR, migrate=False)
    engine = make_engine(database_url)
    try:  # nothing was created: migrating stays the one-shot's job
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_a_migrated_database_opens_without_migrating(database_url: str) -> None:
    upgrade_to_head(database_url, MIGRATIONS_DIR)
    database = open_service_database(database_url, MIGRATIONS_DIR, migrate=False)
    database.engine.dispose()


def test_migrate_run_twice_at_once_brings_the_database_to_the_newest_schema_once(
    database_url: str,
) -> None:
    env = {**os.environ, "CONNECTABILITY_DRAWING_DATABASE_URL": database_url}
    both = [
        subprocess.Popen(
            [sys.executable, "-m", "services.cli", "migrate", "drawing"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    database = open_service_database(database_url, MIGRATIONS_DIR, migrate=False)
    database.engine.dispose()
