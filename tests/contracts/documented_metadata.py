"""The trailing metadata the contract promises, read from the protos' conventions.

ConnectionService's comment holds the conventions of every public service; its "Trailing
metadata." paragraph names each trailer in backticks. Tests compare real answers, in
Python and in Node, against this list, so the paragraph cannot promise what is not sent.
"""

from __future__ import annotations

import re
from pathlib import Path

CONVENTIONS = (
    Path(__file__).resolve().parents[2]
    / "protos"
    / "connectability"
    / "v1"
    / "connection_service.proto"
)
_PARAGRAPH = re.compile(r"^// Trailing metadata\.(?P<body>.*?)^//\s*$", re.S | re.M)


def documented_trailers() -> list[str]:
    """Every `x-…` trailer name the conventions paragraph lists, in its order."""
    found = _PARAGRAPH.search(CONVENTIONS.read_text())
    assert found, "connection_service.proto lost its 'Trailing metadata.' paragraph"
    return re.findall(r"`(x-[a-z-]+)`", found.group("body"))


def rate_limit_trailers() -> list[str]:
    return [name for name in documented_trailers() if name.startswith("x-ratelimit-")]
