"""The S3-compatible file store: each file once under ``files/<sha256>`` in one bucket (R18).

Beside ``LocalFileStore``, with the same staging contract: bytes are streamed to a local
temporary file while hashed, then ``commit`` puts them under their hash with
``If-None-Match: *``, so racing commits of the same bytes leave one object and an existing
object is never replaced.

Browsers upload straight into the bucket with a presigned POST (``presigned_upload``) under
``uploads/<uuid>``. Test S3 servers (and some S3-compatible ones) do not enforce POST
policies, so that object is trusted for nothing: ``claim_upload`` checks its time, size,
content type and PDF signature, hashes it and keeps it content-addressed (R29), and only
then does it become a file a revision can point at. Downloads are presigned GETs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from services.drawing.store.files.file_store import (
    FileTooLarge,
    StagedFile,
    StoredBytes,
    discard_stale_files,
    is_sha256,
    put_staged,
    stage_in,
)
from services.drawing.store.files.http_endpoint import attachment_disposition
from services.drawing.store.files.pdf_magic import require_pdf_magic
from services.drawing.store.files.policy import media_type
from services.drawing.store.files.refusals import StorageRefused
from shared.facts.errors import ErrorReason
from shared.runtime.config import Settings

FILES_PREFIX = "files/"
UPLOADS_PREFIX = "uploads/"
# A presigned GET cannot be revoked: it lives at most this long, so a withdrawal takes
# effect within a minute (local links are checked against the revision at each download).
MAX_DOWNLOAD_SECONDS = 60
READ_SIZE = 256 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}
_ALREADY_THERE = {"412", "PreconditionFailed", "ConditionalRequestConflict"}


@dataclass(frozen=True)
class PresignedUpload:
    """Where the browser POSTs the file, and the policy fields it sends first."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class UploadTerms:
    """What the ``Upload`` row promised; the object in the bucket must keep to it."""

    upload_uuid: str
    content_type: str
    max_bytes: int
    expires_at: datetime


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3FileStore:
    """Files in ``bucket``; ``client`` talks to the bucket, ``presigner`` signs the URLs
    handed to clients (the same client unless clients reach S3 at another address)."""

    def __init__(
        self, client: Any, bucket: str, staging: Path, presigner: Any | None = None
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.staging = staging
        self._presigner = presigner if presigner is not None else client

    @staticmethod
    def key_of(sha256: str) -> str:
        if not is_sha256(sha256):
            raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
        return f"{FILES_PREFIX}{sha256}"

    def exists(self, sha256: str) -> bool:
        if not is_sha256(sha256):
            return False
        try:
            self.size_of(sha256)
        except FileNotFoundError:
            return False
        return True

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes for reading; ``FileNotFoundError`` if there are none."""
        return cast(BinaryIO, self._get(self.key_of(sha256))["Body"])

    def size_of(self, sha256: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as error:
            if _code(error) in _MISSING:
                raise FileNotFoundError(sha256) from None
            raise
        return int(head["ContentLength"])

    def tail(self, sha256: str, size: int) -> bytes:
        body = self._get(self.key_of(sha256), Range=f"bytes=-{size}")["Body"]
        with body:
            return cast(bytes, body.read())

    def _get(self, key: str, **extra: str) -> dict[str, Any]:
        try:
            return cast(
                dict[str, Any], self.client.get_object(Bucket=self.bucket, Key=key, **extra)
            )
        except ClientError as error:
            if _code(error) in _MISSING:
                raise FileNotFoundError(key) from None
            raise

    def stage(self, chunks: Iterable[bytes], max_bytes: int) -> StagedFile:
        return stage_in(self.staging, chunks, max_bytes, self._put_if_new)

    def _put_if_new(self, temporary: Path, sha256: str) -> bool:
        with temporary.open("rb") as body:
            try:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.key_of(sha256),
                    Body=body,
                    IfNoneMatch="*",
                    ContentType="application/pdf",
                )
            except ClientError as error:
                if _code(error) in _ALREADY_THERE:
                    return False
                raise
        return True

    def put_stream(self, chunks: Iterable[bytes], max_bytes: int) -> StoredBytes:
        return put_staged(self, chunks, max_bytes)

    def discard_stale_staging(self, older_than_seconds: float = 3600.0) -> int:
        return discard_stale_files(self.staging, older_than_seconds)

    def stored_hashes(self) -> list[str]:
        """Every file in the bucket (for tests and operators): their hashes, sorted."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=FILES_PREFIX
        )
        return sorted(
            entry["Key"][len(FILES_PREFIX) :]
            for page in pages
            for entry in page.get("Contents", [])
        )

    # Direct uploads and downloads

    def presigned_upload(self, terms: UploadTerms, expires_in: int) -> PresignedUpload:
        """A genuine S3 presigned POST for ``uploads/<uuid>``: the bucket's URL and the
        policy fields. The policy states the terms, but ``claim_upload`` checks them again."""
        content_type = media_type(terms.content_type)
        posted = self._presigner.generate_presigned_post(
            self.bucket,
            f"{UPLOADS_PREFIX}{terms.upload_uuid}",
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, terms.max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return PresignedUpload(url=posted["url"], fields=dict(posted["fields"]))

    def presigned_download(self, sha256: str, file_name: str, expires_in: int) -> str:
        """A GET of the file, downloading as ``file_name``, for at most 60 seconds."""
        return cast(
            str,
            self._presigner.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": self.key_of(sha256),
                    # As our own endpoint answers it: safe for any name (RFC 6266).
                    "ResponseContentDisposition": attachment_disposition(file_name),
                },
                ExpiresIn=min(expires_in, MAX_DOWNLOAD_SECONDS),
            ),
        )

    def claim_upload(self, terms: UploadTerms) -> StoredBytes:
        """Verify the browser's object and keep it under its hash; ``StorageRefused`` if it
        breaks the upload's terms (the object is then deleted: it can never be used).

        A verified object stays under ``uploads/`` until ``forget_upload``: the caller
        records the file first, so a crash in between only means claiming it again.
        """
        key = f"{UPLOADS_PREFIX}{terms.upload_uuid}"
        try:
            found = self._get(key)
        except FileNotFoundError:
            raise StorageRefused(
                ErrorReason.UPLOAD_NOT_RECEIVED, "The file was not POSTed to the bucket."
            ) from None
        try:
            stored = self._verified_copy(found, terms)
        except StorageRefused:
            self._delete(key)
            raise
        return stored

    def forget_upload(self, upload_uuid: str) -> None:
        """Delete a claimed upload's object: its bytes are kept under their hash."""
        self._delete(f"{UPLOADS_PREFIX}{upload_uuid}")

    def _verified_copy(self, found: dict[str, Any], terms: UploadTerms) -> StoredBytes:
        body = found["Body"]
        with body:
            arrived: datetime = found["LastModified"]
            if arrived > terms.expires_at:
                raise StorageRefused(
                    ErrorReason.POLICY_EXPIRED,
                    f"The file arrived at {arrived.isoformat()}, after the upload expired "
                    f"at {terms.expires_at.isoformat()}; create a new upload.",
                )
            if int(found.get("ContentLength", 0)) > terms.max_bytes:
                raise StorageRefused(
                    ErrorReason.FILE_TOO_LARGE,
                    f"The file is larger than {terms.max_bytes} bytes.",
                )
            sent_type = str(found.get("ContentType", ""))
            if media_type(sent_type) != media_type(terms.content_type):
                raise StorageRefused(
                    ErrorReason.CONTENT_TYPE_MISMATCH,
                    f"The file was sent as {sent_type!r}; the upload was created for "
                    f"{terms.content_type!r}.",
                )
            chunks = iter(lambda: cast(bytes, body.read(READ_SIZE)), b"")
            try:
                # Hashed as it is copied: the SHA-256 is ours, never the client's word.
                return self.put_stream(require_pdf_magic(chunks), terms.max_bytes)
            except FileTooLarge as too_large:
                raise StorageRefused(ErrorReason.FILE_TOO_LARGE, str(too_large)) from None

    def _delete(self, key: str) -> None:
        with contextlib.suppress(ClientError):
            self.client.delete_object(Bucket=self.bucket, Key=key)


def s3_client(settings: Settings, endpoint_url: str) -> Any:
    """A boto3 S3 client for ``endpoint_url`` (empty: AWS) with the configured keys.

    Path-style addressing (MinIO and moto serve buckets under the path) and SigV4 (the
    presigned POST then carries ``x-amz-*`` fields, as AWS requires in every region).
    """
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id or None,
        aws_secret_access_key=settings.s3_secret_access_key or None,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def ensure_bucket(client: Any, bucket: str) -> None:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as error:
        if _code(error) not in _MISSING:
            raise
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=bucket)
