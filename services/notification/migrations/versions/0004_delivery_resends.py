"""Delivery resends: when the current retry horizon began, so a delivery sent again by hand
is retried for a whole horizon from then (R25). Empty: since it was queued.

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
        batch_op.add_column(sa.Column("retrying_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("retrying_since")
