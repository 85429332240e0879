"""Alembic environment of the notification service (run by `upgrade_to_head`)."""

from services.notification.store.models import Base
from shared.persistence.migration_env import run_migrations

run_migrations(Base.metadata)
