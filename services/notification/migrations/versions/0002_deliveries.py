"""Distribution lists, the events told and one delivery per (event, recipient).

Revision ID: 0002_deliveries
Revises: 0001_initial
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_deliveries"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "distribution_lists",
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("tool", sa.String(), nullable=False),
        sa.Column("emails", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tool IN ('drawings', 'connection_manager')", name=op.f("ck_distribution_lists_tool")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_distribution_lists_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("project_id", "tool", name=op.f("pk_distribution_lists")),
    )
    op.create_table(
        "notification_events",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_notification_events_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_events")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notification_events_idempotency_key")),
    )
    op.create_index(
        op.f("ix_notification_events_project_id"), "notification_events", ["project_id"]
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'retrying', 'sending', 'sent', 'failed')",
            name=op.f("ck_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["notification_events.id"],
            name=op.f("fk_deliveries_event_id_notification_events"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_deliveries_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("message_id", name=op.f("uq_deliveries_message_id")),
    )
    op.create_index(op.f("ix_deliveries_event_id"), "deliveries", ["event_id"])
    op.create_index(op.f("ix_deliveries_project_id"), "deliveries", ["project_id"])
    op.create_index(
        "ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("notification_events")
    op.drop_table("distribution_lists")
