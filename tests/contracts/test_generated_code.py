"""The committed generated code is what scripts/generate_protos.py makes from protos/."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "generate_protos.py"
PROTO_DIR = REPO_ROOT / "protos" / "connectability" / "v1"


def test_generated_code_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        "generated code is stale; run `python scripts/generate_protos.py` and commit:\n"
        f"{result.stdout}{result.stderr}"
    )


@pytest.mark.parametrize("proto", sorted(p.stem for p in PROTO_DIR.glob("*.proto")))
def test_generated_modules_import(proto: str) -> None:
    # Importing checks the runtime versions the generated code demands (protobuf, grpcio)
    # and that google.api.field_behavior_pb2 comes from googleapis-common-protos.
    messages = importlib.import_module(f"connectability.v1.{proto}_pb2")
    services = importlib.import_module(f"connectability.v1.{proto}_pb2_grpc")
    for service in messages.DESCRIPTOR.services_by_name:
        assert hasattr(services, f"{service}Stub")
        assert hasattr(services, f"{service}Servicer")
        assert hasattr(services, f"add_{service}Servicer_to_server")
