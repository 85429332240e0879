"""The drawing uploads' processing round on each backend: the queue is the database, so a
fresh process finishes what a stopped one queued, and replicas never process one twice."""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from services.drawing.migrations import MIGRATIONS_DIR as DRAWING_MIGRATIONS
from services.drawing.store.change_feed import ChangeFeed
from services.drawing.store.files.file_access import file_store_from
from services.drawing.store.files.file_store import LocalFileStore, StoredBytes
from services.drawing.store.files.s3_store import S3FileStore, UploadTerms
from services.drawing.store.models import (
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    DrawingUpload,
    DrawingUploadImport,
    ProjectFacts,
    StoredFile,
    Upload,
)
from services.drawing.use_cases.revision_steps import RevisionImport, Revisions
from services.drawing.use_cases.upload_processing import DrawingUploadProcessing
from shared.persistence.db import alembic_config, make_engine, utcnow
from tests.fixtures.s3 import s3_settings
from tests.integration.test_direct_uploads import post_form
from tests.persistence.service_databases import migrated_sessions

FILES_PER_UPLOAD = 5


def _seed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(
            ProjectFacts(
                project_id="p",
                company_id="c",
                name="P",
                active=True,
                outside_applications_allowed=True,
            )
        )
        session.flush()
        session.add(DrawingArea(id="area", project_id="p", name="Arch"))
        session.add(DrawingSet(id="set", project_id="p", name="IFC"))
        session.flush()
        session.add(Drawing(id="d", project_id="p", area_id="area", number="A-1", discipline="A"))


def _queue(sessions: sessionmaker[Session], store: LocalFileStore, files: int) -> str:
    """A drawing upload of ``files`` received files, queued as CreateDrawingUpload does."""
    wanted = []
    with sessions.begin() as session:
        for n in range(files):
            content = b"%PDF-1.7\n" + uuid.uuid4().bytes + b"\n%%EOF\n"
            stored = store.put_stream([content], 1 << 20)
            if session.get(StoredFile, stored.sha256) is None:
                session.add(
                    StoredFile(
                        sha256=stored.sha256, size_bytes=stored.size, content_type="application/pdf"
                    )
                )
                session.flush()
            upload = Upload(
                uuid=uuid.uuid4().hex,
                project_id="p",
                response_filename=f"{n}.pdf",
                content_type="application/pdf",
                max_bytes=1 << 20,
                expires_at=utcnow() + timedelta(hours=1),
                created_by="u",
                file_sha256=stored.sha256,
                uploaded_at=utcnow(),
            )
            session.add(upload)
            wanted.append(RevisionImport(upload.uuid, "d", date(2026, 11, 20), None, str(n)))
        session.flush()
        area = session.get(DrawingArea, "area")
        drawing_set = session.get(DrawingSet, "set")
        assert area is not None and drawing_set is not None
        revisions = Revisions(ChangeFeed(sessions))
        return revisions.queue_uploads(session, "p", area, drawing_set, wanted, "u").id


def test_a_fresh_process_finishes_what_a_stopped_one_queued(
    drawing_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    store = LocalFileStore(tmp_path)
    _seed(drawing_sessions)
    queued = _queue(drawing_sessions, store, FILES_PER_UPLOAD)  # the process stopped here

    assert DrawingUploadProcessing(drawing_sessions, store).process_queued() == 1

    with drawing_sessions() as session:
        batch = session.get(DrawingUpload, queued)
        assert batch is not None and batch.status == "ready_for_review"
        imports = session.scalars(
            select(DrawingUploadImport)
            .where(DrawingUploadImport.drawing_upload_id == queued)
            .order_by(DrawingUploadImport.position)
        ).all()
        numbers = [
            session.get(DrawingRevision, wanted.revision_id).revision_number  # type: ignore[union-attr]
            for wanted in imports
        ]
    assert numbers == [str(n) for n in range(FILES_PER_UPLOAD)]


def test_replicas_processing_at_once_never_process_one_upload_twice(
    drawing_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    store = LocalFileStore(tmp_path)
    _seed(drawing_sessions)
    queued = [_queue(drawing_sessions, store, FILES_PER_UPLOAD) for _ in range(8)]
    replicas = [DrawingUploadProcessing(drawing_sessions, store) for _ in range(4)]
    processed: dict[str, int] = {}
    start = threading.Barrier(len(replicas))

    def process(replica: DrawingUploadProcessing) -> None:
        start.wait()
        processed[replica.owner] = replica.process_queued()

    threads = [threading.Thread(target=process, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(processed.values()) == len(queued)
    with drawing_sessions() as session:
        statuses = set(session.scalars(select(DrawingUpload.status)))
        count = session.scalar(select(func.count()).select_from(DrawingRevision))
    assert statuses == {"ready_for_review"}
    assert count == len(queued) * FILES_PER_UPLOAD  # each file became one revision, once


def test_an_upgraded_database_keeps_its_drawing_uploads_revisions_in_their_order(
    database_url: str,
) -> None:
    """Drawing uploads made before the queue existed get their imports backfilled, one per
    revision in creation order: the order GetDrawingUpload answered before."""
    command.upgrade(alembic_config(database_url, DRAWING_MIGRATIONS), "0003_connection_cursors")
    engine = make_engine(database_url)
    early = utcnow() - timedelta(minutes=5)
    try:
        with engine.begin() as connection:
            for statement, values in [
                (
                    "INSERT INTO project_facts (project_id, company_id, name, active, "
                    "outside_applications_allowed, updated_at, last_change_sequence) "
                    "VALUES ('p', 'c', 'P', true, true, :at, 0)",
                    {},
                ),
                (
                    "INSERT INTO drawing_areas (id, project_id, name, description, created_at, "
                    "updated_at) VALUES ('area', 'p', 'A', '', :at, :at)",
                    {},
                ),
                (
                    "INSERT INTO drawing_sets (id, project_id, name, connection_state, "
                    "created_at, updated_at) VALUES ('set', 'p', 'S', 'not_connected', :at, :at)",
                    {},
                ),
                (
                    "INSERT INTO drawings (id, project_id, area_id, number, title, discipline, "
                    "created_at, updated_at) VALUES ('d', 'p', 'area', 'A-1', '', 'A', :at, :at)",
                    {},
                ),
                (
                    "INSERT INTO stored_files (sha256, size_bytes, content_type, created_at) "
                    "VALUES (:sha, 1, 'application/pdf', :at)",
                    {"sha": "0" * 64},
                ),
                (
                    "INSERT INTO drawing_uploads (id, project_id, area_id, set_id, status, "
                    "error_message, created_by, created_at, updated_at) "
                    "VALUES ('batch', 'p', 'area', 'set', 'ready_for_review', '', 'u', :at, :at)",
                    {},
                ),
            ]:
                connection.execute(text(statement), {"at": early, **values})
            # Created second, but with the smaller id: id order is not import order.
            for revision_id, created in (("z-first", early), ("a-second", utcnow())):
                connection.execute(
                    text(
                        "INSERT INTO drawing_revisions (id, project_id, drawing_id, set_id, "
                        "revision_number, drawing_date, file_sha256, file_name, status, "
                        "reviewed, current, withdrawn, drawing_upload_id, created_at, "
                        "updated_at) VALUES (:id, 'p', 'd', 'set', :id, '2026-11-20', :sha, "
                        "'a.pdf', 'unpublished', false, false, false, 'batch', :at, :at)"
                    ),
                    {"id": revision_id, "sha": "0" * 64, "at": created},
                )
    finally:
        engine.dispose()

    with migrated_sessions(database_url, "drawing") as sessions, sessions() as session:
        backfilled = session.scalars(
            select(DrawingUploadImport.revision_id).order_by(DrawingUploadImport.position)
        ).all()
    assert backfilled == ["z-first", "a-second"]


class _DiesAfterClaiming(S3FileStore):
    """A process that dies once the file is checked and copied, before its commit."""

    def claim_upload(self, terms: UploadTerms) -> StoredBytes:
        super().claim_upload(terms)
        raise SystemExit("killed")


def _queue_from_bucket(sessions: sessionmaker[Session], store: S3FileStore, content: bytes) -> str:
    """A drawing upload whose file a browser POSTed into the bucket: no hash known yet."""
    with sessions.begin() as session:
        upload = Upload(
            uuid=uuid.uuid4().hex,
            project_id="p",
            response_filename="A-1.pdf",
            content_type="application/pdf",
            max_bytes=1 << 20,
            expires_at=utcnow() + timedelta(hours=1),
            created_by="u",
        )
        session.add(upload)
        form = store.presigned_upload(
            UploadTerms(upload.uuid, "application/pdf", 1 << 20, utcnow() + timedelta(hours=1)),
            expires_in=900,
        )
        assert post_form(form.url, form.fields, content).status == 204
        session.flush()
        area, drawing_set = session.get(DrawingArea, "area"), session.get(DrawingSet, "set")
        assert area is not None and drawing_set is not None
        revisions = Revisions(ChangeFeed(sessions), files_checked_at_claim=True)
        wanted = [RevisionImport(upload.uuid, "d", date(2026, 11, 20), None, "1")]
        return revisions.queue_uploads(session, "p", area, drawing_set, wanted, "u").id


def test_on_s3_a_process_dying_after_the_claim_leaves_the_file_to_claim_again(
    drawing_sessions: sessionmaker[Session], tmp_path: Path, s3_endpoint: str
) -> None:
    store = file_store_from(s3_settings(s3_endpoint, tmp_path))
    assert isinstance(store, S3FileStore)
    dying = _DiesAfterClaiming(store.client, store.bucket, store.staging)
    _seed(drawing_sessions)
    content = b"%PDF-1.7\n" + uuid.uuid4().bytes + b"\n%%EOF\n"
    queued = _queue_from_bucket(drawing_sessions, store, content)

    with pytest.raises(SystemExit):
        DrawingUploadProcessing(drawing_sessions, dying).process_queued()
    with drawing_sessions.begin() as session:  # its claim runs out
        session.execute(
            update(DrawingUpload).values(claim_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert DrawingUploadProcessing(drawing_sessions, store).process_queued() == 1

    digest = hashlib.sha256(content).hexdigest()
    with drawing_sessions() as session:
        batch = session.get(DrawingUpload, queued)
        assert batch is not None and batch.status == "ready_for_review", batch.error_message
        revision = session.scalars(select(DrawingRevision)).one()
        assert revision.file_sha256 == digest
        assert session.get(StoredFile, digest) is not None
    assert store.stored_hashes() == [digest]
    listed = store.client.list_objects_v2(Bucket=store.bucket, Prefix="uploads/")
    assert listed.get("Contents", []) == []  # the browser's object went after the commit
