"""Text an attacker (or a careless import) puts in a name: line breaks of every kind, NUL,
other control characters, header syntax, bidi overrides, and very long runs of them."""

from __future__ import annotations

import re

from hypothesis import strategies as st

# What a header, a log line or a terminal treats specially.
HOSTILE_PIECES = (
    "\r",
    "\n",
    "\r\n",
    "\r\n\r\n",
    "\u2028",  # LINE SEPARATOR
    "\u2029",  # PARAGRAPH SEPARATOR
    "\u0085",  # NEXT LINE (C1)
    "\x00",
    "\t",
    "\x0b",
    "\x0c",
    "\x1b[31m",
    "\x7f",
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\ufeff",
    "\nBcc: victim@evil.example",
    "\r\nSubject: forged",
    "=?utf-8?b?SGVsbG8=?=",
    '"}, "level": "CRITICAL',
    "<script>",
    "Tower",
    " ",
)
# The contract's pattern for names (ConnectionService "Limits"): no C0, DEL, C1, U+2028/9.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Only what UTF-8 (and so protobuf) can carry: a lone surrogate is refused by the client
# library before any call is made, so it tests nothing of ours.
_CHARACTER = st.characters(codec="utf-8")
_SHORT = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), _CHARACTER, st.text(_CHARACTER, max_size=5)),
    max_size=12,
).map("".join)
# Very long: a hostile piece repeated past every length limit (and a mail line's 998).
_LONG = st.tuples(_SHORT.filter(bool), st.integers(min_value=200, max_value=3000)).map(
    lambda parts: (parts[0] * parts[1])[:20_000]
)
HOSTILE_TEXT = st.one_of(_SHORT, _SHORT, _SHORT, _LONG)


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None
