"""Outbox of project facts to pass down to the drawing and notification services.

Revision ID: 0002_project_facts_deliveries
Revises: 0001_initial
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_project_facts_deliveries"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_facts_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(), nullable=False),
        sa.CheckConstraint(
            "target IN ('drawing', 'notification')",
            name=op.f("ck_project_facts_deliveries_target"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_facts_deliveries_project_id_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_facts_deliveries")),
    )
    op.create_index(
        "ix_project_facts_deliveries_pending",
        "project_facts_deliveries",
        ["delivered_at", "next_attempt_at"],
    )
    op.create_index(
        op.f("ix_project_facts_deliveries_project_id"),
        "project_facts_deliveries",
        ["project_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_project_facts_deliveries_project_id"), table_name="project_facts_deliveries"
    )
    op.drop_index("ix_project_facts_deliveries_pending", table_name="project_facts_deliveries")
    op.drop_table("project_facts_deliveries")
