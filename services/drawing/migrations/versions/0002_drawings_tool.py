"""The Drawings tool: areas, sets, drawings, revisions, markups, custom fields, stored
files, uploads and the per-project change feed.

Revision ID: 0002_drawings_tool
Revises: 0001_initial
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_drawings_tool"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "stored_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_stored_files")),
    )
    op.create_table(
        "drawing_areas",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("connection_id", sa.String(), nullable=True),
        sa.Column("upstream_area_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_drawing_areas_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawing_areas")),
    )
    with op.batch_alter_table("drawing_areas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drawing_areas_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "drawing_sets",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("set_date", sa.Date(), nullable=True),
        sa.Column("connection_state", sa.String(), nullable=False),
        sa.Column("connection_id", sa.String(), nullable=True),
        sa.Column("upstream_set_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "connection_state IN ('not_connected', 'connected', 'disconnected')",
            name=op.f("ck_drawing_sets_connection_state"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_drawing_sets_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawing_sets")),
    )
    with op.batch_alter_table("drawing_sets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drawing_sets_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "project_changes",
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_project_changes_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("project_id", "sequence", name=op.f("pk_project_changes")),
    )
    op.create_table(
        "drawing_uploads",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("area_id", sa.String(), nullable=False),
        sa.Column("set_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('in_queue', 'processing', 'ready_for_review', 'failed')",
            name=op.f("ck_drawing_uploads_status"),
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["drawing_areas.id"], name=op.f("fk_drawing_uploads_area_id_drawing_areas")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_drawing_uploads_project_id_project_facts"),
        ),
        sa.ForeignKeyConstraint(
            ["set_id"], ["drawing_sets.id"], name=op.f("fk_drawing_uploads_set_id_drawing_sets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawing_uploads")),
    )
    with op.batch_alter_table("drawing_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drawing_uploads_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "drawings",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("area_id", sa.String(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("discipline", sa.String(), nullable=False),
        sa.Column("connection_id", sa.String(), nullable=True),
        sa.Column("upstream_drawing_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["drawing_areas.id"], name=op.f("fk_drawings_area_id_drawing_areas")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_drawings_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawings")),
        sa.UniqueConstraint("area_id", "number", name=op.f("uq_drawings_area_id_number")),
    )
    with op.batch_alter_table("drawings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drawings_project_id"), ["project_id"], unique=False)

    op.create_table(
        "drawing_revisions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("drawing_id", sa.String(), nullable=False),
        sa.Column("set_id", sa.String(), nullable=False),
        sa.Column("revision_number", sa.String(), nullable=False),
        sa.Column("drawing_date", sa.Date(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drawing_upload_id", sa.String(), nullable=True),
        sa.Column("connection_id", sa.String(), nullable=True),
        sa.Column("upstream_revision_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('unpublished', 'published')", name=op.f("ck_drawing_revisions_status")
        ),
        sa.ForeignKeyConstraint(
            ["drawing_id"], ["drawings.id"], name=op.f("fk_drawing_revisions_drawing_id_drawings")
        ),
        sa.ForeignKeyConstraint(
            ["drawing_upload_id"],
            ["drawing_uploads.id"],
            name=op.f("fk_drawing_revisions_drawing_upload_id_drawing_uploads"),
        ),
        sa.ForeignKeyConstraint(
            ["file_sha256"],
            ["stored_files.sha256"],
            name=op.f("fk_drawing_revisions_file_sha256_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_drawing_revisions_project_id_project_facts"),
        ),
        sa.ForeignKeyConstraint(
            ["set_id"], ["drawing_sets.id"], name=op.f("fk_drawing_revisions_set_id_drawing_sets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawing_revisions")),
    )
    with op.batch_alter_table("drawing_revisions", schema=None) as batch_op:
        batch_op.create_index("ix_drawing_revisions_drawing", ["drawing_id"], unique=False)
        batch_op.create_index(
            "ix_drawing_revisions_project_status", ["project_id", "status"], unique=False
        )
        batch_op.create_index("ix_drawing_revisions_set", ["set_id"], unique=False)

    op.create_table(
        "uploads",
        sa.Column("uuid", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("response_filename", sa.String(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("max_bytes", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drawing_upload_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["drawing_upload_id"],
            ["drawing_uploads.id"],
            name=op.f("fk_uploads_drawing_upload_id_drawing_uploads"),
        ),
        sa.ForeignKeyConstraint(
            ["file_sha256"],
            ["stored_files.sha256"],
            name=op.f("fk_uploads_file_sha256_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project_facts.project_id"],
            name=op.f("fk_uploads_project_id_project_facts"),
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uploads_project_id"), ["project_id"], unique=False)

    op.create_table(
        "custom_fields",
        sa.Column("revision_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["drawing_revisions.id"],
            name=op.f("fk_custom_fields_revision_id_drawing_revisions"),
        ),
        sa.PrimaryKeyConstraint("revision_id", "name", name=op.f("pk_custom_fields")),
    )
    op.create_table(
        "markups",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("revision_id", sa.String(), nullable=False),
        sa.Column("author_user_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["drawing_revisions.id"],
            name=op.f("fk_markups_revision_id_drawing_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_markups")),
    )
    with op.batch_alter_table("markups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_markups_revision_id"), ["revision_id"], unique=False)

    with op.batch_alter_table("project_facts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_change_sequence", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:

    with op.batch_alter_table("project_facts", schema=None) as batch_op:
        batch_op.drop_column("last_change_sequence")

    with op.batch_alter_table("markups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_markups_revision_id"))

    op.drop_table("markups")
    op.drop_table("custom_fields")
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploads_project_id"))

    op.drop_table("uploads")
    with op.batch_alter_table("drawing_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_drawing_revisions_set")
        batch_op.drop_index("ix_drawing_revisions_project_status")
        batch_op.drop_index("ix_drawing_revisions_drawing")

    op.drop_table("drawing_revisions")
    with op.batch_alter_table("drawings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drawings_project_id"))

    op.drop_table("drawings")
    with op.batch_alter_table("drawing_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drawing_uploads_project_id"))

    op.drop_table("drawing_uploads")
    op.drop_table("project_changes")
    with op.batch_alter_table("drawing_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drawing_sets_project_id"))

    op.drop_table("drawing_sets")
    with op.batch_alter_table("drawing_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drawing_areas_project_id"))

    op.drop_table("drawing_areas")
    op.drop_table("stored_files")
