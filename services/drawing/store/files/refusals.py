"""The one exception every storage refusal is: a catalogued reason code and a sentence."""

from __future__ import annotations

from shared.facts.errors import ErrorReasonValue, reason_name


class StorageRefused(Exception):
    """A request the storage endpoint refuses, for an ``ErrorReason`` (``reason`` is its name).

    The HTTP layer maps the reason to a status and answers ``{"reason", "message"}``, so a
    refusal raised deep in the upload rules reaches the client without translation code.
    """

    def __init__(self, reason: ErrorReasonValue, message: str) -> None:
        self.reason_value = reason
        self.reason = reason_name(reason)
        super().__init__(f"{self.reason}: {message}")
        self.message = message
