"""Drawing uploads are processed in the background: claims and the imports in their order.
Also an index for finding copies by connection and upstream revision.

Existing drawing uploads were processed at once, so each gets one import row per revision,
positioned in the order they were created (the order GetDrawingUpload answered before).

Revision ID: 0004_async_drawing_uploads
Revises: 0003_connection_cursors
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_async_drawing_uploads"
down_revision: str | None = "0003_connection_cursors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drawing_uploads") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_drawing_uploads_status", "drawing_uploads", ["status"])
    op.create_index(
        "ix_drawing_revisions_copies",
        "drawing_revisions",
        ["connection_id", "upstream_revision_id"],
    )
    imports = op.create_table(
        "drawing_upload_imports",
        sa.Column("drawing_upload_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("upload_uuid", sa.String(), nullable=False),
        sa.Column("drawing_id", sa.String(), nullable=False),
        sa.Column("drawing_date", sa.Date(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("revision_number", sa.String(), nullable=False),
        sa.Column("revision_id", sa.String(), nullable=True),
        sa.Column("failure_reason", sa.String(), nullable=False),
        sa.Column("failure_message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drawing_upload_id"],
            ["drawing_uploads.id"],
            name=op.f("fk_drawing_upload_imports_drawing_upload_id_drawing_uploads"),
        ),
        sa.PrimaryKeyConstraint(
            "drawing_upload_id", "position", name=op.f("pk_drawing_upload_imports")
        ),
    )
    _backfill_imports(imports)


def _backfill_imports(imports: sa.Table) -> None:
    revisions = sa.table(
        "drawing_revisions",
        sa.column("id", sa.String()),
        sa.column("drawing_upload_id", sa.String()),
        sa.column("drawing_id", sa.String()),
        sa.column("drawing_date", sa.Date()),
        sa.column("received_date", sa.Date()),
        sa.column("revision_number", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(revisions)
        .where(revisions.c.drawing_upload_id.is_not(None))
        .order_by(revisions.c.drawing_upload_id, revisions.c.created_at, revisions.c.id)
    ).all()
    positions: dict[str, int] = {}
    backfilled = []
    for row in rows:
        position = positions.get(row.drawing_upload_id, 0)
        positions[row.drawing_upload_id] = position + 1
        backfilled.append(
            {
                "drawing_upload_id": row.drawing_upload_id,
                "position": position,
                "upload_uuid": "",  # not recorded before this revision
                "drawing_id": row.drawing_id,
                "drawing_date": row.drawing_date,
                "received_date": row.received_date,
                "revision_number": row.revision_number or "",
                "revision_id": row.id,
                "failure_reason": "",
                "failure_message": "",
            }
        )
    if backfilled:
        op.bulk_insert(imports, backfilled)


def downgrade() -> None:
    op.drop_table("drawing_upload_imports")
    op.drop_index("ix_drawing_revisions_copies", table_name="drawing_revisions")
    op.drop_index("ix_drawing_uploads_status", table_name="drawing_uploads")
    with op.batch_alter_table("drawing_uploads") as batch:
        batch.drop_column("claim_expires_at")
        batch.drop_column("claimed_by")
