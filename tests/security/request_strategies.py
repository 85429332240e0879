"""Hypothesis strategies for any request message, read from its descriptor.

Strings are empty, short, unicode, huge, or ids that exist in the world (so a request gets
past the lookups and into the deeper checks); integers reach the edges of their type;
enums take unknown values; repeated fields are empty, short or long; nested messages nest
a few levels; page sizes go negative and huge; page tokens are garbage or base64 of JSON
that looks like ours.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

MAX_DEPTH = 3
HUGE_TEXT = 70_000  # far beyond every length limit, well below the message size limit
_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
# Valid UTF-8 only: protobuf cannot even send a lone surrogate.
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def _integers(field: FieldDescriptor) -> st.SearchStrategy[int]:
    low, high = _INT_RANGES[field.type]
    edges = [value for value in (low, high, -1, 0, 1, 2**31, 10**12) if low <= value <= high]
    return st.one_of(st.sampled_from(edges), st.integers(max(low, -1000), min(high, 100_000)))


def _page_tokens() -> st.SearchStrategy[str]:
    def looks_like_ours(position: dict[str, Any]) -> str:
        sealed = json.dumps({"p": position, "c": "0123456789abcdef"}).encode()
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    positions = st.fixed_dictionaries(
        {},
        optional={
            "offset": st.one_of(st.integers(), _TEXT, st.none()),
            "filter": _TEXT,
            "f": _TEXT,
            "k": st.one_of(st.integers(), _TEXT),
        },
    )
    return st.one_of(
        _TEXT,
        st.binary(max_size=60).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
        positions.map(looks_like_ours),
    )


def _strings(field: FieldDescriptor, known_ids: list[str]) -> st.SearchStrategy[str]:
    if field.name == "page_token":
        return _page_tokens()
    choices: list[st.SearchStrategy[str]] = [
        _TEXT,
        st.just(""),
        st.just("é" * HUGE_TEXT),
        st.sampled_from(["team@example.com", "2026-11-20", "A-101.pdf", "application/pdf"]),
    ]
    if known_ids:
        ids = st.sampled_from(known_ids)
        choices += [ids, ids] if field.name.endswith("id") or field.name.endswith("ids") else [ids]
    return st.one_of(*choices)


def _scalar(field: FieldDescriptor, known_ids: list[str], depth: int) -> st.SearchStrategy[Any]:
    if field.name == "page_size":
        return st.one_of(
            st.sampled_from([-(2**31), -1, 0, 1, 500, 501, 2**31 - 1]), st.integers(-10, 1000)
        )
    if field.type == FieldDescriptor.TYPE_STRING:
        return _strings(field, known_ids)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if field.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if field.type == FieldDescriptor.TYPE_ENUM:
        known = [value.number for value in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-3, 1000))  # open enums
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(allow_nan=True, width=32)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return messages(field.message_type, known_ids, depth + 1)
    return _integers(field)


def _field_values(
    field: FieldDescriptor, known_ids: list[str], depth: int
) -> st.SearchStrategy[Any]:
    single = _scalar(field, known_ids, depth)
    if not field.is_repeated:
        return single
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        return st.just([])  # no map fields in our contracts today
    if depth > 0 or field.message_type is not None:
        return st.lists(single, max_size=3)
    # Many items at the top level: past every "at most N" check (imports, ids, emails).
    return st.one_of(st.lists(single, max_size=3), st.lists(single, min_size=501, max_size=501))


def messages(
    descriptor: Descriptor, known_ids: list[str], depth: int = 0
) -> st.SearchStrategy[Message]:
    """Messages of ``descriptor``'s type: each field set or not, and nested to MAX_DEPTH."""
    message_type = GetMessageClass(descriptor)
    if depth > MAX_DEPTH:
        return st.just(message_type())
    optional = {
        field.name: _field_values(field, known_ids, depth)
        for field in descriptor.fields
        if field.containing_oneof is None or field.containing_oneof.fields[0] is field
    }
    return st.fixed_dictionaries({}, optional=optional).map(
        lambda values: _build(message_type, values)
    )


def _build(message_type: type[Message], values: dict[str, Any]) -> Message:
    message = message_type()
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        if field.is_repeated:
            target = getattr(message, name)
            if field.message_type is not None:
                for item in value:
                    target.add().CopyFrom(item)
            else:
                target.extend(value)
        elif field.message_type is not None:
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message
