"""Permission levels between the wire (``PermissionLevel`` enum) and storage (strings)."""

from __future__ import annotations

from connectability.v1 import common_pb2
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.facts.permission_levels import PERMISSION_LEVELS

_ENUM_PREFIX = "PERMISSION_LEVEL_"


def level_from_message(value: int) -> str:
    known = value in common_pb2.PermissionLevel.values()
    name = common_pb2.PermissionLevel.Name(value) if known else ""
    level = name.removeprefix(_ENUM_PREFIX).lower()
    if level not in PERMISSION_LEVELS:
        raise InvalidArgument(
            ErrorReason.INVALID_PERMISSION_LEVEL,
            "level must be one of NONE, READ_ONLY, STANDARD or ADMIN; nothing was changed.",
        )
    return level


def level_to_message(level: str) -> common_pb2.PermissionLevel:
    return common_pb2.PermissionLevel.Value(_ENUM_PREFIX + level.upper())
