"""The database side of a direct upload: is the ``Upload`` open, and record its file.

``CreateUpload`` (gRPC) creates the ``Upload`` row; the storage endpoint fills it once. The
row must agree with the verified policy: both were written by us at the same moment, so a
difference means the policy belongs to another upload (or a leaked secret).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.files.policy import UploadPolicy, media_type
from services.drawing.store.files.refusals import StorageRefused
from services.drawing.store.models import StoredFile, Upload
from shared.facts.errors import ErrorReason
from shared.persistence.db import utcnow
from shared.persistence.upsert import insert_or_keep_row


class UploadRefused(StorageRefused):
    """``UPLOAD_NOT_FOUND``, ``UPLOAD_ALREADY_USED`` or ``POLICY_MISMATCH``."""


def check_upload_open(sessions: sessionmaker[Session], policy: UploadPolicy) -> None:
    """Refuse early, before any file byte is read; ``record_upload`` checks again."""
    with sessions() as session:
        _check_open(session.get(Upload, policy.upload_uuid), policy)


def record_upload(
    sessions: sessionmaker[Session],
    policy: UploadPolicy,
    sha256: str,
    size: int,
    *,
    store_file: Callable[[], object] = lambda: None,
) -> None:
    """Point the policy's ``Upload`` at the stored file ``sha256``, in one transaction.

    ``store_file`` runs once every check passed, with the upload row locked: moving the
    bytes into the store there means a refused upload (say, two POSTs racing for one uuid)
    never leaves a file behind that no row refers to. The ``StoredFile`` row is kept if the
    same bytes were stored before (R18).
    """
    with sessions.begin() as session:
        # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers.
        upload = session.get(Upload, policy.upload_uuid, with_for_update=True)
        upload = _check_open(upload, policy)
        store_file()
        attach_stored_file(session, upload, sha256, size)


def attach_stored_file(session: Session, upload: Upload, sha256: str, size: int) -> None:
    """Point ``upload`` at the stored file ``sha256``; its ``StoredFile`` row is kept if the
    same bytes were stored before (R18)."""
    insert_or_keep_row(
        session,
        StoredFile,
        {
            "sha256": sha256,
            "size_bytes": size,
            "content_type": upload.content_type,
            "created_at": utcnow(),
        },
        key_columns=["sha256"],
    )
    upload.file_sha256 = sha256
    upload.uploaded_at = utcnow()


def _check_open(upload: Upload | None, policy: UploadPolicy) -> Upload:
    if upload is None:
        raise UploadRefused(
            ErrorReason.UPLOAD_NOT_FOUND, f"upload {policy.upload_uuid!r} does not exist"
        )
    if upload.file_sha256 is not None or upload.drawing_upload_id is not None:
        raise UploadRefused(
            ErrorReason.UPLOAD_ALREADY_USED,
            f"upload {policy.upload_uuid!r} has its file already; create a new upload",
        )
    if not _agrees(upload, policy):
        raise UploadRefused(
            ErrorReason.POLICY_MISMATCH, f"the policy does not match upload {policy.upload_uuid!r}"
        )
    return upload


def _agrees(upload: Upload, policy: UploadPolicy) -> bool:
    return (
        upload.project_id == policy.project_id
        and media_type(upload.content_type) == media_type(policy.content_type)
        and upload.max_bytes == policy.max_bytes
        and _whole_seconds(upload.expires_at) == _whole_seconds(policy.expires_at)
    )


def _whole_seconds(moment: datetime) -> int:
    # The signed policy carries whole seconds; the row may hold microseconds.
    return int(moment.timestamp())
