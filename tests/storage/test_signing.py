"""The storage secret and the HMAC helpers (no database, no network)."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from services.drawing.store.files.signing import (
    SECRET_FILE_NAME,
    canonical_json,
    load_signing_secret,
    sign_mapping,
    verify_bytes,
    verify_mapping,
)
from shared.runtime.config import Settings

SECRET = b"s" * 32


def test_configured_secret_is_used_as_is(tmp_path: Path) -> None:
    configured = "a-configured-secret-of-enough-length!"
    settings = Settings(data_dir=tmp_path, storage_signing_secret=configured)
    assert load_signing_secret(settings) == configured.encode()
    assert not (tmp_path / "keys").exists()


def test_a_short_configured_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32"):
        load_signing_secret(Settings(data_dir=tmp_path, storage_signing_secret="short"))


def test_local_secret_is_created_once_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, storage_signing_secret="")
    first = load_signing_secret(settings)
    path = settings.keys_dir / SECRET_FILE_NAME
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signing_secret(settings) == first
    assert [entry.name for entry in settings.keys_dir.iterdir()] == [SECRET_FILE_NAME]


def test_the_local_file_copied_into_the_setting_gives_the_same_key(tmp_path: Path) -> None:
    local = load_signing_secret(Settings(data_dir=tmp_path))
    text = (tmp_path / "keys" / SECRET_FILE_NAME).read_text()
    assert load_signing_secret(Settings(data_dir=tmp_path, storage_signing_secret=text)) == local


def test_racing_processes_agree_on_one_secret(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    results: list[bytes] = []
    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        results.append(load_signing_secret(settings))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert [entry.name for entry in settings.keys_dir.iterdir()] == [SECRET_FILE_NAME]


def test_canonical_json_ignores_key_order() -> None:
    assert canonical_json({"b": 1, "a": "x"}) == canonical_json({"a": "x", "b": 1})
    assert canonical_json({"a": "é"}) == b'{"a":"\\u00e9"}'


def test_a_signed_mapping_verifies_and_any_change_does_not() -> None:
    values = {"sha256": "ab" * 32, "expires": 10}
    signature = sign_mapping(values, SECRET)
    assert verify_mapping(values, signature, SECRET)
    assert not verify_mapping({**values, "expires": 11}, signature, SECRET)
    assert not verify_mapping(values, signature, b"t" * 32)
    flipped = signature[:-1] + ("1" if signature[-1] == "0" else "0")
    assert not verify_mapping(values, flipped, SECRET)


def test_garbage_signatures_are_refused_not_raised() -> None:
    assert not verify_bytes(b"data", "", SECRET)
    assert not verify_bytes(b"data", "ünïcode", SECRET)
