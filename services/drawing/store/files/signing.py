"""The storage endpoint's HMAC-SHA256 secret, and signatures over bytes and mappings.

Upload policies and download links are both signed with this one secret; each signed
payload names its purpose, so a signature made for one can never pass as the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from shared.runtime.config import Settings

SECRET_FILE_NAME = "storage-secret"
# 256 bits, the size of the HMAC-SHA256 output: a shorter key is the weakest link.
MIN_SECRET_BYTES = 32


def load_signing_secret(settings: Settings) -> bytes:
    """The configured ``storage_signing_secret``, else one kept in ``keys_dir``.

    The local secret is created on first use. It is text (URL-safe), and the key is its
    UTF-8 bytes either way: copying the file's content into the setting keeps every link
    and policy already handed out valid.
    """
    if settings.storage_signing_secret:
        secret = settings.storage_signing_secret.encode("utf-8")
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(
                f"storage_signing_secret must be at least {MIN_SECRET_BYTES} bytes long"
            )
        return secret
    return _local_secret(settings.keys_dir / SECRET_FILE_NAME)


def _local_secret(path: Path) -> bytes:
    if not path.exists():
        _create_secret_file(path, secrets.token_urlsafe(MIN_SECRET_BYTES))
    secret = path.read_text(encoding="utf-8").strip().encode("utf-8")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes")
    return secret


def _create_secret_file(path: Path, secret: str) -> None:
    """Write ``secret`` to ``path`` (owner-only), unless another process got there first.

    Written to a temporary file, then hard-linked into place: the link appears complete or
    not at all, and unlike a rename it never replaces a secret that a racing process
    created (and may already have signed with).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secret)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def canonical_json(values: Mapping[str, object]) -> bytes:
    """One byte string per mapping: sorted keys, no spaces, ASCII only."""
    return json.dumps(
        values, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def sign_bytes(data: bytes, secret: bytes) -> str:
    """The HMAC-SHA256 of ``data`` as lowercase hex."""
    return hmac.new(secret, data, hashlib.sha256).hexdigest()


def verify_bytes(data: bytes, signature: str, secret: bytes) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII strings, and a forged signature may
    # hold anything. The comparison takes the same time wherever the first difference is.
    expected = sign_bytes(data, secret).encode("ascii")
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))


def sign_mapping(values: Mapping[str, object], secret: bytes) -> str:
    return sign_bytes(canonical_json(values), secret)


def verify_mapping(values: Mapping[str, object], signature: str, secret: bytes) -> bool:
    return verify_bytes(canonical_json(values), signature, secret)
