"""AIP-158 paging: page sizes, opaque page tokens and keyset pages of a query.

Every list pages through ``fetch_page``: the list names its order (``ascending`` and
``descending`` keys, ending in a unique one) and the pager both sorts by it and resumes
after the last row's full sort key, so the documented order holds across pages.

A page token carries the sort key of the last row served and a digest of the request's
filter, so a token is refused when reused with another filter (or another list). Tokens are opaque,
not secret: the checksum catches corrupted or hand-edited tokens, and since a token only
moves a cursor within a filter the caller was already allowed to list, forging one gains
nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, Select, String, and_, bindparam, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from shared.persistence.core_reads import read_rows

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
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


@dataclass(frozen=True)
class SortKey:
    """One column (or expression) of a list's order, ascending unless ``descending``."""

    expression: ColumnElement[Any]
    descending: bool = False


def ascending(expression: Any) -> SortKey:
    """A key sorted smallest first (text bytewise, see ``bytewise``)."""
    return SortKey(_comparable(expression))


def descending(expression: Any) -> SortKey:
    """A key sorted largest first (text bytewise, see ``bytewise``)."""
    return SortKey(_comparable(expression), descending=True)


class bytewise(FunctionElement[str]):  # noqa: N801 - reads as SQL, like func.*
    """A text expression compared by its bytes (UTF-8: code point order) on every backend.

    SQLite's default BINARY collation already does that; PostgreSQL needs ``COLLATE "C"``
    or it would follow the database's locale (which ignores case and punctuation at first).
    """

    type = String()
    name = "bytewise"
    inherit_cache = True


@compiles(bytewise)
def _bytewise_as_is(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(bytewise, "postgresql")
def _bytewise_collate_c(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)} COLLATE "C")'


class PagedQuery:
    """A list's statement in its order, keyed and ordered once: every page of one filter
    shape, its filter values given as bind parameters at each call.

    ``statement`` selects one ORM entity (or several: rows are then tuples), filtered with
    ``bindparam`` placeholders but not ordered: ordering happens here so the order and the
    cursor agree. With ``whole_rows`` it selects columns instead, and its rows are answered
    as they are, read by column name (hot reads load no entities).
    ``order`` must end in a key unique within the filter (the id), so the order is total,
    and no key may be NULL (coalesce a nullable column: NULL compares as unknown).
    Text keys compare bytewise (see ``bytewise``), so SQLite and PostgreSQL agree.
    Built once, a page costs only running it: building the ordered, keyed statement, its
    cache key and the order's description on every call was a quarter of a page's time
    (docs/benchmarks.md §7c).
    """

    def __init__(
        self,
        statement: Select[*tuple[Any, ...]],
        order: Sequence[SortKey],
        *,
        whole_rows: bool = False,
    ) -> None:
        self._order = tuple(order)
        self._description = order_description(order)
        self._entities = len(statement.column_descriptions)
        self._whole_rows = whole_rows
        keyed = statement.add_columns(
            *(key.expression.label(f"_sort_key_{n}") for n, key in enumerate(order))
        ).order_by(*(key.expression.desc() if key.descending else key.expression for key in order))
        limit = bindparam("page_limit_", type_=Integer)
        self._first = keyed.limit(limit)
        # The next pages start strictly after the last row's key, given as parameters.
        positions = [
            bindparam(f"page_after_{n}_", type_=key.expression.type) for n, key in enumerate(order)
        ]
        self._next = keyed.where(_after(order, positions)).limit(limit)

    def page(
        self,
        session: Session,
        parameters: Mapping[str, Any] | None,
        *,
        page_size: int,
        page_token: str,
        filters: Mapping[str, object],
    ) -> tuple[list[Any], str]:
        """One page of rows for these ``parameters``, and the next page's token.

        ``filters`` names the request's filter values: a token is bound to them, and to the
        order (a token of one list is no good for another). The token holds the last row's
        full sort key; the next page starts strictly after it. Fetching one row more than
        the page tells whether another page exists; the last page answers an empty token.
        """
        size = clamp_page_size(page_size)
        digest = filter_digest({**filters, "__order__": self._description})
        values = {**(parameters or {}), "page_limit_": size + 1}
        statement = self._first
        if page_token:
            after = _position_after(page_token, digest, self._order)
            values.update({f"page_after_{n}_": value for n, value in enumerate(after)})
            statement = self._next
        # Column rows need no ORM: run on the connection (a pure read's bare one).
        entities = self._entities
        if self._whole_rows:
            rows: list[Any] = list(read_rows(session, statement, values))
            page: list[Any] = rows[:size]
        else:
            rows = list(session.execute(statement, values))
            page = [row[0] if entities == 1 else tuple(row[:entities]) for row in rows[:size]]
        if len(rows) <= size:
            return page, ""
        last_key = [_to_json(value) for value in rows[size - 1][entities:]]
        return page, encode_page_token({"f": digest, "k": last_key})


def fetch_page(
    session: Session,
    statement: Select[*tuple[Any, ...]],
    order: Sequence[SortKey],
    *,
    page_size: int,
    page_token: str,
    filters: Mapping[str, object],
    whole_rows: bool = False,
) -> tuple[list[Any], str]:
    """One page of ``statement``'s rows in ``order``, and the next page's token: a
    ``PagedQuery`` built for this one call (its filter values in the statement). Hot lists
    keep their ``PagedQuery`` instead."""
    pages = PagedQuery(statement, order, whole_rows=whole_rows)
    return pages.page(session, None, page_size=page_size, page_token=page_token, filters=filters)


def order_description(order: Sequence[SortKey]) -> str:
    """A stable text naming an order, e.g. ``bytewise(connections.id),connections.x desc``."""
    return ",".join(
        f"{key.expression}{' desc' if key.descending else ''}".replace("\n", " ") for key in order
    )


def _comparable(expression: Any) -> ColumnElement[Any]:
    if isinstance(expression.type, String) and not isinstance(expression, bytewise):
        return bytewise(expression)
    return expression  # type: ignore[no-any-return]


def _after(order: Sequence[SortKey], after: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after the key ``after`` in ``order`` (mixed directions allowed)."""
    alternatives = []
    for n, key in enumerate(order):
        beyond = key.expression < after[n] if key.descending else key.expression > after[n]
        ties = [order[m].expression == after[m] for m in range(n)]
        alternatives.append(and_(*ties, beyond))
    return or_(*alternatives)


def _to_json(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _position_after(page_token: str, digest: str, order: Sequence[SortKey]) -> list[Any]:
    position = decode_page_token(page_token)
    if position.get("f") != digest:
        raise InvalidPageRequest("page_token was issued for a different request")
    values = position.get("k")
    if not isinstance(values, list) or len(values) != len(order):
        raise InvalidPageRequest("page_token is not a token this service issued")
    return [
        _from_json(value, _python_type(key.expression.type))
        for value, key in zip(values, order, strict=True)
    ]


def _python_type(column_type: TypeEngine[Any]) -> type:
    """The Python type a column holds (a TypeDecorator answers for its underlying type)."""
    if isinstance(column_type, TypeDecorator):
        return column_type.impl_instance.python_type
    return column_type.python_type


def _from_json(value: object, kind: type) -> Any:
    """A token's key value as the column's Python type; refused when it cannot be one."""
    bad = InvalidPageRequest("page_token is not a token this service issued")
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > _MAX_KEY:
            raise bad
        return value
    if kind is str:
        if not isinstance(value, str):
            raise bad
        return value
    if kind in (datetime, date):
        if not isinstance(value, str):
            raise bad
        try:
            parsed = (
                datetime.fromisoformat(value) if kind is datetime else date.fromisoformat(value)
            )
        except ValueError as error:
            raise bad from error
        if isinstance(parsed, datetime) and parsed.tzinfo is None:
            raise bad
        return parsed
    raise bad


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
