"""Digests: new-revision notices of one connection gathered into one email per window (R24).

Revision ID: 0003_digests
Revises: 0002_deliveries
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_digests"
down_revision: str | None = "0002_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "digests",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("connection_id", sa.String(), nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flushed_event_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_digests_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
    )
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_digests_open", ["flushed_event_id", "window_ends_at"], unique=False
        )

    with op.batch_alter_table("notification_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_id", sa.String(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notification_events_digest_id"), ["digest_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_events_digest_id_digests"), "digests", ["digest_id"], ["id"]
        )


def downgrade() -> None:

    with op.batch_alter_table("notification_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notification_events_digest_id_digests"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notification_events_digest_id"))
        batch_op.drop_column("digest_id")

    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_index("ix_digests_open")

    op.drop_table("digests")
