"""Sort keys for the lists ordered by name or email (casefolded, compared bytewise).

Revision ID: 0007_list_sort_keys
Revises: 0006_integrator_clients
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_list_sort_keys"
down_revision: str | None = "0006_integrator_clients"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Bytewise on every backend: PostgreSQL would otherwise compare by the database's locale.
SORT_KEY = sa.String().with_variant(sa.String(collation="C"), "postgresql")
# (table, text column, its sort key column, the indexes serving the lists)
KEYED = (
    ("companies", "name", "name_sort_key", (("name_sort_key", "id"),)),
    (
        "projects",
        "name",
        "name_sort_key",
        (("name_sort_key", "id"), ("company_id", "name_sort_key", "id")),
    ),
    (
        "users",
        "email",
        "email_sort_key",
        (("email_sort_key", "id"), ("company_id", "email_sort_key", "id")),
    ),
)


def upgrade() -> None:
    for table, _, key, indexes in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(key, SORT_KEY, nullable=False, server_default=""))
            for columns in indexes:
                batch_op.create_index(f"ix_{table}_{'_'.join(columns)}", list(columns))
    for table, text, key, _ in KEYED:
        _backfill(table, text, key)


def downgrade() -> None:
    for table, _, key, indexes in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for columns in indexes:
                batch_op.drop_index(f"ix_{table}_{'_'.join(columns)}")
            batch_op.drop_column(key)


def _backfill(table: str, text: str, key: str) -> None:
    """Existing rows get the key the models compute (Python's casefold, not SQL's lower)."""
    rows = sa.table(table, sa.column("id", sa.String()), sa.column(text), sa.column(key))
    bind = op.get_bind()
    for row_id, value in bind.execute(sa.select(rows.c.id, rows.c[text])).all():
        bind.execute(
            sa.update(rows).where(rows.c.id == row_id).values({key: (value or "").casefold()})
        )
