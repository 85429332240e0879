"""Upload policies: the signed, expiring form fields that authorise one direct upload (R29).

As with browser uploads to S3, the client gets the fields from ``CreateUpload`` and sends
them back unchanged with the file. ``policy`` is the base64 of the canonical JSON we signed;
``signature`` is its HMAC. Only the exact bytes we signed verify, so nothing about the
policy needs re-serialising (or can be smuggled in through a different spelling).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.drawing.store.files.refusals import StorageRefused
from services.drawing.store.files.signing import canonical_json, sign_bytes, verify_bytes
from shared.facts.errors import ErrorReason

# Each signed payload names its purpose: a download signature never passes as a policy.
POLICY_PURPOSE = "upload"

KEY_FIELD = "key"
POLICY_FIELD = "policy"
SIGNATURE_FIELD = "signature"
CONTENT_TYPE_FIELD = "Content-Type"


class PolicyRefused(StorageRefused):
    """``POLICY_SIGNATURE_INVALID``, ``POLICY_EXPIRED`` or ``CONTENT_TYPE_MISMATCH``."""


@dataclass(frozen=True)
class UploadPolicy:
    """What one upload may be: which upload, into which project, of what type and size."""

    upload_uuid: str
    project_id: str
    content_type: str
    max_bytes: int
    # Whole seconds: that is what the signed policy carries (see ``new_upload_policy``).
    expires_at: datetime


def new_upload_policy(
    upload_uuid: str,
    project_id: str,
    content_type: str,
    max_bytes: int,
    now: datetime,
    ttl_seconds: int,
) -> UploadPolicy:
    """A policy expiring ``ttl_seconds`` after ``now``, cut to whole seconds.

    Store this ``expires_at`` in the ``Upload`` row: the endpoint compares the two.
    """
    expires_at = (now + timedelta(seconds=ttl_seconds)).astimezone(UTC).replace(microsecond=0)
    return UploadPolicy(upload_uuid, project_id, content_type, max_bytes, expires_at)


def media_type(content_type: str) -> str:
    """``"Application/PDF; x=1"`` -> ``"application/pdf"``: types compare without parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def issue_upload_fields(policy: UploadPolicy, secret: bytes) -> dict[str, str]:
    """The form fields the client must POST back, before its ``file`` part."""
    document = canonical_json(
        {
            "purpose": POLICY_PURPOSE,
            "key": policy.upload_uuid,
            "project_id": policy.project_id,
            "content_type": policy.content_type,
            "max_bytes": policy.max_bytes,
            "expires": int(policy.expires_at.timestamp()),
        }
    )
    return {
        KEY_FIELD: policy.upload_uuid,
        CONTENT_TYPE_FIELD: policy.content_type,
        POLICY_FIELD: base64.b64encode(document).decode("ascii"),
        SIGNATURE_FIELD: sign_bytes(document, secret),
    }


def verify_upload_fields(fields: Mapping[str, str], secret: bytes, now: datetime) -> UploadPolicy:
    """The policy the fields carry, if they are ours, unchanged and unexpired.

    Field names match case-insensitively, as S3's do.
    """
    by_name = {name.lower(): value for name, value in fields.items()}
    document = _signed_document(by_name, secret)
    policy = _policy_from(document)
    if by_name.get(KEY_FIELD) != policy.upload_uuid:
        raise PolicyRefused(
            ErrorReason.POLICY_SIGNATURE_INVALID, "the key field does not match the signed policy"
        )
    if now >= policy.expires_at:
        raise PolicyRefused(
            ErrorReason.POLICY_EXPIRED,
            f"the upload policy expired at {policy.expires_at.isoformat()}; create a new upload",
        )
    sent_type = by_name.get(CONTENT_TYPE_FIELD.lower())
    if sent_type is None:
        raise PolicyRefused(
            ErrorReason.POLICY_SIGNATURE_INVALID, "the Content-Type field is missing"
        )
    if media_type(sent_type) != media_type(policy.content_type):
        raise PolicyRefused(
            ErrorReason.CONTENT_TYPE_MISMATCH,
            f"the Content-Type field is {sent_type!r}; the upload was created for "
            f"{policy.content_type!r}",
        )
    return policy


def _signed_document(by_name: Mapping[str, str], secret: bytes) -> bytes:
    encoded = by_name.get(POLICY_FIELD)
    signature = by_name.get(SIGNATURE_FIELD)
    if not encoded or not signature:
        raise PolicyRefused(
            ErrorReason.POLICY_SIGNATURE_INVALID, "the policy and signature fields are required"
        )
    try:
        document = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise PolicyRefused(
            ErrorReason.POLICY_SIGNATURE_INVALID, "the policy is not base64"
        ) from None
    if not verify_bytes(document, signature, secret):
        raise PolicyRefused(
            ErrorReason.POLICY_SIGNATURE_INVALID, "the policy signature does not verify"
        )
    return document


def _policy_from(document: bytes) -> UploadPolicy:
    # Only reached with a valid signature, so a shape error here means a bug, not an attack;
    # it is still refused rather than trusted.
    try:
        values: Any = json.loads(document)
        if values.get("purpose") != POLICY_PURPOSE:
            raise ValueError("not an upload policy")
        return UploadPolicy(
            upload_uuid=_text(values["key"]),
            project_id=_text(values["project_id"]),
            content_type=_text(values["content_type"]),
            max_bytes=_whole(values["max_bytes"]),
            expires_at=datetime.fromtimestamp(_whole(values["expires"]), UTC),
        )
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        raise PolicyRefused(
            ErrorReason.POLICY_SIGNATURE_INVALID, "the signed policy is not an upload policy"
        ) from None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _whole(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value
