"""Which published revision of a drawing is current, and when a current one is outdated (R15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.drawing.domain import currency, revision_rules
from tests.domain.drawing.revision_fakes import (
    LATER,
    FakeRevisionStore,
    Revision,
    copy_of,
    published,
)

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def current_after_settling(*revisions: Revision) -> list[str]:
    store = FakeRevisionStore(*revisions)
    currency.make_newest_current(store.published_of("sheet-a101"))
    return store.current_of("sheet-a101")


@pytest.mark.parametrize(
    ("revisions", "current"),
    [
        # The drawing date decides, not the order the files came in.
        ((published("feb", drawing_date=FEB), published("jan", drawing_date=JAN)), ["feb"]),
        ((published("jan", drawing_date=JAN), published("feb", drawing_date=FEB)), ["feb"]),
        # On the same date, the later upload supersedes.
        (
            (
                published("second", drawing_date=FEB, created_at=LATER),
                published("first", drawing_date=FEB),
            ),
            ["second"],
        ),
        # A withdrawn revision is never current, however new.
        (
            (
                published("jan", drawing_date=JAN),
                published("feb", drawing_date=FEB, withdrawn=True),
            ),
            ["jan"],
        ),
        ((published("feb", drawing_date=FEB, withdrawn=True),), []),
        # Unpublished revisions do not count, own ones or connected copies.
        ((published("jan", drawing_date=JAN), Revision("mar", drawing_date=MAR)), ["jan"]),
        ((published("jan", drawing_date=JAN), copy_of("mar", drawing_date=MAR)), ["jan"]),
        ((), []),
    ],
)
def test_the_newest_published_revision_in_force_is_the_one_current(
    revisions: tuple[Revision, ...], current: list[str]
) -> None:
    assert current_after_settling(*revisions) == current


def test_a_stale_flag_is_cleared_when_currency_is_settled() -> None:
    assert current_after_settling(
        published("jan", drawing_date=JAN, current=True), published("feb", drawing_date=FEB)
    ) == ["feb"]


def test_withdrawing_the_current_revision_hands_currency_to_the_next_newest() -> None:
    store = FakeRevisionStore(
        published("jan", drawing_date=JAN),
        published("feb", drawing_date=FEB),
        published("mar", drawing_date=MAR),
    )
    currency.make_newest_current(store.published_of("sheet-a101"))
    assert store.current_of("sheet-a101") == ["mar"]
    revision_rules.withdraw(store.rows["mar"], LATER)
    currency.make_newest_current(store.published_of("sheet-a101"))
    assert store.current_of("sheet-a101") == ["feb"]


def test_an_admin_may_make_an_older_revision_current_until_currency_is_settled_again() -> None:
    store = FakeRevisionStore(
        published("jan", drawing_date=JAN), published("feb", drawing_date=FEB)
    )
    currency.make_newest_current(store.published_of("sheet-a101"))
    chosen = store.rows["jan"]
    revision_rules.require_may_be_made_current(chosen)
    currency.make_chosen_current(chosen, store.published_of("sheet-a101"))
    assert store.current_of("sheet-a101") == ["jan"]


CURRENT = published("current", drawing_date=FEB, current=True)


@pytest.mark.parametrize(
    ("sibling", "outdated"),
    [
        (copy_of("newer copy", drawing_date=MAR), True),
        (copy_of("same day, later", drawing_date=FEB, created_at=LATER), True),
        (copy_of("same day, same time", drawing_date=FEB), False),
        (copy_of("older copy", drawing_date=JAN), False),
        (copy_of("newer copy, withdrawn", drawing_date=MAR, withdrawn=True), False),
        (copy_of("newer copy, published", drawing_date=MAR, status="published"), False),
        (copy_of("copy of another drawing", drawing_date=MAR, drawing_id="a102"), False),
        # Only news from upstream outdates: an own revision waiting is the project's own doing.
        (Revision("newer own revision", drawing_date=MAR), False),
    ],
)
def test_a_current_revision_is_outdated_while_a_newer_copy_waits_unpublished(
    sibling: Revision, outdated: bool
) -> None:
    assert currency.is_outdated(CURRENT, [CURRENT, sibling]) is outdated


@pytest.mark.parametrize(
    "revision",
    [
        replace(CURRENT, current=False),
        replace(CURRENT, withdrawn=True),
        replace(CURRENT, status="unpublished"),
    ],
)
def test_only_a_current_published_revision_can_be_outdated(revision: Revision) -> None:
    newer = copy_of("newer copy", drawing_date=MAR)
    assert not currency.may_be_outdated(revision)
    assert currency.is_outdated(revision, [newer]) is False
