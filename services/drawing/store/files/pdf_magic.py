"""The one content check the endpoint makes: a drawing file starts like a PDF."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from services.drawing.store.files.refusals import StorageRefused
from shared.facts.errors import ErrorReason

PDF_MAGIC = b"%PDF-"


def require_pdf_magic(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks`` unchanged, once their first bytes are ``%PDF-``; else ``NOT_A_PDF``.

    The first chunks are buffered until there are enough bytes to tell: a multipart parser
    may hand them over a few at a time.
    """
    remaining = iter(chunks)
    head = b""
    for chunk in remaining:
        head += chunk
        if len(head) >= len(PDF_MAGIC):
            break
    if not head.startswith(PDF_MAGIC):
        raise StorageRefused(
            ErrorReason.NOT_A_PDF, "the file is not a PDF (it does not start with %PDF-)"
        )
    yield head
    yield from remaining
