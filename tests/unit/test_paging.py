"""Page sizes and page tokens (AIP-158), without a database."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.persistence.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    InvalidPageRequest,
    clamp_page_size,
    decode_page_token,
    encode_page_token,
    filter_digest,
)


@pytest.mark.parametrize(
    ("requested", "served"),
    [(0, DEFAULT_PAGE_SIZE), (1, 1), (120, 120), (MAX_PAGE_SIZE, MAX_PAGE_SIZE), (10**6, 500)],
)
def test_page_size_is_defaulted_and_capped(requested: int, served: int) -> None:
    assert clamp_page_size(requested) == served


def test_page_size_limits_can_be_chosen_per_list() -> None:
    assert clamp_page_size(0, default=10, maximum=20) == 10
    assert clamp_page_size(50, default=10, maximum=20) == 20


def test_negative_page_size_is_refused() -> None:
    with pytest.raises(InvalidPageRequest):
        clamp_page_size(-1)
    assert issubclass(InvalidPageRequest, ValueError)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=8,
)


@given(st.dictionaries(st.text(), json_values, max_size=4))
def test_tokens_round_trip(position: dict[str, object]) -> None:
    token = encode_page_token(position)

    assert decode_page_token(token) == position
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    "garbage",
    ["", "x", "!!!!", "not a token", "e30", base64.urlsafe_b64encode(b"[1, 2]").decode(), "\u00e9"],
)
def test_garbage_tokens_are_refused(garbage: str) -> None:
    with pytest.raises(InvalidPageRequest):
        decode_page_token(garbage)


def test_edited_token_is_refused() -> None:
    token = encode_page_token({"k": "project-10", "f": "abc"})
    sealed = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    sealed["p"]["k"] = "project-99"
    edited = base64.urlsafe_b64encode(json.dumps(sealed).encode()).decode()

    with pytest.raises(InvalidPageRequest, match="corrupted"):
        decode_page_token(edited)


def test_filter_digest_depends_on_values_not_order() -> None:
    assert filter_digest({"a": "1", "b": "2"}) == filter_digest({"b": "2", "a": "1"})
    assert filter_digest({"company_id": "acme"}) != filter_digest({"company_id": "other"})
    assert filter_digest({"company_id": ""}) != filter_digest({})
