"""Signed, expiring download links:
``<base>/files/<sha256>?revision=…&name=…&expires=…&signature=…``.

The signature covers the revision, the file, the name it downloads as and the expiry, so a
link can be neither pointed at another file, renamed nor extended. The revision is checked
again at download time: a link dies with its revision's withdrawal or deletion, not only at
its expiry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.drawing.store.files.refusals import StorageRefused
from services.drawing.store.files.signing import sign_mapping, verify_mapping
from services.drawing.store.models import DrawingRevision
from shared.facts.errors import ErrorReason

DOWNLOAD_PURPOSE = "download"
FILES_PATH = "/files/"


class DownloadRefused(StorageRefused):
    """``DOWNLOAD_LINK_INVALID``, ``DOWNLOAD_LINK_EXPIRED`` or ``DOWNLOAD_LINK_REVOKED``."""


@dataclass(frozen=True)
class DownloadGrant:
    """What a verified link allows: this revision's bytes, under this name, until then."""

    revision_id: str
    sha256: str
    file_name: str
    expires_at: datetime


def _signed_values(
    revision_id: str, sha256: str, file_name: str, expires: int
) -> dict[str, object]:
    return {
        "purpose": DOWNLOAD_PURPOSE,
        "revision": revision_id,
        "sha256": sha256,
        "name": file_name,
        "expires": expires,
    }


def download_url(
    base_url: str,
    revision_id: str,
    sha256: str,
    file_name: str,
    expires_at: datetime,
    secret: bytes,
) -> str:
    """A link to revision ``revision_id``'s file ``sha256``, downloading as ``file_name``
    until ``expires_at`` (or until the revision is withdrawn or deleted)."""
    expires = int(expires_at.timestamp())
    signature = sign_mapping(_signed_values(revision_id, sha256, file_name, expires), secret)
    query = urlencode(
        {"revision": revision_id, "name": file_name, "expires": expires, "signature": signature}
    )
    return f"{base_url.rstrip('/')}{FILES_PATH}{sha256}?{query}"


def verify_download(
    sha256: str, query: Mapping[str, str], secret: bytes, now: datetime
) -> DownloadGrant:
    """The grant a link's path and query parameters carry, if signed by us and unexpired."""
    revision_id = query.get("revision")
    file_name = query.get("name")
    expires_text = query.get("expires")
    signature = query.get("signature")
    if revision_id is None or file_name is None or expires_text is None or signature is None:
        raise DownloadRefused(
            ErrorReason.DOWNLOAD_LINK_INVALID,
            "the link needs revision, name, expires and signature",
        )
    if not expires_text.isascii() or not expires_text.isdigit():
        raise DownloadRefused(ErrorReason.DOWNLOAD_LINK_INVALID, "expires is not a whole number")
    expires = int(expires_text)
    signed = _signed_values(revision_id, sha256, file_name, expires)
    if not verify_mapping(signed, signature, secret):
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
    return DownloadGrant(
        revision_id=revision_id, sha256=sha256, file_name=file_name, expires_at=expires_at
    )


def check_still_downloadable(session: Session, grant: DownloadGrant) -> None:
    """Refuse a link whose revision was withdrawn or deleted since the link was made."""
    serving = session.scalar(
        select(DrawingRevision.id).where(
            DrawingRevision.id == grant.revision_id,
            DrawingRevision.file_sha256 == grant.sha256,
            DrawingRevision.withdrawn.is_(False),
        )
    )
    if serving is None:
        raise DownloadRefused(
            ErrorReason.DOWNLOAD_LINK_REVOKED,
            "the revision was withdrawn or deleted after the link was made",
        )
