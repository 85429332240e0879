"""Distribution-list rules: which addresses a list may hold (R23)."""

from __future__ import annotations

import pytest

from services.notification.domain.recipients import MAX_ADDRESSES, checked_addresses
from shared.facts.errors import InvalidArgument


def test_addresses_are_trimmed_and_letter_case_makes_no_new_recipient() -> None:
    kept = checked_addresses([" ann@example.com ", "Bob@Example.com", "bob@example.com"])
    assert kept == ["ann@example.com", "Bob@Example.com"]


def test_an_empty_list_is_allowed() -> None:
    assert checked_addresses([]) == []


@pytest.mark.parametrize("bad", ["", "not-an-address", "ann@", "@example.com", "a b@example.com"])
def test_a_bad_address_is_refused_by_name(bad: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        checked_addresses(["ann@example.com", bad])
    assert refused.value.reason == "INVALID_EMAIL_ADDRESS"
    assert refused.value.metadata == {"email": bad.strip()}


def test_a_list_holds_at_most_the_maximum_of_distinct_addresses() -> None:
    full = [f"user{index}@example.com" for index in range(MAX_ADDRESSES)]
    assert len(checked_addresses(full)) == MAX_ADDRESSES
    # Spellings of one address count once.
    assert len(checked_addresses([*full, full[0].upper()])) == MAX_ADDRESSES
    with pytest.raises(InvalidArgument) as refused:
        checked_addresses([*full, "one-more@example.com"])
    assert refused.value.reason == "DISTRIBUTION_LIST_TOO_LONG"
