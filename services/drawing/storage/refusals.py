"""The one exception every storage refusal is: a stable reason code and a sentence."""

from __future__ import annotations


class StorageRefused(Exception):
    """A request the storage endpoint refuses; ``reason`` is a stable UPPER_SNAKE code.

    The HTTP layer maps the reason to a status and answers ``{"reason", "message"}``, so a
    refusal raised deep in the upload rules reaches the client without translation code.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
