"""The storage endpoint's HTTP server: ``POST /uploads`` and ``GET /files/<sha256>``.

A stdlib threaded server: one thread per connection, at most ``max_connections`` of them
(one more is answered 503 with Retry-After straight away), bodies streamed (never
buffered whole), every refusal a small JSON body ``{"reason", "message"}``, never a stack
trace.
The rules live elsewhere (``upload_receiver``, ``download_links``); this module only
speaks HTTP.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.files.download_links import (
    FILES_PATH,
    check_still_downloadable,
    verify_download,
)
from services.drawing.store.files.file_store import FileStore, FileTooLarge, is_sha256
from services.drawing.store.files.form_reader import ClientGone, FormReader, multipart_boundary
from services.drawing.store.files.refusals import StorageRefused
from services.drawing.store.files.upload_receiver import UploadSettings, receive_upload
from shared.facts.errors import ErrorReason, ErrorReasonValue, reason_name
from shared.persistence.db import utcnow

log = logging.getLogger("connectability.drawing.storage")

UPLOADS_PATH = "/uploads"
# Multipart framing and the policy fields around the file: what a body may add to the cap.
FORM_OVERHEAD_BYTES = 64 * 1024
# A stalled client holds a thread only this long (each read or write, not the whole body).
SOCKET_TIMEOUT_SECONDS = 60.0
COPY_CHUNK_BYTES = 256 * 1024

STATUS_OF_REASON: dict[ErrorReasonValue, int] = {
    ErrorReason.MALFORMED_FORM: 400,
    ErrorReason.POLICY_SIGNATURE_INVALID: 403,
    ErrorReason.POLICY_EXPIRED: 403,
    ErrorReason.POLICY_MISMATCH: 403,
    ErrorReason.DOWNLOAD_LINK_INVALID: 403,
    ErrorReason.DOWNLOAD_LINK_EXPIRED: 403,
    ErrorReason.DOWNLOAD_LINK_REVOKED: 410,
    ErrorReason.PATH_NOT_FOUND: 404,
    ErrorReason.FILE_NOT_FOUND: 404,
    ErrorReason.UPLOAD_NOT_FOUND: 404,
    ErrorReason.UPLOAD_ALREADY_USED: 409,
    ErrorReason.LENGTH_REQUIRED: 411,
    ErrorReason.FILE_TOO_LARGE: 413,
    ErrorReason.CONTENT_TYPE_MISMATCH: 415,
    ErrorReason.NOT_A_PDF: 415,
    ErrorReason.INTERNAL_ERROR: 500,
}


class _InFlight:
    """Requests being served right now, so that ``stop`` can let them finish."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    @contextmanager
    def track(self) -> Iterator[None]:
        with self._idle:
            self._count += 1
        try:
            yield
        finally:
            with self._idle:
                self._count -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)


# What a connection beyond the limit is told, written by the accepting thread itself.
_BUSY_BODY = json.dumps(
    {
        "reason": ErrorReason.Name(ErrorReason.STORAGE_BUSY),
        "message": "too many connections; retry in a second",
    }
).encode()
_BUSY_ANSWER = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
    b"Content-Type: application/json\r\nConnection: close\r\n"
    + f"Content-Length: {len(_BUSY_BODY)}\r\n\r\n".encode()
    + _BUSY_BODY
)
# The accepting thread waits this long at most to hand a refused client its answer.
_BUSY_SEND_TIMEOUT_SECONDS = 1.0
_BUSY_LOG_INTERVAL_SECONDS = 10.0


class _StorageServer(ThreadingHTTPServer):
    # Connection threads must not keep the process alive after stop (idle keep-alives).
    daemon_threads = True
    # The listen backlog: socketserver's 5 made a burst of clients wait for SYN retries.
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], settings: UploadSettings, max_connections: int
    ) -> None:
        super().__init__(address, _StorageRequestHandler)
        self.upload_settings = settings
        self.in_flight = _InFlight()
        self.stopping = threading.Event()
        self._connection_slots = threading.BoundedSemaphore(max_connections)
        self._refused_since_logged = 0
        self._last_busy_log = float("-inf")

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread for the connection if a slot is free; else 503 now, and close."""
        if not self._connection_slots.acquire(blocking=False):
            self._answer_busy(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connection_slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connection_slots.release()

    def _answer_busy(self, request: socket.socket) -> None:
        # One line per interval, not per refusal: a flood must not flood the log too.
        self._refused_since_logged += 1
        if time.monotonic() - self._last_busy_log >= _BUSY_LOG_INTERVAL_SECONDS:
            log.warning(
                "storage endpoint at its connection limit; refusing connections",
                extra={"refused": self._refused_since_logged},
            )
            self._refused_since_logged = 0
            self._last_busy_log = time.monotonic()
        try:
            request.settimeout(_BUSY_SEND_TIMEOUT_SECONDS)
            request.sendall(_BUSY_ANSWER)
        except OSError:
            pass  # the client is gone or not reading: closing is all that is left
        finally:
            self.shutdown_request(request)


class StorageEndpoint:
    """A running storage endpoint; ``url`` is the upload URL to hand to clients."""

    def __init__(self, server: _StorageServer, thread: threading.Thread, public_url: str):
        self._server = server
        self._thread = thread
        self.public_url = public_url

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.public_url}{UPLOADS_PATH}"

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop accepting, let requests in progress finish (up to the grace), close.

        Calling it again does nothing.
        """
        if self._server.stopping.is_set():
            return
        self._server.stopping.set()
        self._server.shutdown()
        if not self._server.in_flight.wait_idle(grace_seconds):
            log.warning("storage requests still running at stop", extra={"grace": grace_seconds})
        self._server.server_close()
        self._thread.join()


def start_storage_endpoint(
    host: str,
    port: int,
    *,
    sessions: sessionmaker[Session],
    file_store: FileStore,
    secret: bytes,
    public_url: str,
    max_upload_bytes: int,
    max_connections: int = 64,
) -> StorageEndpoint:
    """Bind ``host:port`` (0 picks a free port) and serve in a background thread.

    ``public_url`` is the base URL clients reach the endpoint at; empty means this
    server's own address.
    """
    file_store.discard_stale_staging()
    settings = UploadSettings(sessions, file_store, secret, max_upload_bytes)
    server = _StorageServer((host, port), settings, max_connections)
    bound_port = int(server.server_address[1])
    if not public_url:
        shown_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        public_url = f"http://{shown_host}:{bound_port}"
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.2},
        name=f"storage-endpoint-{bound_port}",
        daemon=True,
    )
    thread.start()
    log.info("storage endpoint listening", extra={"port": bound_port, "url": public_url})
    return StorageEndpoint(server, thread, public_url.rstrip("/"))


def attachment_disposition(file_name: str) -> str:
    """``Content-Disposition`` for a download, safe for any name (RFC 6266).

    The quoted ``filename`` is an ASCII stand-in (quotes, backslashes, control and
    non-ASCII characters become ``_``); ``filename*`` then carries the real name.
    """
    fallback = "".join(
        character if character.isascii() and character.isprintable() else "_"
        for character in file_name
    )
    fallback = fallback.replace('"', "_").replace("\\", "_")
    disposition = f'attachment; filename="{fallback}"'
    if fallback != file_name:
        disposition += f"; filename*=UTF-8''{quote(file_name, safe='')}"
    return disposition


class _StorageRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a client uploading many files reuses one
    server_version = "connectability-storage"
    sys_version = ""
    timeout = SOCKET_TIMEOUT_SECONDS

    _form: FormReader | None = None
    _response_started = False

    @property
    def _storage(self) -> _StorageServer:
        return cast(_StorageServer, self.server)

    def do_POST(self) -> None:
        self._serve(self._upload if self._path() == UPLOADS_PATH else self._not_found)

    def do_GET(self) -> None:
        self._serve(lambda: self._download(send_body=True))

    def do_HEAD(self) -> None:
        self._serve(lambda: self._download(send_body=False))

    def do_PUT(self) -> None:
        self._serve(self._not_found)

    def do_DELETE(self) -> None:
        self._serve(self._not_found)

    def do_PATCH(self) -> None:
        self._serve(self._not_found)

    def do_OPTIONS(self) -> None:
        self._serve(self._not_found)

    # --- routes

    def _upload(self) -> None:
        length = self._content_length()
        settings = self._storage.upload_settings
        if length > self._body_limit():
            raise FileTooLarge(settings.max_upload_bytes)
        boundary = multipart_boundary(self.headers.get("Content-Type"))
        self._form = FormReader(self.rfile, length, boundary)
        received = receive_upload(self._form, settings, utcnow())
        log.info(
            "upload stored",
            extra={
                "upload_uuid": received.upload_uuid,
                "sha256": received.stored.sha256,
                "size_bytes": received.stored.size,
            },
        )
        self._start_response(204)
        self.end_headers()

    def _download(self, send_body: bool) -> None:
        path = self._path()
        sha256 = path[len(FILES_PATH) :]
        if not path.startswith(FILES_PATH) or not is_sha256(sha256):
            self._not_found()
            return
        query = self._single_query_values()
        settings = self._storage.upload_settings
        grant = verify_download(sha256, query, settings.secret, utcnow())
        with settings.sessions() as session:
            check_still_downloadable(session, grant)
        try:
            size = settings.file_store.size_of(sha256)
            stored = settings.file_store.open(sha256)
        except FileNotFoundError:
            raise StorageRefused(
                ErrorReason.FILE_NOT_FOUND, "no file is stored with this SHA-256"
            ) from None
        with stored:
            self._start_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(size))
            self.send_header("Content-Disposition", attachment_disposition(grant.file_name))
            self.send_header("X-Content-SHA256", sha256)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "private, no-store")
            self.end_headers()
            if send_body:
                shutil.copyfileobj(stored, self.wfile, COPY_CHUNK_BYTES)

    def _not_found(self) -> None:
        raise StorageRefused(ErrorReason.PATH_NOT_FOUND, "no such resource")

    # --- plumbing

    def _serve(self, route: Callable[[], None]) -> None:
        """Run ``route``; turn what it raises into an answer, and settle the request body."""
        with self._storage.in_flight.track():
            self._form = None
            self._response_started = False
            try:
                route()
            except StorageRefused as refusal:
                self._refuse(refusal)
            except FileTooLarge as too_large:
                self._refuse(StorageRefused(ErrorReason.FILE_TOO_LARGE, str(too_large)))
            except (ClientGone, ConnectionError, TimeoutError) as gone:
                log.info("storage client went away", extra={"path": self._path(), "why": str(gone)})
                self.close_connection = True
                return
            except Exception:
                log.exception("storage request failed", extra={"path": self._path()})
                self._refuse(
                    StorageRefused(ErrorReason.INTERNAL_ERROR, "the storage endpoint failed")
                )
            self._settle_body()
            if self._storage.stopping.is_set():
                self.close_connection = True

    def _refuse(self, refusal: StorageRefused) -> None:
        if self._response_started:
            # Too late for a status line (a download broke midway): only closing is left.
            self.close_connection = True
            return
        if self._unread_body() > self._body_limit():
            self.close_connection = True
        body = json.dumps({"reason": refusal.reason, "message": refusal.message}).encode()
        self._start_response(STATUS_OF_REASON.get(refusal.reason_value, 400))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _start_response(self, status: int) -> None:
        self._response_started = True
        self.send_response(status)
        if self._storage.stopping.is_set():
            self.close_connection = True  # a stopping server serves no further requests
        if self.close_connection:
            self.send_header("Connection", "close")

    def _settle_body(self) -> None:
        """Read what is left of the request body, so the connection can serve the next one."""
        left = self._unread_body()
        if left <= 0 or self.close_connection:
            return
        if left > self._body_limit():
            self.close_connection = True
            return
        try:
            while left > 0:
                chunk = self.rfile.read(min(COPY_CHUNK_BYTES, left))
                if not chunk:
                    break
                left -= len(chunk)
        except (ConnectionError, TimeoutError):
            pass
        if left > 0:
            self.close_connection = True

    def _body_limit(self) -> int:
        """The most body the endpoint reads: an accepted upload's, framing included.

        A refused request's body is still read (and dropped) up to this size: the client
        is usually still sending, and only then does it get the answer rather than a broken
        pipe. Beyond it the connection is closed unread.
        """
        return self._storage.upload_settings.max_upload_bytes + FORM_OVERHEAD_BYTES

    def _unread_body(self) -> int:
        if self._form is not None:
            return self._form.remaining
        try:
            return self._content_length()
        except StorageRefused:
            # No usable length (chunked or garbage): the body cannot be skipped, only closed.
            self.close_connection = True
            return 0

    def _content_length(self) -> int:
        if "Transfer-Encoding" in self.headers:
            raise StorageRefused(ErrorReason.LENGTH_REQUIRED, "send the body with a Content-Length")
        text = self.headers.get("Content-Length")
        if text is None:
            if self.command == "POST":
                raise StorageRefused(
                    ErrorReason.LENGTH_REQUIRED, "send the body with a Content-Length"
                )
            return 0
        text = text.strip()
        if not text.isascii() or not text.isdigit():
            raise StorageRefused(ErrorReason.MALFORMED_FORM, "the Content-Length is not a number")
        return int(text)

    def _path(self) -> str:
        return urlsplit(self.path).path

    def _single_query_values(self) -> dict[str, str]:
        values = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if any(len(given) != 1 for given in values.values()):
            raise StorageRefused(
                ErrorReason.DOWNLOAD_LINK_INVALID, "a query parameter appears twice"
            )
        return {name: given[0] for name, given in values.items()}

    # --- BaseHTTPRequestHandler hooks: JSON errors, our logger, no query strings logged

    def handle_expect_100(self) -> bool:
        # A client that asks first learns of an oversized upload before sending any of it.
        if self.command == "POST" and self._path() == UPLOADS_PATH:
            try:
                declared = self._content_length()
            except StorageRefused:
                declared = 0  # do_POST answers that
            if declared > self._body_limit():
                self._serve(self._upload)
                self.close_connection = True
                return False
        return super().handle_expect_100()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The stdlib's own refusals (bad request line, unknown method, huge headers).
        self.close_connection = True
        body = json.dumps(
            {"reason": reason_name(ErrorReason.BAD_REQUEST), "message": message or "bad request"}
        )
        self.send_response(code, message)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body.encode())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The path only: a download's query string is a bearer token until it expires.
        log.info(
            "storage request",
            extra={
                "method": getattr(self, "command", "-"),
                "path": self._path() if hasattr(self, "path") else "-",
                "status": int(code) if str(code).isdigit() else str(code),
            },
        )

    def log_message(self, format: str, *args: object) -> None:
        log.debug("storage http: " + format, *args)
