"""A streaming ``multipart/form-data`` reader: parts in order, data as it arrives.

python-multipart's parser is push-style (it calls back as bytes are written to it); the
upload rules want to pull (read the fields, decide, then stream the file into the store).
``FormReader`` bridges the two: it reads the body only as far as the caller asks, so a
refused policy costs no file bytes, and a file is never held in memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from services.drawing.store.files.refusals import StorageRefused
from shared.facts.errors import ErrorReason

READ_SIZE = 64 * 1024


class ReadableBody(Protocol):
    def read(self, size: int, /) -> bytes: ...


class ClientGone(Exception):
    """The connection ended before the body did: nobody is left to answer."""


def malformed(message: str) -> StorageRefused:
    return StorageRefused(ErrorReason.MALFORMED_FORM, message)


@dataclass(frozen=True)
class _PartStart:
    name: str
    filename: str | None
    content_type: str | None


@dataclass(frozen=True)
class _PartEnd:
    pass


@dataclass(frozen=True)
class _FormEnd:
    pass


_Event = _PartStart | bytes | _PartEnd | _FormEnd


class FormPart:
    """One part: its name, file name and type, and ``chunks()`` to read its data once."""

    def __init__(self, start: _PartStart, reader: FormReader) -> None:
        self.name = start.name
        self.filename = start.filename
        self.content_type = start.content_type
        self._reader = reader

    def chunks(self) -> Iterator[bytes]:
        return self._reader._chunks_of_current_part()

    def read_text(self, limit: int) -> str:
        """The whole value as UTF-8 text, refused if longer than ``limit`` bytes."""
        value = b""
        for chunk in self.chunks():
            value += chunk
            if len(value) > limit:
                raise malformed(f"the field {self.name!r} is longer than {limit} bytes")
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise malformed(f"the field {self.name!r} is not UTF-8 text") from None


class FormReader:
    """Reads exactly ``content_length`` bytes of ``body`` (no more), as the caller pulls."""

    def __init__(
        self, body: ReadableBody, content_length: int, boundary: bytes, read_size: int = READ_SIZE
    ) -> None:
        self._body = body
        self.remaining = content_length
        self._read_size = read_size
        self._events: deque[_Event] = deque()
        self._in_part = False
        self._ended = False
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[str, str] = {}
        try:
            self._parser = MultipartParser(
                boundary,
                callbacks={
                    "on_part_begin": self._on_part_begin,
                    "on_header_field": self._on_header_field,
                    "on_header_value": self._on_header_value,
                    "on_header_end": self._on_header_end,
                    "on_headers_finished": self._on_headers_finished,
                    "on_part_data": self._on_part_data,
                    "on_part_end": self._on_part_end,
                    "on_end": self._on_end,
                },
            )
        except Exception:  # python-multipart raises plain errors for a bad boundary
            raise malformed("the multipart boundary is invalid") from None

    def next_part(self) -> FormPart | None:
        """The next part, skipping what is left of the current one; None after the last."""
        while True:
            event = self._next_event()
            if isinstance(event, _FormEnd):
                return None
            if isinstance(event, _PartStart):
                self._in_part = True
                return FormPart(event, self)

    def finish(self) -> None:
        """Read the rest of the form up to its closing boundary, discarding it."""
        while self.next_part() is not None:
            pass

    def _chunks_of_current_part(self) -> Iterator[bytes]:
        while self._in_part:
            event = self._next_event()
            if isinstance(event, bytes):
                yield event
            elif isinstance(event, _PartEnd):
                self._in_part = False
            else:  # the parser cannot start a part or end the form inside a part
                raise malformed("a part ended without its boundary")

    def _next_event(self) -> _Event:
        while not self._events:
            self._read_more()
        return self._events.popleft()

    def _read_more(self) -> None:
        if self._ended:
            self._events.append(_FormEnd())
            return
        if self.remaining <= 0:
            raise malformed("the body ends before the closing boundary")
        chunk = self._body.read(min(self._read_size, self.remaining))
        if not chunk:
            raise ClientGone(f"the body ended {self.remaining} bytes early")
        self.remaining -= len(chunk)
        try:
            self._parser.write(chunk)
        except MultipartParseError as error:
            raise malformed(f"the multipart body is malformed: {error}") from None

    # python-multipart's callbacks: each turns what it saw into events for the pulling side.

    def _on_part_begin(self) -> None:
        self._headers = {}

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value.decode("latin-1").strip()
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get("content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise MultipartParseError("a part lacks Content-Disposition: form-data; name=…")
        filename = options.get(b"filename")
        self._events.append(
            _PartStart(
                name=_utf8(options[b"name"]),
                filename=None if filename is None else _utf8(filename),
                content_type=self._headers.get("content-type"),
            )
        )

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self._events.append(data[start:end])

    def _on_part_end(self) -> None:
        self._events.append(_PartEnd())

    def _on_end(self) -> None:
        self._ended = True


def _utf8(latin1: bytes) -> str:
    # The header was decoded as Latin-1 (byte for byte); clients send names in UTF-8.
    return latin1.decode("utf-8", "replace")


def multipart_boundary(content_type: str | None) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type header, else ``MALFORMED_FORM``."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise malformed("the body must be multipart/form-data with a boundary")
    return boundary
