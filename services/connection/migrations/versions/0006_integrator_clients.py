"""Client applications (integrators, R31) and service-account users.

Revision ID: 0006_integrator_clients
Revises: 0005_connection_syncs
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_integrator_clients"
down_revision: str | None = "0005_connection_syncs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("service_account", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "integrator_clients",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("rate_limit_per_hour", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "mode IN ('on_behalf_of_user', 'service_account')",
            name=op.f("ck_integrator_clients_mode"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_integrator_clients_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_integrator_clients_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrator_clients")),
    )
    with op.batch_alter_table("integrator_clients", schema=None) as batch_op:
        batch_op.create_index("ix_integrator_clients_company_id_id", ["company_id", "id"])


def downgrade() -> None:
    with op.batch_alter_table("integrator_clients", schema=None) as batch_op:
        batch_op.drop_index("ix_integrator_clients_company_id_id")
    op.drop_table("integrator_clients")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("service_account")
