"""Signed, expiring download links: ``<base>/files/<sha256>?name=…&expires=…&signature=…``.

The signature covers the file, the name it downloads as and the expiry, so a link can be
neither pointed at another file, renamed nor extended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from services.drawing.storage.refusals import StorageRefused
from services.drawing.storage.signing import sign_mapping, verify_mapping
from shared.errors import ErrorReason

DOWNLOAD_PURPOSE = "download"
FILES_PATH = "/files/"


class DownloadRefused(StorageRefused):
    """``DOWNLOAD_LINK_INVALID`` or ``DOWNLOAD_LINK_EXPIRED``."""


@dataclass(frozen=True)
class DownloadGrant:
    """What a verified link allows: these bytes, under this name, until then."""

    sha256: str
    file_name: str
    expires_at: datetime


def _signed_values(sha256: str, file_name: str, expires: int) -> dict[str, object]:
    return {"purpose": DOWNLOAD_PURPOSE, "sha256": sha256, "name": file_name, "expires": expires}


def download_url(
    base_url: str, sha256: str, file_name: str, expires_at: datetime, secret: bytes
) -> str:
    """A link to the stored file ``sha256``, downloading as ``file_name`` until ``expires_at``."""
    expires = int(expires_at.timestamp())
    signature = sign_mapping(_signed_values(sha256, file_name, expires), secret)
    query = urlencode({"name": file_name, "expires": expires, "signature": signature})
    return f"{base_url.rstrip('/')}{FILES_PATH}{sha256}?{query}"


def verify_download(
    sha256: str, query: Mapping[str, str], secret: bytes, now: datetime
) -> DownloadGrant:
    """The grant a link's path and query parameters carry, if signed by us and unexpired."""
    file_name = query.get("name")
    expires_text = query.get("expires")
    signature = query.get("signature")
    if file_name is None or expires_text is None or signature is None:
        raise DownloadRefused(
            ErrorReason.DOWNLOAD_LINK_INVALID, "the link needs name, expires and signature"
        )
    if not expires_text.isascii() or not expires_text.isdigit():
        raise DownloadRefused(ErrorReason.DOWNLOAD_LINK_INVALID, "expires is not a whole number")
    expires = int(expires_text)
    if not verify_mapping(_signed_values(sha256, file_name, expires), signature, secret):
        raise DownloadRefused(
            ErrorReason.DOWNLOAD_LINK_INVALID, "the link's signature does not verify"
        )
    try:
        expires_at = datetime.fromtimestamp(expires, UTC)
    except (OverflowError, ValueError, OSError):
        raise DownloadRefused(
            ErrorReason.DOWNLOAD_LINK_INVALID, "expires is out of range"
        ) from None
    if now >= expires_at:
        raise DownloadRefused(
            ErrorReason.DOWNLOAD_LINK_EXPIRED, f"the link expired at {expires_at.isoformat()}"
        )
    return DownloadGrant(sha256=sha256, file_name=file_name, expires_at=expires_at)
