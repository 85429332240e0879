"""Initial schema of the drawing service: project facts, Drawings grants, replay store.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSION_LEVEL_CHECK = "level IN ('none', 'read_only', 'standard', 'admin')"


def upgrade() -> None:
    op.create_table(
        "project_facts",
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("outside_applications_allowed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_facts")),
    )
    op.create_table(
        "drawings_grants",
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(PERMISSION_LEVEL_CHECK, name=op.f("ck_drawings_grants_level")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_drawings_grants_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_drawings_grants")),
    )
    op.create_index(op.f("ix_drawings_grants_user_id"), "drawings_grants", ["user_id"])
    op.create_table(
        "idempotent_requests",
        sa.Column("caller", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("request_id", sa.String(), nullable=False),
        sa.Column("request_fingerprint", sa.String(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "caller", "method", "request_id", name=op.f("pk_idempotent_requests")
        ),
    )
    op.create_index(
        op.f("ix_idempotent_requests_created_at"), "idempotent_requests", ["created_at"]
    )


def downgrade() -> None:
    op.drop_table("idempotent_requests")
    op.drop_table("drawings_grants")
    op.drop_table("project_facts")
