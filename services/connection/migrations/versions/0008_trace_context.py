"""The W3C trace context of the call that wrote an outbox notice or started a sync, so the
worker that delivers or copies later continues that call's trace.

Revision ID: 0008_trace_context
Revises: 0007_list_sort_keys
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_trace_context"
down_revision: str | None = "0007_list_sort_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("notification_outbox", "connection_syncs")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("traceparent", sa.String(), nullable=False, server_default="")
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("traceparent")
