"""What the gRPC side needs of the storage: signing, the public address, limits, the files."""

from __future__ import annotations

from dataclasses import dataclass

from services.drawing.store.files.file_store import LocalFileStore
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
    file_store: LocalFileStore


def file_access_from(settings: Settings) -> FileAccess:
    return FileAccess(
        secret=load_signing_secret(settings),
        public_url=settings.storage_public_url,
        upload_max_bytes=settings.upload_max_bytes,
        upload_policy_ttl_seconds=settings.upload_policy_ttl_seconds,
        download_url_ttl_seconds=settings.download_url_ttl_seconds,
        file_store=LocalFileStore(settings.file_store_path),
    )
