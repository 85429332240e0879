"""connectability.v1 is frozen: `buf breaking` finds nothing against the v1 snapshot, and
does find a change that would break generated clients (so the guard is real)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.contracts.test_buf_lint import PROTO_ROOT, buf_binary, run_buf

SNAPSHOT = "stable/connectability-v1.json"


def test_the_public_contract_keeps_everything_v1_promised() -> None:
    result = run_buf("breaking", "--against", SNAPSHOT)
    assert result.returncode == 0, (
        "connectability.v1 is stable; this change breaks its clients (protos/CHANGELOG.md):\n"
        f"{result.stdout}{result.stderr}"
    )


def test_removing_a_field_is_caught(tmp_path: Path) -> None:
    protos = tmp_path / "protos"
    shutil.copytree(PROTO_ROOT, protos)
    service = protos / "connectability" / "v1" / "connection_service.proto"
    text = service.read_text()
    assert "  string etag = 9;\n" in text
    service.write_text(text.replace("  string etag = 9;\n", "", 1))
    result = subprocess.run(
        [buf_binary(), "breaking", "--against", SNAPSHOT],
        cwd=protos,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert 'with name "etag"' in result.stdout
