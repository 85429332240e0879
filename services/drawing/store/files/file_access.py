"""What the gRPC side needs of the storage: signing, the public address, limits, the files."""

from __future__ import annotations

from dataclasses import dataclass

from services.drawing.store.files.file_store import STAGING_DIR_NAME, FileStore, LocalFileStore
from services.drawing.store.files.signing import load_signing_secret
from shared.runtime.config import Settings


@dataclass(frozen=True)
class FileAccess:
    """How this service signs upload policies and download links, and where files live."""

    secret: bytes
    public_url: str
    upload_max_bytes: int
    upload_policy_ttl_seconds: int
    download_url_ttl_seconds: int
    file_store: FileStore

    @property
    def uploads_go_to_bucket(self) -> bool:
        """Browsers POST straight into S3 (presigned), not to our storage endpoint."""
        from services.drawing.store.files.s3_store import S3FileStore

        return isinstance(self.file_store, S3FileStore)


def file_access_from(settings: Settings) -> FileAccess:
    return FileAccess(
        secret=load_signing_secret(settings),
        public_url=settings.storage_public_url,
        upload_max_bytes=settings.upload_max_bytes,
        upload_policy_ttl_seconds=settings.upload_policy_ttl_seconds,
        download_url_ttl_seconds=settings.download_url_ttl_seconds,
        file_store=file_store_from(settings),
    )


def file_store_from(settings: Settings) -> FileStore:
    """The local directory store, or with ``file_store=s3`` the bucket (created if missing)."""
    if settings.file_store == "local":
        return LocalFileStore(settings.file_store_path)
    from services.drawing.store.files.s3_store import S3FileStore, ensure_bucket, s3_client

    client = s3_client(settings, settings.s3_endpoint_url)
    presigner = (
        s3_client(settings, settings.s3_public_endpoint_url)
        if settings.s3_public_endpoint_url
        else client
    )
    ensure_bucket(client, settings.s3_bucket)
    return S3FileStore(
        client, settings.s3_bucket, settings.file_store_path / STAGING_DIR_NAME, presigner
    )
