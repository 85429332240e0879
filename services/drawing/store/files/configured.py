"""The storage endpoint as ``Settings`` describe it: what the drawing service starts."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.files.file_store import FileStore
from services.drawing.store.files.http_endpoint import StorageEndpoint, start_storage_endpoint
from services.drawing.store.files.signing import load_signing_secret
from shared.runtime.config import Settings


def start_configured_storage_endpoint(
    settings: Settings, sessions: sessionmaker[Session], file_store: FileStore
) -> StorageEndpoint:
    """Serve on ``host:drawing_storage_port``, storing in ``file_store`` (the service's)."""
    return start_storage_endpoint(
        settings.host,
        settings.drawing_storage_port,
        sessions=sessions,
        file_store=file_store,
        secret=load_signing_secret(settings),
        public_url=settings.storage_public_url,
        max_upload_bytes=settings.upload_max_bytes,
        max_connections=settings.drawing_storage_max_connections,
    )
