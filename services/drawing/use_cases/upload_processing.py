"""The drawing uploads' processing round: IN_QUEUE, PROCESSING, then READY_FOR_REVIEW or FAILED.

CreateDrawingUpload only queues: a ``drawing_uploads`` row and its imports, in the request's
order. This round, in every drawing process, claims queued uploads and does the file work,
so the queue survives a restart. A claim is a conditional UPDATE of a row read with
``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite holds its write lock instead), so two
replicas never process one upload; a claim runs out after ``CLAIM_SECONDS``, and then
another replica takes over an upload whose processor died.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from services.drawing.domain.revision_states import DrawingUploadStatus, takes_local_uploads
from services.drawing.store.files.file_store import FileStore
from services.drawing.store.files.refusals import StorageRefused
from services.drawing.store.files.s3_store import S3FileStore, UploadTerms
from services.drawing.store.files.uploads import attach_stored_file
from services.drawing.store.models import (
    Drawing,
    DrawingSet,
    DrawingUpload,
    DrawingUploadImport,
    Upload,
)
from services.drawing.use_cases.revision_steps import Revisions
from shared.facts.errors import ErrorReason, ErrorReasonValue
from shared.persistence.db import utcnow
from shared.runtime.background_rounds import BackgroundRounds

CLAIM_SECONDS = 60.0
# A PDF ends with "%%EOF"; readers accept it anywhere in the last 1,024 bytes (Adobe's
# implementation notes), so that is where we look. Without it the file was cut short.
PDF_END_MARKER = b"%%EOF"
PDF_TAIL_BYTES = 1024


def _claimable(now: datetime) -> ColumnElement[bool]:
    expired = and_(
        DrawingUpload.status == DrawingUploadStatus.PROCESSING, DrawingUpload.claim_expires_at < now
    )
    return or_(DrawingUpload.status == DrawingUploadStatus.IN_QUEUE, expired)


class DrawingUploadProcessing:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        file_store: FileStore,
        idle_seconds: float = 1.0,
    ):
        self._sessions = sessions
        self._file_store = file_store
        # Uploads claimed from the bucket in the current transaction: their objects are
        # deleted once it committed (their bytes are kept under their hash by then).
        self._claimed: list[str] = []
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._rounds = BackgroundRounds("drawing-uploads", self.process_queued, idle_seconds)

    def start(self) -> None:
        self._rounds.start()

    def stop(self) -> None:
        self._rounds.stop()

    def poke(self) -> None:
        """Process at once: a drawing upload was just queued."""
        self._rounds.poke()

    def process_queued(self) -> int:
        """Process every claimable drawing upload, oldest first; returns how many."""
        processed = 0
        while (drawing_upload_id := self._claim()) is not None:
            self._process(drawing_upload_id)
            processed += 1
        return processed

    def _claim(self) -> str | None:
        now = utcnow()
        with self._sessions.begin() as session:
            candidate = session.scalars(
                select(DrawingUpload.id)
                .where(_claimable(now))
                .order_by(DrawingUpload.created_at, DrawingUpload.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if candidate is None:
                return None
            return session.scalars(
                update(DrawingUpload)
                .where(DrawingUpload.id == candidate, _claimable(now))
                .values(
                    status=DrawingUploadStatus.PROCESSING,
                    claimed_by=self.owner,
                    claim_expires_at=now + timedelta(seconds=CLAIM_SECONDS),
                    updated_at=now,
                )
                .returning(DrawingUpload.id)
            ).first()

    def _process(self, drawing_upload_id: str) -> None:
        self._claimed = []
        self._process_in_transaction(drawing_upload_id)
        store = self._file_store
        if isinstance(store, S3FileStore):
            for upload_uuid in self._claimed:
                store.forget_upload(upload_uuid)

    def _process_in_transaction(self, drawing_upload_id: str) -> None:
        with self._sessions.begin() as session:
            batch = session.scalars(
                select(DrawingUpload)
                .where(
                    DrawingUpload.id == drawing_upload_id,
                    DrawingUpload.status == DrawingUploadStatus.PROCESSING,
                    DrawingUpload.claimed_by == self.owner,
                )
                .with_for_update()
            ).one_or_none()
            if batch is None:
                return  # our claim ran out and another replica took the upload over
            imports = list(
                session.scalars(
                    select(DrawingUploadImport)
                    .where(DrawingUploadImport.drawing_upload_id == batch.id)
                    .order_by(DrawingUploadImport.position)
                )
            )
            failed = False
            for wanted in imports:
                failure = self._failure(session, batch, wanted)
                if failure is not None:
                    reason, wanted.failure_message = failure
                    wanted.failure_reason = ErrorReason.Name(reason)
                    failed = True
            if failed:
                self._fail(session, batch, imports)
            else:
                Revisions.create_revisions(session, batch, imports)
                batch.status = DrawingUploadStatus.READY_FOR_REVIEW
            batch.claimed_by = None
            batch.claim_expires_at = None
            batch.updated_at = utcnow()

    def _failure(
        self, session: Session, batch: DrawingUpload, wanted: DrawingUploadImport
    ) -> tuple[ErrorReasonValue, str] | None:
        """Why this file cannot become a revision now, or None. The request was checked
        when it was queued; the set or the drawing may have changed since."""
        drawing_set = session.get(DrawingSet, batch.set_id)
        if drawing_set is None or not takes_local_uploads(drawing_set.connection_state):
            return (
                ErrorReason.CONNECTED_CONTENT_READ_ONLY,
                "The drawing set was connected before the files were processed.",
            )
        drawing = session.get(Drawing, wanted.drawing_id)
        if drawing is None or drawing.area_id != batch.area_id:
            return (
                ErrorReason.DRAWING_NOT_IN_AREA,
                "The drawing left the drawing area of this upload before its file was processed.",
            )
        upload = session.get(Upload, wanted.upload_uuid)
        if upload is not None and upload.file_sha256 is None:
            refused = self._claim_from_bucket(session, upload)
            if refused is not None:
                return refused
        if upload is None or upload.file_sha256 is None:
            return (ErrorReason.UPLOAD_NOT_RECEIVED, "The file of this upload is not stored.")
        try:
            complete = self._ends_like_pdf(upload.file_sha256)
        except FileNotFoundError:
            return (ErrorReason.UPLOAD_NOT_RECEIVED, "The file of this upload is not stored.")
        if not complete:
            return (
                ErrorReason.PDF_INCOMPLETE,
                "The file has no %%EOF marker at its end: it looks cut short. Upload it again.",
            )
        return None

    def _claim_from_bucket(
        self, session: Session, upload: Upload
    ) -> tuple[ErrorReasonValue, str] | None:
        """With the S3 store the browser POSTed straight into the bucket: verify what is
        there against the upload's terms (R29) and keep it under its hash (R18)."""
        store = self._file_store
        if not isinstance(store, S3FileStore):
            return None
        expires_at = upload.expires_at
        if expires_at.tzinfo is None:  # SQLite gives naive UTC times back
            expires_at = expires_at.replace(tzinfo=UTC)
        terms = UploadTerms(upload.uuid, upload.content_type, upload.max_bytes, expires_at)
        try:
            stored = store.claim_upload(terms)
        except StorageRefused as refused:
            return (refused.reason_value, refused.message)
        attach_stored_file(session, upload, stored.sha256, stored.size)
        self._claimed.append(upload.uuid)
        return None

    def _ends_like_pdf(self, sha256: str) -> bool:
        return PDF_END_MARKER in self._file_store.tail(sha256, PDF_TAIL_BYTES)

    @staticmethod
    def _fail(
        session: Session, batch: DrawingUpload, imports: Sequence[DrawingUploadImport]
    ) -> None:
        """FAILED, no revision created; the uploads are freed for another drawing upload."""
        failed = [wanted for wanted in imports if wanted.failure_reason]
        batch.status = DrawingUploadStatus.FAILED
        batch.error_message = (
            f"{len(failed)} of {len(imports)} files could not be imported; no revision was "
            f"created. First: file {failed[0].position}: {failed[0].failure_message}"
        )
        for wanted in imports:
            upload = session.get(Upload, wanted.upload_uuid)
            if upload is not None and upload.drawing_upload_id == batch.id:
                upload.drawing_upload_id = None
