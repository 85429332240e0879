"""The contracts are buf-lint clean (STANDARD + COMMENTS, see protos/buf.yaml) and build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROTO_ROOT = Path(__file__).resolve().parents[2] / "protos"


def buf_binary() -> str:
    # The venv's buf (dev dependency buf-bin) first, so the version pinned in pyproject.toml
    # is the one that judges, whatever else is on PATH.
    beside_python = Path(sys.executable).parent / "buf"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("buf")
    if found is None:
        pytest.fail("buf not found: install the dev dependencies (pip install -e '.[dev]')")
    return found


def run_buf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [buf_binary(), *args],
        cwd=PROTO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_buf_lint_is_clean() -> None:
    result = run_buf("lint")
    assert result.returncode == 0, f"buf lint failed:\n{result.stdout}{result.stderr}"


def test_buf_build_succeeds(tmp_path: Path) -> None:
    image = tmp_path / "image.binpb"
    result = run_buf("build", "-o", str(image))
    assert result.returncode == 0, f"buf build failed:\n{result.stdout}{result.stderr}"
    assert image.stat().st_size > 0
