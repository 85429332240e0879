"""Hand-built multipart bodies: tests control field order, types and tampering exactly."""

from __future__ import annotations

import secrets
from collections.abc import Iterable


def encode_form(
    fields: Iterable[tuple[str, str]],
    file_bytes: bytes | None,
    *,
    file_content_type: str | None = "application/pdf",
    file_name: str = "drawing.pdf",
    file_field: str = "file",
) -> tuple[bytes, str]:
    """(body, Content-Type header) with the fields in order, then the file part."""
    boundary = f"----storage-test-{secrets.token_hex(8)}"
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    if file_bytes is not None:
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
        )
        if file_content_type is not None:
            head += f"Content-Type: {file_content_type}\r\n"
        parts.append(head.encode() + b"\r\n" + file_bytes + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
