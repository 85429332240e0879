"""Files: direct uploads (seed 002) and revision downloads.

The bytes never pass through gRPC on the way in: ``create_upload`` hands out a signed,
expiring policy and the client POSTs the file to the storage endpoint. On the way out a
revision's file can be fetched through a signed link or streamed over gRPC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.drawing.domain.drawings_access import STANDARD
from services.drawing.domain.file_names import InvalidFileName, check_file_name
from services.drawing.store.files.download_links import download_url
from services.drawing.store.files.file_access import FileAccess
from services.drawing.store.files.http_endpoint import UPLOADS_PATH
from services.drawing.store.files.policy import issue_upload_fields, media_type, new_upload_policy
from services.drawing.store.files.s3_store import MAX_DOWNLOAD_SECONDS, S3FileStore, UploadTerms
from services.drawing.store.models import StoredFile, Upload
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases import access
from shared.facts.errors import ErrorReason, InvalidArgument, NotFound
from shared.facts.identity import Principal
from shared.persistence.db import new_id, utcnow

DOWNLOAD_CHUNK_BYTES = 256 * 1024
DEFAULT_CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class UploadForm:
    """Where and with which signed fields the client POSTs the file, until when."""

    uuid: str
    url: str
    fields: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class DownloadLink:
    url: str
    sha256: str
    size_bytes: int
    expires_at: datetime


@dataclass(frozen=True)
class FileChunk:
    """A piece of a file; the first one also names the whole file."""

    data: bytes
    sha256: str = ""
    size_bytes: int = 0


class FileUseCases:
    def __init__(self, uow: Callable[[], DrawingUnitOfWork], files: FileAccess) -> None:
        self._uow = uow
        self._files = files

    def create_upload(
        self, caller: Principal, project_id: str, file_name: str, content_type: str
    ) -> UploadForm:
        files = self._files
        with self._uow() as uow:
            access.require_to_change(uow, caller, project_id, STANDARD)
            try:
                check_file_name(file_name)
            except InvalidFileName as refused:
                raise InvalidArgument(refused.reason_value, refused.message) from refused
            content_type = media_type(content_type or DEFAULT_CONTENT_TYPE)
            if "/" not in content_type:
                raise InvalidArgument(
                    ErrorReason.INVALID_CONTENT_TYPE, "response_content_type must be a media type."
                )
            policy = new_upload_policy(
                new_id(),
                project_id,
                content_type,
                files.upload_max_bytes,
                utcnow(),
                files.upload_policy_ttl_seconds,
            )
            uow.uploads.add_upload(
                Upload(
                    uuid=policy.upload_uuid,
                    project_id=project_id,
                    response_filename=file_name,
                    content_type=content_type,
                    max_bytes=policy.max_bytes,
                    expires_at=policy.expires_at,
                    created_by=caller.describe(),
                )
            )
        if isinstance(files.file_store, S3FileStore):
            # A genuine S3 presigned POST; the processing round checks what arrives (R29).
            terms = UploadTerms(
                policy.upload_uuid, content_type, policy.max_bytes, policy.expires_at
            )
            posted = files.file_store.presigned_upload(terms, files.upload_policy_ttl_seconds)
            return UploadForm(policy.upload_uuid, posted.url, posted.fields, policy.expires_at)
        return UploadForm(
            uuid=policy.upload_uuid,
            url=files.public_url + UPLOADS_PATH,
            fields=issue_upload_fields(policy, files.secret),
            expires_at=policy.expires_at,
        )

    def download_link(self, caller: Principal, revision_id: str) -> DownloadLink:
        files = self._files
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id)
            stored = _stored_file(uow, revision.file_sha256)
        if isinstance(files.file_store, S3FileStore):
            # Cannot be revoked, so it lives at most a minute (a withdrawal takes effect then).
            seconds = min(files.download_url_ttl_seconds, MAX_DOWNLOAD_SECONDS)
            url = files.file_store.presigned_download(stored.sha256, revision.file_name, seconds)
            expires_at = utcnow() + timedelta(seconds=seconds)
            return DownloadLink(url, stored.sha256, stored.size_bytes, expires_at)
        expires_at = utcnow() + timedelta(seconds=files.download_url_ttl_seconds)
        url = download_url(
            files.public_url,
            revision.id,
            stored.sha256,
            revision.file_name,
            expires_at,
            files.secret,
        )
        return DownloadLink(url, stored.sha256, stored.size_bytes, expires_at)

    def file_chunks(self, caller: Principal, revision_id: str) -> Iterator[FileChunk]:
        """The revision's file in chunks, read after the transaction closed."""
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id)
            stored = _stored_file(uow, revision.file_sha256)
        first = True
        with self._files.file_store.open(stored.sha256) as handle:
            while chunk := handle.read(DOWNLOAD_CHUNK_BYTES):
                if first:
                    yield FileChunk(chunk, stored.sha256, stored.size_bytes)
                    first = False
                else:
                    yield FileChunk(chunk)


def _stored_file(uow: DrawingUnitOfWork, sha256: str) -> StoredFile:
    stored = uow.revisions.stored_file(sha256)
    if stored is None:  # a revision always points at a stored file (foreign key)
        raise NotFound(ErrorReason.FILE_NOT_FOUND, "The revision's file is missing from the store.")
    return stored
