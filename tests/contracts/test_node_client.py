"""The contracts from another language: a Node.js client (@grpc/grpc-js, @grpc/proto-loader)
checks each service's health and makes real calls, loading the .proto files directly, and
decodes refusals' ErrorInfo with protobufjs from the vendored google/rpc protos."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"


@pytest.mark.node
def test_a_node_client_uses_all_three_services(stack: Stack) -> None:
    node = shutil.which("node")
    assert node, "Node.js is not installed; `make test` needs node and npm"
    assert (NODE_DIR / "node_modules" / "@grpc" / "grpc-js").is_dir(), (
        "the Node client's packages are missing; run `make test` (it runs npm ci)"
    )
    result = subprocess.run(
        [node, str(NODE_DIR / "client.js")],
        env={
            "PATH": str(Path(node).parent),
            "CONNECTION_ADDRESS": stack.address("connection"),
            "DRAWING_ADDRESS": stack.address("drawing"),
            "NOTIFICATION_ADDRESS": stack.address("notification"),
            "PLATFORM_TOKEN": stack.keys.platform_token(),
            "PROTOS_DIR": str(ROOT / "protos"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)

    assert seen["health"] == {name: "SERVING" for name in ("connection", "drawing", "notification")}
    assert seen["company_id"] and seen["project_id"]
    assert seen["project_state"] == "PROJECT_STATE_ACTIVE"
    assert seen["project_name"] == {
        "connection": "Node Tower",
        "drawing": "Node Tower",
        "notification": "Node Tower",
    }
    # Refusals decoded in Node from the vendored google/rpc protos: the reason is a name
    # from the ErrorReason catalogue, with its documented metadata.
    assert seen["unauthenticated"] == {
        "code": 16,
        "status_code": 16,
        "reason": "TOKEN_MISSING",
        "domain": "connectability",
        "metadata": {},
        "catalogued": True,
    }
    assert seen["bad_email"] == {
        "code": 3,
        "status_code": 3,
        "reason": "INVALID_EMAIL_ADDRESS",
        "domain": "connectability",
        "metadata": {"email": "not-an-address"},
        "catalogued": True,
    }
