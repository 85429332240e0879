"""Alembic revisions (a package so that they ship with the wheel)."""
