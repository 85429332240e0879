"""The storage endpoint over real HTTP on 127.0.0.1, on SQLite and PostgreSQL.

Each refusal is checked for its status and reason, and for changing nothing: the upload
row, the stored-file rows and the file store are as they were.

One database and one endpoint per backend serve the whole module (a database per test
made PostgreSQL's half several times slower); tests stay independent by giving every
upload its own uuid, every test its own PDF bytes, and comparing the store before/after.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.drawing.store.files.download_links import download_url
from services.drawing.store.files.file_store import LocalFileStore
from services.drawing.store.files.http_endpoint import StorageEndpoint, start_storage_endpoint
from services.drawing.store.files.policy import issue_upload_fields, new_upload_policy
from services.drawing.store.models import (
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    ProjectFacts,
    StoredFile,
    Upload,
)
from shared.persistence.db import utcnow
from tests.fixtures.databases import CreatedDatabases
from tests.persistence.service_databases import migrated_sessions
from tests.storage.multipart_body import encode_form

SECRET = b"endpoint-test-secret-of-32-bytes!"
PROJECT = "project-1"
MAX_BYTES = 64 * 1024


def make_pdf() -> bytes:
    """PDF-looking bytes no other test uploads: the store is shared by the module."""
    return b"%PDF-1.7\n" + uuid.uuid4().bytes + bytes(range(256)) * 64 + b"\n%%EOF\n"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Answer:
    status: int
    body: bytes
    headers: http.client.HTTPMessage

    @property
    def reason(self) -> str:
        return str(json.loads(self.body)["reason"])


@dataclass
class Storage:
    sessions: sessionmaker[Session]
    store: LocalFileStore
    endpoint: StorageEndpoint

    def create_upload(
        self,
        *,
        max_bytes: int = MAX_BYTES,
        ttl_seconds: int = 900,
        row: bool = True,
        row_max_bytes: int | None = None,
    ) -> dict[str, str]:
        """An ``Upload`` row as CreateUpload writes it, and the fields it hands out."""
        policy = new_upload_policy(
            uuid.uuid4().hex, PROJECT, "application/pdf", max_bytes, utcnow(), ttl_seconds
        )
        if row:
            with self.sessions.begin() as session:
                session.add(
                    Upload(
                        uuid=policy.upload_uuid,
                        project_id=policy.project_id,
                        response_filename="A-101.pdf",
                        content_type=policy.content_type,
                        max_bytes=row_max_bytes or policy.max_bytes,
                        expires_at=policy.expires_at,
                        created_by="user-1",
                    )
                )
        return issue_upload_fields(policy, SECRET)

    def post(
        self,
        fields: dict[str, str],
        file_bytes: bytes | None,
        connection: http.client.HTTPConnection | None = None,
        *,
        file_content_type: str = "application/pdf",
        file_field: str = "file",
    ) -> Answer:
        body, content_type = encode_form(
            list(fields.items()),
            file_bytes,
            file_content_type=file_content_type,
            file_field=file_field,
        )
        return self.request("POST", "/uploads", body, {"Content-Type": content_type}, connection)

    def request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> Answer:
        own = connection is None
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.endpoint.port)
        try:
            connection.request(method, target, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, response.read(), response.headers)
        finally:
            if own:
                connection.close()

    def upload_row(self, upload_uuid: str) -> Upload | None:
        with self.sessions() as session:
            return session.get(Upload, upload_uuid)

    def stored_rows(self) -> list[StoredFile]:
        with self.sessions() as session:
            return list(session.scalars(select(StoredFile)))

    def files_on_disk(self) -> set[Path]:
        return {path for path in self.store.root.rglob("*") if path.is_file()}

    def snapshot(self) -> tuple[set[str], set[Path]]:
        """The stored-file rows and every file under the store root (staging included)."""
        return {stored.sha256 for stored in self.stored_rows()}, self.files_on_disk()


def start_test_endpoint(sessions: sessionmaker[Session], store: LocalFileStore) -> StorageEndpoint:
    return start_storage_endpoint(
        "127.0.0.1",
        0,
        sessions=sessions,
        file_store=store,
        secret=SECRET,
        public_url="",
        max_upload_bytes=MAX_BYTES,
    )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def storage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Storage]:
    root = tmp_path_factory.mktemp(f"storage-{request.param}")
    databases = CreatedDatabases(root)
    try:
        with migrated_sessions(databases.create(request.param, "storage"), "drawing") as sessions:
            with sessions.begin() as session:
                session.add(
                    ProjectFacts(
                        project_id=PROJECT,
                        company_id="company-1",
                        name="Tower",
                        active=True,
                        outside_applications_allowed=True,
                    )
                )
            store = LocalFileStore(root / "files")
            endpoint = start_test_endpoint(sessions, store)
            try:
                yield Storage(sessions, store, endpoint)
            finally:
                endpoint.stop(grace_seconds=5)
    finally:
        databases.drop_all()


def test_a_pdf_is_stored_and_the_upload_points_at_it(storage: Storage) -> None:
    fields, pdf = storage.create_upload(), make_pdf()
    rows_before, files_before = storage.snapshot()
    answer = storage.post(fields, pdf)
    assert (answer.status, answer.body) == (204, b"")
    sha256 = sha256_of(pdf)
    row = storage.upload_row(fields["key"])
    assert row is not None and row.file_sha256 == sha256 and row.uploaded_at is not None
    with storage.sessions() as session:
        stored = session.get(StoredFile, sha256)
        assert stored is not None
        assert (stored.size_bytes, stored.content_type) == (len(pdf), "application/pdf")
    assert storage.store.path_of(sha256).read_bytes() == pdf
    assert storage.snapshot() == (
        rows_before | {sha256},
        files_before | {storage.store.path_of(sha256)},
    )


def test_the_upload_url_is_the_endpoints(storage: Storage) -> None:
    assert storage.endpoint.url == f"http://127.0.0.1:{storage.endpoint.port}/uploads"


def test_the_same_bytes_under_two_uploads_are_stored_once(storage: Storage) -> None:
    first, second, pdf = storage.create_upload(), storage.create_upload(), make_pdf()
    rows_before, files_before = storage.snapshot()
    assert storage.post(first, pdf).status == 204
    assert storage.post(second, pdf).status == 204
    sha256 = sha256_of(pdf)
    for fields in (first, second):
        row = storage.upload_row(fields["key"])
        assert row is not None and row.file_sha256 == sha256
    assert storage.snapshot() == (
        rows_before | {sha256},
        files_before | {storage.store.path_of(sha256)},
    )


def test_racing_uploads_of_the_same_bytes_are_stored_once(storage: Storage) -> None:
    uploads, pdf = [storage.create_upload() for _ in range(4)], make_pdf()
    rows_before, files_before = storage.snapshot()
    statuses: list[int] = []
    start = threading.Barrier(len(uploads))

    def post(fields: dict[str, str]) -> None:
        start.wait()
        statuses.append(storage.post(fields, pdf).status)

    threads = [threading.Thread(target=post, args=(fields,)) for fields in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [204] * 4
    sha256 = sha256_of(pdf)
    assert storage.snapshot() == (
        rows_before | {sha256},
        files_before | {storage.store.path_of(sha256)},
    )


def _another_key(fields: dict[str, str]) -> dict[str, str]:
    # A genuine policy and signature, sent for a key they were not made for.
    return {**fields, "key": uuid.uuid4().hex}


def _tampered_policy(fields: dict[str, str]) -> dict[str, str]:
    document = json.loads(base64.b64decode(fields["policy"]))
    document["max_bytes"] *= 1000
    tampered = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return {**fields, "policy": base64.b64encode(tampered).decode()}


def _forged(fields: dict[str, str]) -> dict[str, str]:
    return {**fields, "signature": "0" * 64}


def _without_policy(fields: dict[str, str]) -> dict[str, str]:
    return {"key": fields["key"], "Content-Type": fields["Content-Type"]}


@dataclass(frozen=True)
class Refusal:
    fields: Callable[[Storage], dict[str, str]]
    status: int
    reason: str
    file_bytes: Callable[[], bytes | None] = make_pdf
    file_content_type: str = "application/pdf"
    file_field: str = "file"


def _upload(storage: Storage) -> dict[str, str]:
    return storage.create_upload()


REFUSALS = {
    "key not signed": Refusal(
        lambda s: _another_key(s.create_upload()), 403, "POLICY_SIGNATURE_INVALID"
    ),
    "tampered policy": Refusal(
        lambda s: _tampered_policy(s.create_upload()), 403, "POLICY_SIGNATURE_INVALID"
    ),
    "forged signature": Refusal(
        lambda s: _forged(s.create_upload()), 403, "POLICY_SIGNATURE_INVALID"
    ),
    "no policy": Refusal(
        lambda s: _without_policy(s.create_upload()), 403, "POLICY_SIGNATURE_INVALID"
    ),
    "expired policy": Refusal(lambda s: s.create_upload(ttl_seconds=-5), 403, "POLICY_EXPIRED"),
    "oversized": Refusal(lambda s: s.create_upload(max_bytes=1024), 413, "FILE_TOO_LARGE"),
    "not a PDF": Refusal(_upload, 415, "NOT_A_PDF", lambda: b"GIF89a" + make_pdf()),
    "empty file": Refusal(_upload, 415, "NOT_A_PDF", lambda: b""),
    "content type field": Refusal(
        lambda s: {**s.create_upload(), "Content-Type": "image/png"}, 415, "CONTENT_TYPE_MISMATCH"
    ),
    "content type of the part": Refusal(
        _upload, 415, "CONTENT_TYPE_MISMATCH", file_content_type="image/png"
    ),
    "policy of another upload state": Refusal(
        lambda s: s.create_upload(row_max_bytes=MAX_BYTES // 2), 403, "POLICY_MISMATCH"
    ),
    "unknown upload": Refusal(lambda s: s.create_upload(row=False), 404, "UPLOAD_NOT_FOUND"),
    "no file part": Refusal(_upload, 400, "MALFORMED_FORM", lambda: None),
    "file under another name": Refusal(_upload, 400, "MALFORMED_FORM", file_field="document"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_answer_their_reason_and_change_nothing(storage: Storage, case: str) -> None:
    refusal = REFUSALS[case]
    fields = refusal.fields(storage)
    before = storage.snapshot()
    answer = storage.post(
        fields,
        refusal.file_bytes(),
        file_content_type=refusal.file_content_type,
        file_field=refusal.file_field,
    )
    assert (answer.status, answer.reason) == (refusal.status, refusal.reason), answer.body
    assert answer.headers["Content-Type"] == "application/json"
    assert set(json.loads(answer.body)) == {"reason", "message"}
    row = storage.upload_row(fields["key"])
    assert row is None or (row.file_sha256, row.uploaded_at) == (None, None)
    assert storage.snapshot() == before


def test_fields_after_the_file_do_not_count(storage: Storage) -> None:
    fields = storage.create_upload()
    before = storage.snapshot()
    file_part, content_type = encode_form([], make_pdf())
    boundary = content_type.split("boundary=")[1].encode()
    # The fields follow the file: the policy must be checked before the file, so it is missing.
    field_parts, _ = encode_form(list(fields.items()), None)
    field_boundary = field_parts.split(b"\r\n", 1)[0][2:]
    body = file_part.removesuffix(b"--" + boundary + b"--\r\n") + field_parts.replace(
        field_boundary, boundary
    )
    answer = storage.request("POST", "/uploads", body, {"Content-Type": content_type})
    assert (answer.status, answer.reason) == (403, "POLICY_SIGNATURE_INVALID")
    assert storage.snapshot() == before


def test_a_reused_upload_is_refused_and_keeps_its_first_file(storage: Storage) -> None:
    fields, first_pdf = storage.create_upload(), make_pdf()
    assert storage.post(fields, first_pdf).status == 204
    before = storage.snapshot()
    answer = storage.post(fields, make_pdf())
    assert (answer.status, answer.reason) == (409, "UPLOAD_ALREADY_USED")
    row = storage.upload_row(fields["key"])
    assert row is not None and row.file_sha256 == sha256_of(first_pdf)
    assert storage.snapshot() == before


def test_a_connection_serves_on_after_a_refusal(storage: Storage) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", storage.endpoint.port)
    try:
        refused = storage.post(storage.create_upload(max_bytes=1024), make_pdf(), connection)
        assert refused.status == 413
        assert refused.headers.get("Connection") != "close"
        assert storage.post(storage.create_upload(), make_pdf(), connection).status == 204
    finally:
        connection.close()


def test_a_body_without_content_length_is_refused(storage: Storage) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", storage.endpoint.port)
    try:
        connection.putrequest("POST", "/uploads")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.endheaders()
        connection.send(b"0\r\n\r\n")
        response = connection.getresponse()
        assert response.status == 411
        assert json.loads(response.read())["reason"] == "LENGTH_REQUIRED"
    finally:
        connection.close()


def test_a_body_larger_than_the_endpoint_allows_is_refused_unread(storage: Storage) -> None:
    fields = storage.create_upload()
    before = storage.snapshot()
    body, content_type = encode_form(list(fields.items()), b"%PDF-" + bytes(3 * MAX_BYTES))
    answer = storage.request("POST", "/uploads", body, {"Content-Type": content_type})
    assert (answer.status, answer.reason) == (413, "FILE_TOO_LARGE")
    assert storage.snapshot() == before


def test_an_oversized_upload_is_refused_before_it_is_sent(storage: Storage) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", storage.endpoint.port)
    try:
        connection.putrequest("POST", "/uploads")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(10**9))
        connection.putheader("Expect", "100-continue")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["reason"] == "FILE_TOO_LARGE"
        assert response.headers["Connection"] == "close"
    finally:
        connection.close()


def test_an_internal_failure_answers_500_without_details(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("services.drawing.store.files.upload_receiver.record_upload", broken)
    fields = storage.create_upload()
    before = storage.snapshot()
    answer = storage.post(fields, make_pdf())
    assert (answer.status, answer.reason) == (500, "INTERNAL_ERROR")
    assert b"hunter2" not in answer.body and b"Traceback" not in answer.body
    assert storage.snapshot() == before


@pytest.mark.parametrize(
    ("method", "target"),
    [("GET", "/"), ("GET", "/uploads"), ("POST", "/files/" + "ab" * 32), ("PUT", "/uploads")],
)
def test_other_routes_are_not_found(storage: Storage, method: str, target: str) -> None:
    answer = storage.request(method, target, b"" if method != "GET" else None)
    assert (answer.status, answer.reason) == (404, "PATH_NOT_FOUND")


def _stored_pdf(storage: Storage) -> bytes:
    pdf = make_pdf()
    assert storage.post(storage.create_upload(), pdf).status == 204
    return pdf


def _revision_of(storage: Storage, sha256: str) -> str:
    """A revision whose file is ``sha256`` (its stored-file row made if missing)."""
    key = uuid.uuid4().hex
    with storage.sessions.begin() as session:
        if session.get(StoredFile, sha256) is None:
            session.add(StoredFile(sha256=sha256, size_bytes=1, content_type="application/pdf"))
        session.add(DrawingArea(id=f"area-{key}", project_id=PROJECT, name="Area"))
        session.add(DrawingSet(id=f"set-{key}", project_id=PROJECT, name="Set"))
        session.flush()  # no relationships declared: parents first, by hand
        session.add(
            Drawing(
                id=f"drawing-{key}",
                project_id=PROJECT,
                area_id=f"area-{key}",
                number=key,
                discipline="A",
            )
        )
        session.flush()
        session.add(
            DrawingRevision(
                id=f"revision-{key}",
                project_id=PROJECT,
                drawing_id=f"drawing-{key}",
                set_id=f"set-{key}",
                drawing_date=date(2026, 12, 1),
                file_sha256=sha256,
                file_name="A.pdf",
            )
        )
    return f"revision-{key}"


def _link(
    storage: Storage, sha256: str, name: str, expires_at: datetime, revision_id: str = ""
) -> str:
    revision_id = revision_id or _revision_of(storage, sha256)
    url = download_url(storage.endpoint.public_url, revision_id, sha256, name, expires_at, SECRET)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _in_a_minute() -> datetime:
    return utcnow() + timedelta(seconds=60)


def test_a_download_link_streams_the_identical_bytes(storage: Storage) -> None:
    pdf = _stored_pdf(storage)
    answer = storage.request("GET", _link(storage, sha256_of(pdf), "A-101.pdf", _in_a_minute()))
    assert answer.status == 200
    assert answer.body == pdf
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Length"] == str(len(pdf))
    assert answer.headers["Content-Disposition"] == 'attachment; filename="A-101.pdf"'
    assert answer.headers["X-Content-SHA256"] == sha256_of(answer.body)


def test_a_download_name_outside_ascii_is_carried_safely(storage: Storage) -> None:
    pdf = _stored_pdf(storage)
    name = 'Plan "Ebene" 2 – Süd.pdf'
    answer = storage.request("GET", _link(storage, sha256_of(pdf), name, _in_a_minute()))
    assert answer.status == 200
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="Plan _Ebene_ 2 _ S_d.pdf"; '
        "filename*=UTF-8''Plan%20%22Ebene%22%202%20%E2%80%93%20S%C3%BCd.pdf"
    )


def test_head_gives_the_headers_only(storage: Storage) -> None:
    pdf = _stored_pdf(storage)
    answer = storage.request("HEAD", _link(storage, sha256_of(pdf), "A.pdf", _in_a_minute()))
    assert (answer.status, answer.body) == (200, b"")
    assert answer.headers["Content-Length"] == str(len(pdf))


def test_tampered_and_expired_links_are_refused(storage: Storage) -> None:
    sha256 = sha256_of(_stored_pdf(storage))
    renamed = _link(storage, sha256, "A-101.pdf", _in_a_minute()).replace("A-101", "B-202")
    answer = storage.request("GET", renamed)
    assert (answer.status, answer.reason) == (403, "DOWNLOAD_LINK_INVALID")
    expired = _link(storage, sha256, "A-101.pdf", utcnow() - timedelta(seconds=1))
    answer = storage.request("GET", expired)
    assert (answer.status, answer.reason) == (403, "DOWNLOAD_LINK_EXPIRED")
    answer = storage.request("GET", f"/files/{sha256}")
    assert (answer.status, answer.reason) == (403, "DOWNLOAD_LINK_INVALID")


def test_a_signed_link_to_unknown_bytes_is_not_found(storage: Storage) -> None:
    answer = storage.request("GET", _link(storage, "cd" * 32, "A.pdf", _in_a_minute()))
    assert (answer.status, answer.reason) == (404, "FILE_NOT_FOUND")


@pytest.mark.parametrize("ending", ["withdrawn", "deleted"])
def test_a_link_dies_with_its_revision(storage: Storage, ending: str) -> None:
    sha256 = sha256_of(_stored_pdf(storage))
    revision_id = _revision_of(storage, sha256)
    link = _link(storage, sha256, "A-101.pdf", _in_a_minute(), revision_id)
    assert storage.request("GET", link).status == 200
    with storage.sessions.begin() as session:
        revision = session.get(DrawingRevision, revision_id)
        assert revision is not None
        if ending == "withdrawn":
            revision.withdrawn = True
        else:
            session.delete(revision)
    answer = storage.request("GET", link)
    assert (answer.status, answer.reason) == (410, "DOWNLOAD_LINK_REVOKED")
    # The same bytes behind another, live revision still download (R18: shared by content).
    assert storage.request("GET", _link(storage, sha256, "A.pdf", _in_a_minute())).status == 200


def test_slow_clients_hold_at_most_the_connection_limit_of_threads(storage: Storage) -> None:
    endpoint = start_storage_endpoint(
        "127.0.0.1",
        0,
        sessions=storage.sessions,
        file_store=storage.store,
        secret=SECRET,
        public_url="",
        max_upload_bytes=MAX_BYTES,
        max_connections=4,
    )
    threads_before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", endpoint.port)) for _ in range(40)]
    try:
        time.sleep(0.5)  # every connection accepted: 4 served (idle), 36 refused at once
        assert threading.active_count() - threads_before <= 4
        refused = [client for client in idle if _answered_busy(client)]
        assert len(refused) == 36
        fresh = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=5)
        fresh.request("GET", "/")
        busy = fresh.getresponse()
        assert (busy.status, busy.headers["Retry-After"]) == (503, "1")
        assert json.loads(busy.read())["reason"] == "STORAGE_BUSY"
    finally:
        for client in idle:
            client.close()
    time.sleep(0.3)  # the served threads see their clients go and end
    again = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=5)
    again.request("GET", "/")
    assert again.getresponse().status == 404  # served again: no such route
    endpoint.stop(grace_seconds=1)


def _answered_busy(client: socket.socket) -> bool:
    client.settimeout(0.2)
    try:
        return client.recv(64).startswith(b"HTTP/1.1 503")
    except TimeoutError:
        return False  # being served: the server waits for its request


def test_stop_closes_the_port(storage: Storage) -> None:
    endpoint = start_test_endpoint(storage.sessions, storage.store)
    port = endpoint.port
    endpoint.stop()
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/")
