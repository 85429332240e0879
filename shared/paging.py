"""AIP-158 paging: page sizes, opaque page tokens and keyset pages of a query.

A page token carries the key of the last row served and a digest of the request's filter,
so a token is refused when reused with another filter (or another list). Tokens are opaque,
not secret: the checksum catches corrupted or hand-edited tokens, and since a token only
moves a cursor within a filter the caller was already allowed to list, forging one gains
nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# How far an offset-paged listing may go: a forged token cannot make the server skip (and
# so scan) more rows than this. Twice the default revision limit (R7), so every revision of
# a project at the limit can be paged through.
MAX_OFFSET = 100_000
# A keyset position must fit the column it is compared with (a BIGINT at most).
_MAX_KEY = 2**63 - 1


class InvalidPageRequest(ValueError):
    """A negative page size, or a page token we did not issue for this request."""


def clamp_page_size(
    requested: int, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE
) -> int:
    """0 means the default; above the maximum means the maximum (AIP-158)."""
    if requested < 0:
        raise InvalidPageRequest(f"page_size must not be negative, got {requested}")
    if requested == 0:
        return default
    return min(requested, maximum)


def encode_page_token(position: Mapping[str, Any]) -> str:
    """An opaque, URL-safe token for a JSON-serialisable position."""
    body = _canonical_json(position)
    sealed = {"p": position, "c": _digest(body)}
    return base64.urlsafe_b64encode(_canonical_json(sealed).encode()).decode().rstrip("=")


def decode_page_token(token: str) -> dict[str, Any]:
    """The position ``encode_page_token`` sealed; ``InvalidPageRequest`` for anything else."""
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        sealed = json.loads(raw)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise InvalidPageRequest("page_token is not a token this service issued") from error
    if not isinstance(sealed, dict) or not isinstance(sealed.get("p"), dict):
        raise InvalidPageRequest("page_token is not a token this service issued")
    position: dict[str, Any] = sealed["p"]
    if sealed.get("c") != _digest(_canonical_json(position)):
        raise InvalidPageRequest("page_token is corrupted")
    return position


def filter_digest(filters: Mapping[str, object]) -> str:
    """A short digest of a request's filter values, bound into the tokens issued for it."""
    return _digest(_canonical_json({name: str(value) for name, value in filters.items()}))


def fetch_page(
    session: Session,
    statement: Select[Any],
    key: InstrumentedAttribute[Any],
    *,
    page_size: int,
    page_token: str,
    filters: Mapping[str, object],
) -> tuple[list[Any], str]:
    """One page of ``statement``'s entities in ``key`` order, and the next page's token.

    ``statement`` selects one ORM entity, filtered by ``filters`` but not ordered: ordering
    by ``key`` (unique within the filter) happens here so the order and the cursor agree.
    Fetching one row more than the page tells whether another page exists; the last page
    answers an empty token.
    """
    size = clamp_page_size(page_size)
    # The listed column is part of the filter: a token of one list is no good for another.
    digest = filter_digest({**filters, "__key__": f"{key.class_.__name__}.{key.key}"})
    if page_token:
        statement = statement.where(key > _position_after(page_token, digest, key))
    rows = list(session.scalars(statement.order_by(key).limit(size + 1)))
    if len(rows) <= size:
        return rows, ""
    page = rows[:size]
    return page, encode_page_token({"f": digest, "k": getattr(page[-1], key.key)})


def _position_after(page_token: str, digest: str, key: InstrumentedAttribute[Any]) -> str | int:
    position = decode_page_token(page_token)
    if position.get("f") != digest:
        raise InvalidPageRequest("page_token was issued for a different request")
    after = position.get("k")
    if not isinstance(after, str | int) or isinstance(after, bool):
        raise InvalidPageRequest("page_token is not a token this service issued")
    if not isinstance(after, key.type.python_type) or (
        isinstance(after, int) and abs(after) > _MAX_KEY
    ):
        raise InvalidPageRequest("page_token is not a token this service issued")
    return after


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def offset_from_token(page_token: str, filters: Mapping[str, object]) -> int:
    """Where an offset-paged listing resumes; the token must be for the same filter."""
    if not page_token:
        return 0
    position = decode_page_token(page_token)
    if position.get("filter") != filter_digest(filters):
        raise InvalidPageRequest("page_token was issued for a different request")
    offset = position.get("offset")
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
        raise InvalidPageRequest("page_token is not a token this service issued")
    return offset


def offset_page_token(offset: int, filters: Mapping[str, object]) -> str:
    """The token that resumes an offset-paged listing at ``offset``."""
    return encode_page_token({"offset": offset, "filter": filter_digest(filters)})
