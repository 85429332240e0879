"""The content-addressed store, the PDF check and the streaming form reader (no database)."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.drawing.store.files.file_access import file_store_from
from services.drawing.store.files.file_store import FileStore, FileTooLarge, LocalFileStore
from services.drawing.store.files.form_reader import ClientGone, FormReader, multipart_boundary
from services.drawing.store.files.pdf_magic import require_pdf_magic
from services.drawing.store.files.refusals import StorageRefused
from services.drawing.store.files.s3_store import S3FileStore
from tests.fixtures.s3 import s3_settings
from tests.storage.multipart_body import encode_form

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileStore:
    """Each store-level test runs on the local directory and on a bucket (moto's server)."""
    if request.param == "local":
        return LocalFileStore(tmp_path)
    settings = s3_settings(request.getfixturevalue("s3_endpoint"), tmp_path)
    return file_store_from(settings)


def staging_of(store: FileStore) -> Path:
    if isinstance(store, S3FileStore):
        return store.staging
    assert isinstance(store, LocalFileStore)
    return store.root / ".staging"


def staged_files(store: FileStore) -> list[Path]:
    staging = staging_of(store)
    return list(staging.iterdir()) if staging.exists() else []


def stored_hashes(store: FileStore) -> list[str]:
    if isinstance(store, S3FileStore):
        return store.stored_hashes()
    assert isinstance(store, LocalFileStore)
    return sorted(
        path.name
        for path in store.root.rglob("*")
        if path.is_file() and ".staging" not in path.parts
    )


def test_the_local_store_keeps_files_under_sha256_paths(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    sha256, _ = store.put_stream([PDF], max_bytes=len(PDF))
    assert store.path_of(sha256) == tmp_path / sha256[:2] / sha256[2:4] / sha256


def test_bytes_are_stored_under_their_sha256(store: FileStore) -> None:
    sha256, size = store.put_stream([PDF[:10], PDF[10:]], max_bytes=len(PDF))
    assert sha256 == hashlib.sha256(PDF).hexdigest()
    assert size == len(PDF)
    assert stored_hashes(store) == [sha256]
    assert store.exists(sha256)
    assert store.tail(sha256, 5) == PDF[-5:]
    assert store.size_of(sha256) == len(PDF)
    with store.open(sha256) as stored:
        assert stored.read() == PDF
    assert staged_files(store) == []


def test_a_file_that_is_not_stored_is_not_found(store: FileStore) -> None:
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(missing)
    for read in (store.open, store.size_of, lambda sha256: store.tail(sha256, 10)):
        with pytest.raises(FileNotFoundError):
            read(missing)


def test_the_same_bytes_are_stored_once(store: FileStore) -> None:
    first = store.put_stream([PDF], len(PDF))
    with store.stage([PDF], len(PDF)) as staged:
        assert staged.commit() is False
    assert store.put_stream([PDF], len(PDF)) == first
    assert stored_hashes(store) == [first.sha256]
    assert staged_files(store) == []


def test_racing_commits_of_the_same_bytes_keep_one_file(store: FileStore) -> None:
    staged = [store.stage([PDF], len(PDF)) for _ in range(6)]
    start = threading.Barrier(len(staged))
    created: list[bool] = []

    def commit(index: int) -> None:
        start.wait()
        created.append(staged[index].commit())

    threads = [threading.Thread(target=commit, args=(index,)) for index in range(len(staged))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created) == [False] * 5 + [True]
    assert len(stored_hashes(store)) == 1
    assert staged_files(store) == []


def test_too_large_stops_reading_and_leaves_nothing(store: FileStore) -> None:
    read: list[int] = []

    def chunks() -> Iterator[bytes]:
        for index in range(100):
            read.append(index)
            yield b"x" * 100

    with pytest.raises(FileTooLarge):
        store.put_stream(chunks(), max_bytes=250)
    assert read == [0, 1, 2]
    assert stored_hashes(store) == [] and staged_files(store) == []


def test_a_failing_stream_leaves_nothing(store: FileStore) -> None:
    with pytest.raises(StorageRefused):
        store.put_stream(require_pdf_magic([b"GIF89a"]), max_bytes=100)
    assert stored_hashes(store) == [] and staged_files(store) == []


def test_a_discarded_stage_leaves_nothing(store: FileStore) -> None:
    with store.stage([PDF], len(PDF)) as staged:
        assert staged.size == len(PDF)
    assert stored_hashes(store) == [] and staged_files(store) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", "AB" * 32, "ab" * 31, ""])
def test_paths_only_come_from_real_hashes(store: FileStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.open(bad)
    assert not store.exists(bad)


def test_stale_staging_files_are_removed_fresh_ones_kept(store: FileStore) -> None:
    staging = staging_of(store)
    staging.mkdir(parents=True)
    stale, fresh = staging / "upload-old", staging / "upload-new"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    an_hour_ago = time.time() - 7200
    os.utime(stale, (an_hour_ago, an_hour_ago))
    assert store.discard_stale_staging(older_than_seconds=3600) == 1
    assert not stale.exists() and fresh.exists()


def test_the_pdf_check_waits_for_enough_bytes() -> None:
    assert b"".join(require_pdf_magic([b"%P", b"D", b"F-1", b".7"])) == b"%PDF-1.7"
    for not_pdf in ([b"%PD"], [], [b"<html>"], [b" %PDF-"]):
        with pytest.raises(StorageRefused) as refused:
            b"".join(require_pdf_magic(not_pdf))
        assert refused.value.reason == "NOT_A_PDF"


def test_the_form_reader_gives_fields_then_streams_the_file() -> None:
    body, content_type = encode_form([("key", "u-1"), ("policy", "abc")], PDF)
    form = FormReader(io.BytesIO(body), len(body), multipart_boundary(content_type), read_size=7)
    key = form.next_part()
    assert key is not None and (key.name, key.filename) == ("key", None)
    assert key.read_text(100) == "u-1"
    policy = form.next_part()
    assert policy is not None and policy.read_text(100) == "abc"
    file_part = form.next_part()
    assert file_part is not None
    assert (file_part.name, file_part.filename, file_part.content_type) == (
        "file",
        "drawing.pdf",
        "application/pdf",
    )
    chunks = list(file_part.chunks())
    assert b"".join(chunks) == PDF and len(chunks) > 1
    assert form.next_part() is None
    assert form.remaining == 0


def test_the_form_reader_refuses_broken_bodies() -> None:
    body, content_type = encode_form([("key", "u-1")], PDF)
    boundary = multipart_boundary(content_type)
    cut = body[: len(body) // 2]
    with pytest.raises(StorageRefused, match="closing boundary"):
        FormReader(io.BytesIO(cut), len(cut), boundary).finish()
    with pytest.raises(ClientGone):
        FormReader(io.BytesIO(cut), len(body), boundary).finish()
    with pytest.raises(StorageRefused) as refused:
        FormReader(io.BytesIO(b"garbage\r\n"), 9, boundary).finish()
    assert refused.value.reason == "MALFORMED_FORM"
    with pytest.raises(StorageRefused):
        multipart_boundary("application/x-www-form-urlencoded")
