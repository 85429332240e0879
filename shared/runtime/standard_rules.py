"""The buf.validate standard rules our contracts use, checked in plain Python.

protovalidate 1.x evaluates every standard rule (even ``max_len``) with a tree-walking CEL
interpreter: milliseconds per request, more than a whole read RPC costs. The contracts only
use a handful of rules, so for them this module compiles each message type once into
plain checks that give the same violations (field path, rule id, message) in the same
order. A message type that uses anything else (custom CEL rules, message or oneof rules,
``email``, other rule types) is left to protovalidate: ``compile_checks`` raises
``Unsupported``.
tests/unit/test_standard_rules.py holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import re2  # google-re2, protovalidate's own regex engine: the same syntax as the protos
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from buf.validate import validate_pb2


@dataclass(frozen=True)
class RuleViolation:
    field: str
    rule_id: str
    message: str
    # The rule's value (the pattern of a string.pattern violation), for readable messages.
    rule_value: object = None


# A check of one value: yields (rule id, message, rule value) for each broken rule.
ValueCheck = Callable[[object], Iterator[tuple[str, str, object]]]

_SUPPORTED_FIELD_RULES = {"required", "ignore", "string", "enum", "int32", "repeated"}
_SUPPORTED_STRING_RULES = {"min_len", "max_len", "max_bytes", "pattern"}


class Unsupported(Exception):
    """The message type uses a rule this module does not check."""


def _string_check(rules: validate_pb2.StringRules) -> ValueCheck:
    used = [descriptor.name for descriptor, _ in rules.ListFields()]  # field-number order
    if not set(used) <= _SUPPORTED_STRING_RULES:
        raise Unsupported(f"string rules {used}")
    pattern = re2.compile(rules.pattern) if rules.pattern else None

    def check(value: object) -> Iterator[tuple[str, str, object]]:
        assert isinstance(value, str)
        for name in used:
            if name == "min_len" and len(value) < rules.min_len:
                yield "string.min_len", f"must be at least {rules.min_len} characters", None
            elif name == "max_len" and len(value) > rules.max_len:
                yield "string.max_len", f"must be at most {rules.max_len} characters", None
            elif name == "max_bytes" and len(value.encode()) > rules.max_bytes:
                yield "string.max_bytes", f"must be at most {rules.max_bytes} bytes", None
            elif name == "pattern" and pattern is not None and not pattern.search(value):
                message = f"does not match regex pattern `{rules.pattern}`"
                yield "string.pattern", message, rules.pattern

    return check


def _int32_check(rules: validate_pb2.Int32Rules) -> ValueCheck:
    used = [descriptor.name for descriptor, _ in rules.ListFields()]
    if used != ["gte"]:
        raise Unsupported(f"int32 rules {used}")

    def check(value: object) -> Iterator[tuple[str, str, object]]:
        assert isinstance(value, int)
        if value < rules.gte:
            yield "int32.gte", f"must be greater than or equal to {rules.gte}", None

    return check


def _value_check(rules: validate_pb2.FieldRules, field: FieldDescriptor) -> ValueCheck | None:
    kind = rules.WhichOneof("type")
    if kind is None:
        return None
    if kind == "string":
        return _string_check(rules.string)
    if kind == "int32":
        return _int32_check(rules.int32)
    if kind == "enum":
        used = [descriptor.name for descriptor, _ in rules.enum.ListFields()]
        if used != ["defined_only"]:
            raise Unsupported(f"enum rules {used}")
        defined = set(field.enum_type.values_by_number)

        def check(value: object) -> Iterator[tuple[str, str, object]]:
            if value not in defined:
                yield "enum.defined_only", "value must be one of the defined enum values", None

        return check
    raise Unsupported(f"{kind} rules")


@dataclass(frozen=True)
class _FieldCheck:
    field: FieldDescriptor
    required: bool
    ignore_empty: bool
    value: ValueCheck | None  # the field's own value (each item, for repeated fields)
    nested: MessageChecks | None  # the rules inside a message-typed field

    def violations(self, message: Message, prefix: str) -> Iterator[RuleViolation]:
        field = self.field
        path = f"{prefix}{field.name}"
        if field.is_repeated:
            items = getattr(message, field.name)
            if not items:
                if self.required:
                    yield RuleViolation(path, "required", "value is required")
                return
            for index, item in enumerate(items):
                where = f"{path}[{index}]"
                if self.value is not None:
                    for rule_id, text, rule_value in self.value(item):
                        yield RuleViolation(where, rule_id, text, rule_value)
                if self.nested is not None:
                    yield from self.nested.violations(item, f"{where}.")
            return
        if field.message_type is not None:
            if not message.HasField(field.name):
                if self.required:
                    yield RuleViolation(path, "required", "value is required")
                return
            if self.nested is not None:
                yield from self.nested.violations(getattr(message, field.name), f"{path}.")
            return
        value = getattr(message, field.name)
        empty = not message.HasField(field.name) if field.has_presence else not value
        if empty:
            if self.required:
                yield RuleViolation(path, "required", "value is required")
                return
            if self.ignore_empty:
                return
        if self.value is not None:
            for rule_id, text, rule_value in self.value(value):
                yield RuleViolation(path, rule_id, text, rule_value)


@dataclass
class MessageChecks:
    fields: list[_FieldCheck]

    def violations(self, message: Message, prefix: str = "") -> Iterator[RuleViolation]:
        for check in self.fields:
            yield from check.violations(message, prefix)


def compile_checks(descriptor: Descriptor) -> MessageChecks | None:
    """The plain checks of a message type, None when it carries no rules at all.

    Raises ``Unsupported`` when it, or a message inside it, uses a rule left to
    protovalidate."""
    return _compile(descriptor, {})


def _compile(
    descriptor: Descriptor, compiled: dict[str, MessageChecks | None]
) -> MessageChecks | None:
    name = descriptor.full_name
    if name in compiled:
        return compiled[name]
    compiled[name] = None  # recursion guard: a message that contains itself
    if descriptor.GetOptions().HasExtension(validate_pb2.message) or any(
        oneof.GetOptions().HasExtension(validate_pb2.oneof) for oneof in descriptor.oneofs
    ):
        raise Unsupported(f"message or oneof rules on {name}")
    checks = []
    for field in descriptor.fields:
        rules = field.GetOptions().Extensions[validate_pb2.field]
        used = {descriptor.name for descriptor, _ in rules.ListFields()}
        if not used <= _SUPPORTED_FIELD_RULES:
            raise Unsupported(f"{name}.{field.name} uses {sorted(used)}")
        if rules.ignore not in (
            validate_pb2.IGNORE_UNSPECIFIED,
            validate_pb2.IGNORE_IF_ZERO_VALUE,
        ):
            raise Unsupported(f"{name}.{field.name} ignore {rules.ignore}")
        value_rules = rules
        if field.is_repeated:
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                if used:
                    raise Unsupported(f"map rules on {name}.{field.name}")
                continue
            if rules.WhichOneof("type") not in (None, "repeated"):
                raise Unsupported(f"{name}.{field.name}: non-repeated rules on a list")
            repeated = [descriptor.name for descriptor, _ in rules.repeated.ListFields()]
            if not set(repeated) <= {"items"}:
                raise Unsupported(f"repeated rules {repeated}")
            value_rules = rules.repeated.items
            if value_rules.required or value_rules.ignore or value_rules.cel:
                raise Unsupported(f"item rules on {name}.{field.name}")
        elif rules.WhichOneof("type") == "repeated":
            raise Unsupported(f"{name}.{field.name}: repeated rules on a single value")
        value = _value_check(value_rules, field)
        nested = None
        if field.message_type is not None and field.message_type.full_name.startswith(
            "connectability."
        ):
            nested = _compile(field.message_type, compiled)
        if rules.required or value is not None or nested is not None:
            checks.append(
                _FieldCheck(
                    field=field,
                    required=rules.required,
                    ignore_empty=rules.ignore == validate_pb2.IGNORE_IF_ZERO_VALUE,
                    value=value,
                    nested=nested,
                )
            )
    result = MessageChecks(checks) if checks else None
    compiled[name] = result
    return result
