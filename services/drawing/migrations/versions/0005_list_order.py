"""List order: drawing areas' name sort key, and each revision's place in its drawing.

Revision ID: 0005_list_order
Revises: 0004_async_drawing_uploads
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_list_order"
down_revision: str | None = "0004_async_drawing_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Bytewise on every backend: PostgreSQL would otherwise compare by the database's locale.
SORT_KEY = sa.String().with_variant(sa.String(collation="C"), "postgresql")
AREA_INDEX = "ix_drawing_areas_project_id_name_sort_key_id"


def upgrade() -> None:
    with op.batch_alter_table("drawing_areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_sort_key", SORT_KEY, nullable=False, server_default=""))
        batch_op.create_index(AREA_INDEX, ["project_id", "name_sort_key", "id"])
    with op.batch_alter_table("drawing_revisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("drawing_sequence", sa.BigInteger(), nullable=False, server_default="0")
        )
    bind = op.get_bind()
    areas = sa.table(
        "drawing_areas", sa.column("id"), sa.column("name"), sa.column("name_sort_key")
    )
    for area_id, name in bind.execute(sa.select(areas.c.id, areas.c.name)).all():
        bind.execute(
            sa.update(areas)
            .where(areas.c.id == area_id)
            .values(name_sort_key=(name or "").casefold())
        )
    # Existing revisions take their place in the order lists used so far: drawing date, then
    # creation. (Existing copies cannot see their upstream's database; this is the best
    # guess, and matches the upstream whenever the dates differ.)
    revisions = sa.table(
        "drawing_revisions",
        sa.column("id"),
        sa.column("drawing_id"),
        sa.column("drawing_date"),
        sa.column("created_at"),
        sa.column("drawing_sequence"),
    )
    place = (
        sa.func.row_number()
        .over(
            partition_by=revisions.c.drawing_id,
            order_by=(revisions.c.drawing_date, revisions.c.created_at, revisions.c.id),
        )
        .label("place")
    )
    for revision_id, sequence in bind.execute(sa.select(revisions.c.id, place)).all():
        bind.execute(
            sa.update(revisions)
            .where(revisions.c.id == revision_id)
            .values(drawing_sequence=sequence)
        )


def downgrade() -> None:
    with op.batch_alter_table("drawing_revisions", schema=None) as batch_op:
        batch_op.drop_column("drawing_sequence")
    with op.batch_alter_table("drawing_areas", schema=None) as batch_op:
        batch_op.drop_index(AREA_INDEX)
        batch_op.drop_column("name_sort_key")
