"""The ErrorReason catalogue, the proto comments and the code agree.

- Every reason a proto comment names is an ErrorReason value: no phantom reasons.
- Every ErrorReason value is raised somewhere in services/ or shared/: no dead entries.
- Nothing but an ErrorReason value can become a reason: a string is a TypeError.

The comments are read from a descriptor set with source info, compiled with grpc_tools'
protoc. A comment's UPPER_SNAKE word is a reason unless the descriptors say it is
something else: an enum value of ours (with or without its enum's prefix), a gRPC status
code, or a google.api.field_behavior.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import grpc_tools
import pytest
from google.api import field_behavior_pb2
from google.protobuf import descriptor_pb2
from google.rpc import error_details_pb2
from grpc_tools import protoc

from connectability.v1 import error_reason_pb2
from services.drawing.domain.file_names import InvalidFileName
from services.drawing.store.files.refusals import StorageRefused
from shared.facts.errors import (
    ERROR_DOMAIN,
    ErrorReason,
    FailedPrecondition,
    InvalidArgument,
    status_for,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "protos"
CATALOGUE = error_reason_pb2.DESCRIPTOR.enum_types_by_name["ErrorReason"].full_name
UPPER_SNAKE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
REASONS = set(ErrorReason.keys()) - {"ERROR_REASON_UNSPECIFIED"}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[descriptor_pb2.FileDescriptorProto]:
    out = tmp_path_factory.mktemp("descriptors") / "connectability.binpb"
    protos = sorted(PROTO_ROOT.joinpath("connectability").rglob("*.proto"))
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"--proto_path={PROTO_ROOT}",
            f"--proto_path={Path(grpc_tools.__file__).parent / '_proto'}",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            *map(str, protos),
        ]
    )
    assert status == 0, "protoc could not compile protos/connectability"
    descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    return [f for f in descriptor_set.file if f.package.startswith("connectability.")]


def _enums(
    files: list[descriptor_pb2.FileDescriptorProto],
) -> list[tuple[str, descriptor_pb2.EnumDescriptorProto]]:
    """Every enum of ours with its full name, nested ones included."""
    found = []

    def of_message(message: descriptor_pb2.DescriptorProto, scope: str) -> None:
        for enum in message.enum_type:
            found.append((f"{scope}.{message.name}.{enum.name}", enum))
        for nested in message.nested_type:
            of_message(nested, f"{scope}.{message.name}")

    for file in files:
        found += [(f"{file.package}.{enum.name}", enum) for enum in file.enum_type]
        for message in file.message_type:
            of_message(message, file.package)
    return found


def _not_reasons(files: list[descriptor_pb2.FileDescriptorProto]) -> set[str]:
    """UPPER_SNAKE words that comments use for things other than reasons."""
    words = {code.name for code in grpc.StatusCode}
    words |= set(field_behavior_pb2.FieldBehavior.keys())
    for full_name, enum in _enums(files):
        if full_name == CATALOGUE:
            continue
        prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper() + "_"
        for value in enum.value:
            words.add(value.name)
            words.add(value.name.removeprefix(prefix))
    return words


def _comments(file: descriptor_pb2.FileDescriptorProto) -> list[str]:
    comments = []
    for location in file.source_code_info.location:
        comments += [location.leading_comments, location.trailing_comments]
        comments += list(location.leading_detached_comments)
    return [comment for comment in comments if comment]


def test_every_reason_a_comment_names_is_in_the_catalogue(
    files: list[descriptor_pb2.FileDescriptorProto],
) -> None:
    not_reasons = _not_reasons(files)
    phantoms = sorted(
        f"{file.name}: {word}"
        for file in files
        for comment in _comments(file)
        for word in set(UPPER_SNAKE.findall(comment))
        if word not in not_reasons and word not in REASONS
    )
    assert not phantoms, f"comments name reasons the catalogue does not hold: {phantoms}"


def test_the_catalogue_is_the_one_in_the_protos(
    files: list[descriptor_pb2.FileDescriptorProto],
) -> None:
    (catalogue,) = [enum for name, enum in _enums(files) if name == CATALOGUE]
    assert [value.name for value in catalogue.value] == list(ErrorReason.keys())
    assert catalogue.value[0].name == "ERROR_REASON_UNSPECIFIED"


def test_every_catalogued_reason_is_raised_somewhere() -> None:
    sources = [
        path
        for folder in ("services", "shared")
        for path in REPO_ROOT.joinpath(folder).rglob("*.py")
        if not path.name.endswith(("_pb2.py", "_pb2_grpc.py"))
    ]
    used = {
        name
        for path in sources
        for name in re.findall(r"\bErrorReason\.([A-Z][A-Z0-9_]*)\b", path.read_text())
    }
    dead = sorted(REASONS - used)
    assert not dead, f"catalogued reasons nothing raises: {dead}"


@pytest.mark.parametrize(
    "refusal",
    [
        lambda reason: InvalidArgument(reason, "x"),
        lambda reason: FailedPrecondition(reason, "x", {"rule": "R6"}),
        lambda reason: StorageRefused(reason, "x"),
        lambda reason: InvalidFileName(reason, "x"),
    ],
    ids=["InvalidArgument", "FailedPrecondition", "StorageRefused", "InvalidFileName"],
)
def test_a_reason_must_be_a_catalogue_value(refusal: Callable[[Any], Exception]) -> None:
    for not_a_value in ("MISSING_FIELD", ErrorReason.ERROR_REASON_UNSPECIFIED, 99_999, True):
        with pytest.raises(TypeError):
            refusal(not_a_value)
    assert refusal(ErrorReason.MISSING_FIELD).reason == "MISSING_FIELD"


def test_the_wire_reason_is_the_value_name() -> None:
    error = InvalidArgument(ErrorReason.REVISION_NOT_IN_SET, "x", {"revision_id": "r1"})
    (detail,) = status_for(error).details
    info = error_details_pb2.ErrorInfo()
    assert detail.Unpack(info)
    assert (info.reason, info.domain) == ("REVISION_NOT_IN_SET", ERROR_DOMAIN)


def test_no_code_passes_a_free_string_reason() -> None:
    """Statically, so a merged branch's string reason fails here, not as INTERNAL at run time.

    Flags any call whose first argument is an UPPER_SNAKE string or an f-string that builds
    one (``f"{kind}_NOT_FOUND"``): reasons are ``ErrorReason`` values.
    """
    found = []
    for folder in ("services", "shared"):
        for path in REPO_ROOT.joinpath(folder).rglob("*.py"):
            if path.name.endswith(("_pb2.py", "_pb2_grpc.py")):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and node.args and _looks_like_reason(node.args[0]):
                    found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert not found, f"free-string reasons: {found}"


def _looks_like_reason(argument: ast.expr) -> bool:
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return UPPER_SNAKE.fullmatch(argument.value) is not None
    if isinstance(argument, ast.JoinedStr):
        text = "".join(
            part.value if isinstance(part, ast.Constant) else "X" for part in argument.values
        )
        return UPPER_SNAKE.fullmatch(text) is not None
    return False
