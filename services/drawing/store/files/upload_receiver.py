"""The rules of one upload POST, without HTTP: fields, policy, file, record (R29).

Order matters: the policy and the upload row are checked before a single file byte is
read, the file is staged (hashed, size-capped, PDF-checked) before anything is stored, and
the stored file and the database row are committed together at the very end. So every
refusal leaves the store and the database as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.files.file_store import FileStore, StoredBytes
from services.drawing.store.files.form_reader import FormPart, FormReader, malformed
from services.drawing.store.files.pdf_magic import require_pdf_magic
from services.drawing.store.files.policy import PolicyRefused, media_type, verify_upload_fields
from services.drawing.store.files.uploads import check_upload_open, record_upload
from shared.facts.errors import ErrorReason

# As with S3 browser uploads: the fields first, then the file in a part of this name.
FILE_PART_NAME = "file"
# Generous for the four fields we issue; small enough that fields cannot fill memory.
MAX_FIELDS = 32
MAX_FIELD_BYTES = 16 * 1024


@dataclass(frozen=True)
class UploadSettings:
    """What the endpoint holds for every upload."""

    sessions: sessionmaker[Session]
    file_store: FileStore
    secret: bytes
    # The endpoint's own ceiling, whatever a policy allows.
    max_upload_bytes: int


@dataclass(frozen=True)
class ReceivedUpload:
    upload_uuid: str
    stored: StoredBytes


def receive_upload(form: FormReader, settings: UploadSettings, now: datetime) -> ReceivedUpload:
    """Verify, store and record one upload form; raises ``StorageRefused`` or ``FileTooLarge``."""
    fields, file_part = _fields_then_file(form)
    policy = verify_upload_fields(fields, settings.secret, now)
    if file_part.content_type and media_type(file_part.content_type) != media_type(
        policy.content_type
    ):
        raise PolicyRefused(
            ErrorReason.CONTENT_TYPE_MISMATCH,
            f"the file part is {file_part.content_type!r}; the upload was created for "
            f"{policy.content_type!r}",
        )
    check_upload_open(settings.sessions, policy)
    cap = min(policy.max_bytes, settings.max_upload_bytes)
    with settings.file_store.stage(require_pdf_magic(file_part.chunks()), cap) as staged:
        # A body cut short after the file is still a broken request: read it to its end.
        form.finish()
        record_upload(
            settings.sessions, policy, staged.sha256, staged.size, store_file=staged.commit
        )
        return ReceivedUpload(policy.upload_uuid, StoredBytes(staged.sha256, staged.size))


def _fields_then_file(form: FormReader) -> tuple[dict[str, str], FormPart]:
    fields: dict[str, str] = {}
    while (part := form.next_part()) is not None:
        if part.name == FILE_PART_NAME:
            return fields, part
        if part.filename is not None:
            raise malformed(f"the only file part must be named {FILE_PART_NAME!r}")
        # Field names match case-insensitively (as S3's do), so duplicates do as well.
        if part.name.lower() in (name.lower() for name in fields):
            raise malformed(f"the field {part.name!r} appears twice")
        if len(fields) >= MAX_FIELDS:
            raise malformed(f"more than {MAX_FIELDS} fields")
        fields[part.name] = part.read_text(MAX_FIELD_BYTES)
    raise malformed(f"the form has no {FILE_PART_NAME!r} part (it must follow the fields)")
