"""Delivery resends: the attempt count at the last resend, so a resent delivery gets a
fresh allowance of attempts (R25). Existing deliveries were never resent: 0.

Revision ID: 0004_delivery_resends
Revises: 0003_digests
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_delivery_resends"
down_revision: str | None = "0003_digests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempts_at_resend", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("attempts_at_resend")
