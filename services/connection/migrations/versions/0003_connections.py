"""Connections and their audit trail.

Revision ID: 0003_connections
Revises: 0002_project_facts_deliveries
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_connections"
down_revision: str | None = "0002_project_facts_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "connections",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("upstream_project_id", sa.String(), nullable=False),
        sa.Column("upstream_company_id", sa.String(), nullable=False),
        sa.Column("downstream_project_id", sa.String(), nullable=False),
        sa.Column("downstream_company_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("requested_by_user_id", sa.String(), nullable=False),
        sa.Column("state_reason", sa.String(), nullable=False),
        sa.Column("state_changed_by_user_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'active', 'rejected', 'withdrawn', 'disconnected')",
            name=op.f("ck_connections_state"),
        ),
        sa.ForeignKeyConstraint(
            ["downstream_company_id"],
            ["companies.id"],
            name=op.f("fk_connections_downstream_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["downstream_project_id"],
            ["projects.id"],
            name=op.f("fk_connections_downstream_project_id_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["upstream_company_id"],
            ["companies.id"],
            name=op.f("fk_connections_upstream_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["upstream_project_id"],
            ["projects.id"],
            name=op.f("fk_connections_upstream_project_id_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_connections_downstream", ["downstream_project_id", "state"], unique=False
        )
        batch_op.create_index(
            "ix_connections_upstream", ["upstream_project_id", "state"], unique=False
        )

    op.create_table(
        "connection_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.String(), nullable=False),
        sa.Column("from_state", sa.String(), nullable=False),
        sa.Column("to_state", sa.String(), nullable=False),
        sa.Column("actor_user_id", sa.String(), nullable=False),
        sa.Column("actor_company_id", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_connection_events_connection_id_connections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_events")),
    )
    with op.batch_alter_table("connection_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connection_events_connection_id"), ["connection_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("connection_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connection_events_connection_id"))

    op.drop_table("connection_events")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index("ix_connections_upstream")
        batch_op.drop_index("ix_connections_downstream")

    op.drop_table("connections")
