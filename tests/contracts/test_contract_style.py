"""House rules of the contracts that buf lint alone does not pin down.

- Every RPC has its own request and response messages, named after it (`XxxRequest` and
  `XxxResponse`, or prefixed with the service name where two services share an RPC name),
  defined beside the service.
- Every service, RPC, message, field, enum and enum value has a leading comment: those
  comments are the documentation generated clients in other languages show their users.
  Comments hold no backslash (it would become an invalid escape in Python docstrings).
- Every List RPC pages (AIP-158).

The checks read a descriptor set with source info, compiled with grpc_tools' protoc.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc_tools
import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "protos"
# The public API and the internal one (what only our own services call).
PACKAGES = ("connectability.v1", "connectability.internal.v1")

# Field numbers of the descriptor messages, as used in SourceCodeInfo.Location.path.
FILE_MESSAGE_TYPE, FILE_ENUM_TYPE, FILE_SERVICE = 4, 5, 6
MESSAGE_FIELD, MESSAGE_NESTED_TYPE, MESSAGE_ENUM_TYPE, MESSAGE_ONEOF = 2, 3, 4, 8
ENUM_VALUE = 2
SERVICE_METHOD = 2


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
    ours = [f for f in descriptor_set.file if f.package in PACKAGES]
    assert len(ours) == len(protos)
    return ours


def _message_elements(
    message: descriptor_pb2.DescriptorProto, path: tuple[int, ...], name: str
) -> Iterator[tuple[tuple[int, ...], str]]:
    if message.options.map_entry:  # synthesised for map<,> fields; nothing to document
        return
    yield path, f"message {name}"
    for i, field in enumerate(message.field):
        yield path + (MESSAGE_FIELD, i), f"field {name}.{field.name}"
    for i, oneof in enumerate(message.oneof_decl):
        members = [f for f in message.field if f.HasField("oneof_index") and f.oneof_index == i]
        if all(f.proto3_optional for f in members):  # synthesised for `optional` fields
            continue
        yield path + (MESSAGE_ONEOF, i), f"oneof {name}.{oneof.name}"
    for i, nested in enumerate(message.nested_type):
        yield from _message_elements(
            nested, path + (MESSAGE_NESTED_TYPE, i), f"{name}.{nested.name}"
        )
    for i, enum in enumerate(message.enum_type):
        yield from _enum_elements(enum, path + (MESSAGE_ENUM_TYPE, i), f"{name}.{enum.name}")


def _enum_elements(
    enum: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...], name: str
) -> Iterator[tuple[tuple[int, ...], str]]:
    yield path, f"enum {name}"
    for i, value in enumerate(enum.value):
        yield path + (ENUM_VALUE, i), f"enum value {value.name}"


def documented_elements(
    file: descriptor_pb2.FileDescriptorProto,
) -> Iterator[tuple[tuple[int, ...], str]]:
    """(source path, description) of everything in the file that needs a comment."""
    for i, message in enumerate(file.message_type):
        yield from _message_elements(message, (FILE_MESSAGE_TYPE, i), message.name)
    for i, enum in enumerate(file.enum_type):
        yield from _enum_elements(enum, (FILE_ENUM_TYPE, i), enum.name)
    for i, service in enumerate(file.service):
        yield (FILE_SERVICE, i), f"service {service.name}"
        for j, method in enumerate(service.method):
            yield (FILE_SERVICE, i, SERVICE_METHOD, j), f"rpc {service.name}.{method.name}"


def test_everything_has_a_leading_comment(files: list[descriptor_pb2.FileDescriptorProto]) -> None:
    missing = []
    for file in files:
        comments = {
            tuple(location.path): location.leading_comments
            for location in file.source_code_info.location
        }
        for path, what in documented_elements(file):
            comment = comments.get(path, "")
            if not comment.strip():
                missing.append(f"{file.name}: {what} has no leading comment")
            elif "\\" in comment:
                # The gRPC plugin copies comments into Python docstrings unescaped, where a
                # backslash is an invalid escape sequence.
                missing.append(f"{file.name}: {what} has a backslash in its comment")
    assert not missing, "\n".join(missing)


def test_every_rpc_has_its_own_request_and_response(
    files: list[descriptor_pb2.FileDescriptorProto],
) -> None:
    problems = []
    used_by: dict[str, str] = {}
    for file in files:
        defined_here = {message.name for message in file.message_type}
        for service in file.service:
            assert service.name.endswith("Service"), f"{service.name} must end in Service"
            for method in service.method:
                rpc = f"{service.name}.{method.name}"
                for type_name, suffix in (
                    (method.input_type, "Request"),
                    (method.output_type, "Response"),
                ):
                    prefix = f".{file.package}."
                    if not type_name.startswith(prefix):
                        problems.append(f"{rpc}: {type_name} is not a {file.package} message")
                        continue
                    name = type_name[len(prefix) :]
                    allowed = {f"{method.name}{suffix}", f"{service.name}{method.name}{suffix}"}
                    if name not in allowed:
                        problems.append(f"{rpc}: {name} should be one of {sorted(allowed)}")
                    if name not in defined_here:
                        problems.append(f"{rpc}: {name} should be defined in {file.name}")
                    if type_name in used_by:
                        problems.append(f"{rpc}: {name} is already used by {used_by[type_name]}")
                    used_by[type_name] = rpc
    assert not problems, "\n".join(problems)


def test_every_list_rpc_pages(files: list[descriptor_pb2.FileDescriptorProto]) -> None:
    messages = {
        f".{file.package}.{message.name}": {field.name: field for field in message.field}
        for file in files
        for message in file.message_type
    }
    problems = []
    for file in files:
        for service in file.service:
            for method in service.method:
                if not method.name.startswith("List"):
                    continue
                request, response = messages[method.input_type], messages[method.output_type]
                int32 = descriptor_pb2.FieldDescriptorProto.TYPE_INT32
                string = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
                if request.get("page_size") is None or request["page_size"].type != int32:
                    problems.append(f"{method.name}: request needs `int32 page_size`")
                if request.get("page_token") is None or request["page_token"].type != string:
                    problems.append(f"{method.name}: request needs `string page_token`")
                token = response.get("next_page_token")
                if token is None or token.type != string:
                    problems.append(f"{method.name}: response needs `string next_page_token`")
    assert not problems, "\n".join(problems)
