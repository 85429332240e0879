"""The permission levels a user holds per project per tool (Drawings, Connection Manager)."""

from __future__ import annotations

# Lowest to highest: a level grants everything the levels before it grant.
PERMISSION_LEVELS: tuple[str, ...] = ("none", "read_only", "standard", "admin")
NO_ACCESS = "none"


class UnknownPermissionLevel(ValueError):
    def __init__(self, level: str) -> None:
        super().__init__(f"unknown permission level {level!r}; one of {PERMISSION_LEVELS}")
        self.level = level


def require_permission_level(level: str) -> str:
    """The level itself if it is one we know; ``UnknownPermissionLevel`` otherwise."""
    if level not in PERMISSION_LEVELS:
        raise UnknownPermissionLevel(level)
    return level
