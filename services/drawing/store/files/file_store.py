"""The local, content-addressed file store: ``root/ab/cd/<sha256>``, each file kept once (R18).

Writing is two steps, so that a caller can check the bytes (and its database) between
them: ``stage`` streams to a temporary file under ``root/.staging`` while hashing, and
``StagedFile.commit`` moves it into place. Both live on one file system, so the move is
atomic: a stored path holds either nothing or all of its bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, NamedTuple, Protocol

STAGING_DIR_NAME = ".staging"
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
# Stored bytes never change (their name is their hash): read-only says so to any tool.
STORED_FILE_MODE = 0o444


class FileTooLarge(Exception):
    """The stream went past ``max_bytes``; nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the file is larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class StoredBytes(NamedTuple):
    sha256: str
    size: int


def is_sha256(text: str) -> bool:
    return SHA256_PATTERN.fullmatch(text) is not None


class StagedFile:
    """Hashed bytes waiting in the staging area: ``commit`` them into the store or ``discard``.

    As a context manager it discards whatever was not committed, whatever happened.
    """

    def __init__(
        self, place: Callable[[Path, str], bool], temporary: Path, stored: StoredBytes
    ) -> None:
        # Moves the staged bytes into the store under their hash; True if they were new.
        self._place = place
        self._temporary: Path | None = temporary
        self.sha256 = stored.sha256
        self.size = stored.size

    def commit(self) -> bool:
        """Move the bytes into place; True if they are new to the store.

        An existing copy is never replaced: if the same bytes are stored already (another
        upload, perhaps at this very moment), that copy is kept and ours dropped.
        """
        if self._temporary is None:
            raise RuntimeError("this staged file was committed or discarded already")
        created = self._place(self._temporary, self.sha256)
        self.discard()
        return created

    def discard(self) -> None:
        if self._temporary is not None:
            self._temporary.unlink(missing_ok=True)
            self._temporary = None

    def __enter__(self) -> StagedFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.discard()


class FileStore(Protocol):
    """What the upload endpoint, the processing round and downloads need of a store.

    ``LocalFileStore`` keeps the bytes in a directory; ``S3FileStore`` (``s3_store``) in a
    bucket. Both stage locally while hashing, then keep each file once under its hash (R18).
    """

    def exists(self, sha256: str) -> bool: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def tail(self, sha256: str, size: int) -> bytes: ...

    def size_of(self, sha256: str) -> int: ...

    def stage(self, chunks: Iterable[bytes], max_bytes: int) -> StagedFile: ...

    def put_stream(self, chunks: Iterable[bytes], max_bytes: int) -> StoredBytes: ...

    def discard_stale_staging(self, older_than_seconds: float = 3600.0) -> int: ...


def put_staged(store: FileStore, chunks: Iterable[bytes], max_bytes: int) -> StoredBytes:
    """Stage and commit in one step: the bytes' (sha256, size). Either store's put_stream."""
    with store.stage(chunks, max_bytes) as staged:
        staged.commit()
        return StoredBytes(staged.sha256, staged.size)


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._staging = root / STAGING_DIR_NAME

    def path_of(self, sha256: str) -> Path:
        # Checked, because the hash comes from URLs: it must never walk out of the root.
        if not is_sha256(sha256):
            raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return is_sha256(sha256) and self.path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes for reading; ``FileNotFoundError`` if there are none."""
        return self.path_of(sha256).open("rb")

    def size_of(self, sha256: str) -> int:
        """The stored file's size in bytes; ``FileNotFoundError`` if there is none."""
        return self.path_of(sha256).stat().st_size

    def tail(self, sha256: str, size: int) -> bytes:
        """The last ``size`` bytes (all of a shorter file); ``FileNotFoundError`` if none."""
        with self.open(sha256) as handle:
            end = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, end - size))
            return handle.read()

    def stage(self, chunks: Iterable[bytes], max_bytes: int) -> StagedFile:
        """Stream ``chunks`` into the staging area, hashing them; at most ``max_bytes``.

        Raises ``FileTooLarge`` as soon as the limit is passed (the rest is not read), and
        re-raises whatever the chunks raise; either way the temporary file is gone.
        """
        return stage_in(self._staging, chunks, max_bytes, self._link_into_place)

    def _link_into_place(self, temporary: Path, sha256: str) -> bool:
        # A hard link never replaces an existing file, so racing commits keep one copy.
        final = self.path_of(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(temporary, final)
        except FileExistsError:
            return False
        _fsync_directory(final.parent)
        return True

    def put_stream(self, chunks: Iterable[bytes], max_bytes: int) -> StoredBytes:
        return put_staged(self, chunks, max_bytes)

    def discard_stale_staging(self, older_than_seconds: float = 3600.0) -> int:
        return discard_stale_files(self._staging, older_than_seconds)


def stage_in(
    staging: Path,
    chunks: Iterable[bytes],
    max_bytes: int,
    place: Callable[[Path, str], bool],
) -> StagedFile:
    """Stream ``chunks`` into a temporary file under ``staging``, hashing them; at most
    ``max_bytes``. ``place`` later moves the file into its store (``StagedFile.commit``).

    Raises ``FileTooLarge`` as soon as the limit is passed (the rest is not read), and
    re-raises whatever the chunks raise; either way the temporary file is gone.
    """
    staging.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=staging, prefix="upload-")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            stored = _copy_hashing(chunks, handle, max_bytes)
            handle.flush()
            # On disk before it can be linked into place and referenced by the database.
            os.fsync(handle.fileno())
        os.chmod(temporary, STORED_FILE_MODE)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return StagedFile(place, temporary, stored)


def discard_stale_files(staging: Path, older_than_seconds: float) -> int:
    """Remove temporary files a crashed process left behind; how many were removed.

    Age-based, because other processes may share this staging area and stage right now.
    """
    if not staging.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for leftover in staging.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed += 1
    return removed


def _copy_hashing(chunks: Iterable[bytes], handle: BinaryIO, max_bytes: int) -> StoredBytes:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(max_bytes)
        digest.update(chunk)
        handle.write(chunk)
    return StoredBytes(digest.hexdigest(), size)


def _fsync_directory(directory: Path) -> None:
    # The new directory entry must survive a crash as well as the bytes it names.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
