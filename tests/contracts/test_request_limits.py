"""The limits the request comments state are the limits the buf.validate rules enforce.

Driven by the descriptors: every field of every message a request can carry (requests and
the messages nested in them) is checked, so a field added later is checked too.

- A comment that says "at most N characters" or "1 to N characters" has a string rule
  with max_len N (and, for "1 to", a required field or min_len 1); "at most N KiB" is
  max_bytes N × 1024. A max_len with no such sentence in the comment (nor the conventions'
  "every id field holds at most 128 characters") is a limit clients cannot read.
- Every id field holds at most 128 characters (caller-chosen ids: 64, by their pattern).
- Names, titles and display names refuse control characters.
- page_size refuses negatives only: values above the maximum are clamped (AIP-158).
- Every pattern has a sentence for people in the interceptor (PATTERN_SENTENCES).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import grpc_tools
import pytest
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from grpc_tools import protoc

from buf.validate import validate_pb2
from connectability.v1 import connection_service_pb2, drawing_service_pb2
from shared.runtime.request_validation import PATTERN_SENTENCES

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "protos"
# The public API: the internal package's requests are not validated (see
# shared/runtime/request_validation.py), so they carry no rules to check.
MODULES = (connection_service_pb2, drawing_service_pb2)
FILE_MESSAGE_TYPE, MESSAGE_FIELD = 4, 2
MAX_ID_LENGTH = 128
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1F\x7F-\x9F\x{2028}\x{2029}]*$"
NAME_FIELDS = ("name", "title", "display_name")
NOT_NAMES = ("file_name",)  # file names follow the file name rules (R30) instead

AT_MOST = re.compile(r"\bat most ([0-9,]+) characters", re.IGNORECASE)
ONE_TO = re.compile(r"\b1 to ([0-9,]+) characters")
AT_MOST_KIB = re.compile(r"\bat most ([0-9]+) KiB")


def request_messages() -> list[Descriptor]:
    """Every message a request of ours can carry, requests first."""
    found: dict[str, Descriptor] = {}

    def walk(message: Descriptor) -> None:
        if message.full_name in found or not message.full_name.startswith("connectability."):
            return
        found[message.full_name] = message
        for field in message.fields:
            if field.message_type is not None:
                walk(field.message_type)

    for module in MODULES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                walk(method.input_type)
    return list(found.values())


@pytest.fixture(scope="module")
def comments(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    """The leading comment of every field, by (message full name, field name)."""
    out = tmp_path_factory.mktemp("descriptors") / "limits.binpb"
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
    assert status == 0
    found = {}
    for file in descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file:
        located = {tuple(loc.path): loc.leading_comments for loc in file.source_code_info.location}
        for i, message in enumerate(file.message_type):
            for j, field in enumerate(message.field):
                text = located.get((FILE_MESSAGE_TYPE, i, MESSAGE_FIELD, j), "")
                found[(f"{file.package}.{message.name}", field.name)] = " ".join(text.split())
    return found


def fields() -> Iterator[tuple[Descriptor, FieldDescriptor]]:
    for message in request_messages():
        for field in message.fields:
            yield message, field


def rules_of(field: FieldDescriptor) -> validate_pb2.FieldRules:
    return field.GetOptions().Extensions[validate_pb2.field]


def string_rules_of(field: FieldDescriptor) -> validate_pb2.StringRules:
    rules = rules_of(field)
    if field.is_repeated:
        return rules.repeated.items.string
    return rules.string


def is_id(field: FieldDescriptor) -> bool:
    return field.type == FieldDescriptor.TYPE_STRING and (
        field.name == "id" or field.name.endswith(("_id", "_ids", "_uuid"))
    )


def is_name(field: FieldDescriptor) -> bool:
    return field.name in NAME_FIELDS or (
        field.name.endswith("_name") and field.name not in NOT_NAMES
    )


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_every_stated_character_limit_is_the_enforced_one(
    comments: dict[tuple[str, str], str],
) -> None:
    problems = []
    for message, field in fields():
        where = f"{message.name}.{field.name}"
        comment = comments[(message.full_name, field.name)]
        rules = string_rules_of(field)
        stated = [number(n) for n in AT_MOST.findall(comment) + ONE_TO.findall(comment)]
        if len(set(stated)) > 1:
            problems.append(f"{where}: the comment states several limits {stated}")
        elif stated and (not rules.HasField("max_len") or rules.max_len != stated[0]):
            enforced = rules.max_len if rules.HasField("max_len") else "none"
            problems.append(f"{where}: the comment says {stated[0]}, the rule {enforced}")
        elif not stated and rules.HasField("max_len") and not is_id(field):
            problems.append(f"{where}: max_len {rules.max_len} is not stated in the comment")
        if ONE_TO.search(comment) and not (rules_of(field).required or rules.min_len == 1):
            problems.append(f"{where}: the comment says '1 to', yet empty is allowed")
        kib = AT_MOST_KIB.findall(comment)
        if kib and rules.max_bytes != number(kib[0]) * 1024:
            problems.append(f"{where}: the comment says {kib[0]} KiB, max_bytes {rules.max_bytes}")
    assert not problems, "\n".join(problems)


def test_every_id_field_holds_at_most_128_characters() -> None:
    problems = []
    for message, field in fields():
        if not is_id(field):
            continue
        rules = string_rules_of(field)
        if not rules.HasField("max_len") or rules.max_len > MAX_ID_LENGTH:
            problems.append(f"{message.name}.{field.name}: no max_len of at most 128")
    assert not problems, "\n".join(problems)


def test_names_titles_and_display_names_refuse_control_characters() -> None:
    problems = [
        f"{message.name}.{field.name}"
        for message, field in fields()
        if is_name(field) and string_rules_of(field).pattern != NO_CONTROL_CHARACTERS
    ]
    assert not problems, "names without the control-character rule: " + ", ".join(problems)


def test_page_size_refuses_negatives_and_clamps_the_rest() -> None:
    problems = []
    for message, field in fields():
        if field.name != "page_size":
            continue
        rules = rules_of(field).int32
        if not rules.HasField("gte") or rules.gte != 0 or rules.HasField("lte"):
            problems.append(f"{message.name}.page_size: want exactly gte 0 (no upper bound)")
    assert not problems, "\n".join(problems)


def test_every_pattern_reads_as_a_sentence() -> None:
    patterns = {
        string_rules_of(field).pattern for _, field in fields() if string_rules_of(field).pattern
    }
    assert patterns <= set(PATTERN_SENTENCES), patterns - set(PATTERN_SENTENCES)


def test_every_enum_field_accepts_only_defined_values() -> None:
    problems = [
        f"{message.name}.{field.name}"
        for message, field in fields()
        if field.type == FieldDescriptor.TYPE_ENUM and not rules_of(field).enum.defined_only
    ]
    assert not problems, "enum fields without defined_only: " + ", ".join(problems)
