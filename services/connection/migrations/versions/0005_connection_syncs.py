"""Sync state of active connections: cursor, progress, errors and leases (R19, R22).

Revision ID: 0005_connection_syncs
Revises: 0004_notification_outbox
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_connection_syncs"
down_revision: str | None = "0004_notification_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connection_syncs",
        sa.Column("connection_id", sa.String(), nullable=False),
        sa.Column("upstream_project_id", sa.String(), nullable=False),
        sa.Column("downstream_project_id", sa.String(), nullable=False),
        sa.Column("initial_copy_state", sa.String(), nullable=False),
        sa.Column("initial_copy_total", sa.BigInteger(), nullable=False),
        sa.Column("revisions_copied", sa.BigInteger(), nullable=False),
        sa.Column("applied_sequence", sa.BigInteger(), nullable=False),
        sa.Column("upstream_head_sequence", sa.BigInteger(), nullable=False),
        sa.Column("oldest_pending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disconnect_marked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "initial_copy_state IN ('not_started', 'running', 'complete', 'failed')",
            name=op.f("ck_connection_syncs_initial_copy_state"),
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_connection_syncs_connection_id_connections"),
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_connection_syncs")),
    )
    with op.batch_alter_table("connection_syncs", schema=None) as batch_op:
        batch_op.create_index("ix_connection_syncs_upstream", ["upstream_project_id"])
        batch_op.create_index("ix_connection_syncs_lease", ["lease_expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("connection_syncs", schema=None) as batch_op:
        batch_op.drop_index("ix_connection_syncs_lease")
        batch_op.drop_index("ix_connection_syncs_upstream")
    op.drop_table("connection_syncs")
