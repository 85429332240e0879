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

from services.drawing.store.files.file_store import FileTooLarge, LocalFileStore
from services.drawing.store.files.form_reader import ClientGone, FormReader, multipart_boundary
from services.drawing.store.files.pdf_magic import require_pdf_magic
from services.drawing.store.files.refusals import StorageRefused
from tests.storage.multipart_body import encode_form

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def staged_files(store: LocalFileStore) -> list[Path]:
    staging = store.root / ".staging"
    return list(staging.iterdir()) if staging.exists() else []


def stored_files(store: LocalFileStore) -> list[Path]:
    return [
        path for path in store.root.rglob("*") if path.is_file() and ".staging" not in path.parts
    ]


def test_bytes_are_stored_under_their_sha256(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    sha256, size = store.put_stream([PDF[:10], PDF[10:]], max_bytes=len(PDF))
    assert sha256 == hashlib.sha256(PDF).hexdigest()
    assert size == len(PDF)
    assert store.path_of(sha256) == tmp_path / sha256[:2] / sha256[2:4] / sha256
    assert store.exists(sha256)
    with store.open(sha256) as stored:
        assert stored.read() == PDF
    assert staged_files(store) == []


def test_the_same_bytes_are_stored_once(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    first = store.put_stream([PDF], len(PDF))
    with store.stage([PDF], len(PDF)) as staged:
        assert staged.commit() is False
    assert store.put_stream([PDF], len(PDF)) == first
    assert stored_files(store) == [store.path_of(first.sha256)]
    assert staged_files(store) == []


def test_racing_commits_of_the_same_bytes_keep_one_file(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
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
    assert len(stored_files(store)) == 1
    assert staged_files(store) == []


def test_too_large_stops_reading_and_leaves_nothing(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    read: list[int] = []

    def chunks() -> Iterator[bytes]:
        for index in range(100):
            read.append(index)
            yield b"x" * 100

    with pytest.raises(FileTooLarge):
        store.put_stream(chunks(), max_bytes=250)
    assert read == [0, 1, 2]
    assert stored_files(store) == [] and staged_files(store) == []


def test_a_failing_stream_leaves_nothing(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(StorageRefused):
        store.put_stream(require_pdf_magic([b"GIF89a"]), max_bytes=100)
    assert stored_files(store) == [] and staged_files(store) == []


def test_a_discarded_stage_leaves_nothing(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with store.stage([PDF], len(PDF)) as staged:
        assert staged.size == len(PDF)
    assert stored_files(store) == [] and staged_files(store) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", "AB" * 32, "ab" * 31, ""])
def test_paths_only_come_from_real_hashes(tmp_path: Path, bad: str) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(ValueError):
        store.path_of(bad)
    assert not store.exists(bad)


def test_stale_staging_files_are_removed_fresh_ones_kept(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    (tmp_path / ".staging").mkdir()
    stale, fresh = tmp_path / ".staging" / "upload-old", tmp_path / ".staging" / "upload-new"
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
