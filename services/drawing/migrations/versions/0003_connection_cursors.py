"""Each connection's sync cursor: the upstream feed sequence applied downstream (R19).

Revision ID: 0003_connection_cursors
Revises: 0002_drawings_tool
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_connection_cursors"
down_revision: str | None = "0002_drawings_tool"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connection_cursors",
        sa.Column("connection_id", sa.String(), nullable=False),
        sa.Column("upstream_project_id", sa.String(), nullable=True),
        sa.Column("downstream_project_id", sa.String(), nullable=False),
        sa.Column("applied_through_sequence", sa.BigInteger(), nullable=False),
        sa.Column("disconnected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["downstream_project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_connection_cursors_downstream_project_id_project_facts"),
        ),
        sa.ForeignKeyConstraint(
            ["upstream_project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_connection_cursors_upstream_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_connection_cursors")),
    )


def downgrade() -> None:
    op.drop_table("connection_cursors")
