"""Whether a drawing set follows an upstream project (R14, R21), as stored."""

from __future__ import annotations

from enum import Enum


class SetConnectionState(Enum):
    NOT_CONNECTED = "not_connected"  # the project's own set
    CONNECTED = "connected"  # a connection copied it, and its upstream's edits follow
    DISCONNECTED = "disconnected"  # its connection ended: the copies stay, nothing follows
