"""What confirming, publishing, making current, withdrawing, editing and importing a drawing
revision may do, and the reason each refusal names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest

from services.drawing.domain import currency, revision_rules
from services.drawing.domain.revision_rules import DrawingPlaces
from services.drawing.domain.revision_states import RevisionStatus, SetConnectionState
from shared.facts.errors import DomainError
from shared.persistence.db import RecordNotFound
from tests.domain.drawing.revision_fakes import (
    LATER,
    T0,
    FakeRevisionStore,
    Revision,
    copy_of,
    published,
    reviewed,
)


def outcome(step: Callable[[Revision], object], revision: Revision) -> str:
    """ "changed", "unchanged", or the reason of the refusal."""
    before = replace(revision)
    try:
        step(revision)
    except DomainError as refusal:
        assert revision == before, "a refused step must leave the revision as it was"
        return refusal.reason
    return "unchanged" if revision == before else "changed"


def publish(revision: Revision) -> None:
    for publishing in revision_rules.to_publish([revision]):
        revision_rules.publish(publishing, LATER)


STATES = {
    "imported": Revision("r1"),
    "reviewed": reviewed("r1"),
    "withdrawn before publishing": reviewed("r1", withdrawn=True),
    "published": published("r1"),
    "published, withdrawn": published("r1", withdrawn=True),
    "connected copy": copy_of("r1"),
    "connected copy, reviewed": copy_of("r1", reviewed=True),
    "connected copy, published": copy_of("r1", reviewed=True, status="published"),
}

STEPS: dict[str, Callable[[Revision], object]] = {
    "confirm": lambda revision: revision_rules.confirm(revision, LATER),
    "publish": publish,
    "make current": revision_rules.require_may_be_made_current,
    "withdraw": lambda revision: revision_rules.withdraw(revision, LATER),
    "edit or delete": revision_rules.refuse_if_copy,
}

# state -> the outcome of each step, in STEPS' order
EXPECTED = {
    "imported": ("changed", "REVISION_NOT_REVIEWED", "REVISION_NOT_PUBLISHED",
                 "REVISION_NOT_PUBLISHED", "unchanged"),
    "reviewed": ("unchanged", "changed", "REVISION_NOT_PUBLISHED", "REVISION_NOT_PUBLISHED",
                 "unchanged"),
    "withdrawn before publishing": ("unchanged", "REVISION_WITHDRAWN", "REVISION_NOT_PUBLISHED",
                                    "REVISION_NOT_PUBLISHED", "unchanged"),
    "published": ("unchanged", "unchanged", "unchanged", "changed", "unchanged"),
    "published, withdrawn": ("unchanged", "unchanged", "REVISION_WITHDRAWN", "unchanged",
                             "unchanged"),
    "connected copy": ("changed", "REVISION_NOT_REVIEWED", "REVISION_NOT_PUBLISHED",
                       "CONNECTED_CONTENT_READ_ONLY", "CONNECTED_CONTENT_READ_ONLY"),
    "connected copy, reviewed": ("unchanged", "changed", "REVISION_NOT_PUBLISHED",
                                 "CONNECTED_CONTENT_READ_ONLY", "CONNECTED_CONTENT_READ_ONLY"),
    "connected copy, published": ("unchanged", "unchanged", "unchanged",
                                  "CONNECTED_CONTENT_READ_ONLY", "CONNECTED_CONTENT_READ_ONLY"),
}  # fmt: skip


@pytest.mark.parametrize("state", EXPECTED)
@pytest.mark.parametrize("step", STEPS)
def test_each_step_on_each_state(state: str, step: str) -> None:
    expected = EXPECTED[state][list(STEPS).index(step)]
    assert outcome(STEPS[step], replace(STATES[state])) == expected


def test_confirming_marks_reviewed_and_publishing_stamps_the_time() -> None:
    revision = Revision("r1")
    assert revision_rules.confirm(revision, LATER) is True
    assert revision.reviewed and revision.updated_at == LATER
    assert revision_rules.confirm(revision, LATER) is False  # twice is harmless
    publish(revision)
    assert revision.status == RevisionStatus.PUBLISHED == "published"
    assert revision.published_at == LATER and revision.updated_at == LATER


def test_withdrawing_a_published_revision_takes_its_currency() -> None:
    revision = published("r1", current=True)
    assert revision_rules.withdraw(revision, LATER) is True
    assert revision.withdrawn and not revision.current
    assert revision_rules.withdraw(revision, LATER) is False  # already withdrawn


# Publishing, over the stored revisions


def sheet_set() -> FakeRevisionStore:
    return FakeRevisionStore(
        reviewed("ready-1", drawing_id="a101"),
        reviewed("ready-2", drawing_id="a102"),
        Revision("not-reviewed", drawing_id="a103"),
        reviewed("withdrawn", drawing_id="a104", withdrawn=True),
        published("done", drawing_id="a105"),
        reviewed("other-set", set_id="set-tender"),
    )


def statuses(store: FakeRevisionStore) -> dict[str, str]:
    return {revision.id: revision.status for revision in store.rows.values()}


def test_publishing_a_set_without_names_takes_every_reviewed_revision_waiting_in_it() -> None:
    store = sheet_set()
    publication = revision_rules.publish_revisions(store, "set-issued", [], LATER)
    assert sorted(r.id for r in publication.published) == ["ready-1", "ready-2"]
    assert sorted(r.id for r in publication.chosen) == ["ready-1", "ready-2"]
    assert [rid for rid, status in statuses(store).items() if status == "published"] == [
        "ready-1",
        "ready-2",
        "done",
    ]


def test_publishing_named_revisions_passes_over_those_published_already() -> None:
    store = sheet_set()
    publication = revision_rules.publish_revisions(store, "set-issued", ["done", "ready-1"], LATER)
    assert [r.id for r in publication.chosen] == ["done", "ready-1"]
    assert [r.id for r in publication.published] == ["ready-1"]
    again = revision_rules.publish_revisions(store, "set-issued", ["ready-1"], LATER)
    assert again.published == []


@pytest.mark.parametrize(
    ("named", "reason"),
    [
        (["ready-1", "not-reviewed"], "REVISION_NOT_REVIEWED"),
        (["withdrawn", "ready-1"], "REVISION_WITHDRAWN"),
        (["ready-1", "other-set"], "REVISION_NOT_IN_SET"),
    ],
)
def test_one_refused_revision_publishes_none_of_the_selection(
    named: list[str], reason: str
) -> None:
    store = sheet_set()
    before = statuses(store)
    with pytest.raises(DomainError) as refused:
        revision_rules.publish_revisions(store, "set-issued", named, LATER)
    assert refused.value.reason == reason
    assert statuses(store) == before


def test_publishing_an_unknown_revision_is_not_found() -> None:
    with pytest.raises(RecordNotFound):
        revision_rules.publish_revisions(sheet_set(), "set-issued", ["ready-1", "gone"], LATER)


def test_publishing_then_settling_currency_makes_the_newest_published_current() -> None:
    store = FakeRevisionStore(
        published("rev-a", drawing_date=date(2026, 1, 1), current=True),
        reviewed("rev-b", drawing_date=date(2026, 2, 1)),
        reviewed("rev-c", drawing_date=date(2025, 12, 1)),  # an older sheet, uploaded late
    )
    publication = revision_rules.publish_revisions(store, "set-issued", ["rev-c"], LATER)
    for drawing_id in revision_rules.drawings_of(publication.published):
        currency.make_newest_current(store.published_of(drawing_id))
    assert store.current_of("sheet-a101") == ["rev-a"]
    publication = revision_rules.publish_revisions(store, "set-issued", [], LATER)
    for drawing_id in revision_rules.drawings_of(publication.published):
        currency.make_newest_current(store.published_of(drawing_id))
    assert store.current_of("sheet-a101") == ["rev-b"]


def test_publications_enter_the_feed_oldest_drawing_date_first() -> None:
    revisions = [
        Revision("late", drawing_date=date(2026, 3, 1)),
        Revision("second", drawing_date=date(2026, 1, 1), created_at=LATER),
        Revision("first", drawing_date=date(2026, 1, 1), created_at=T0),
    ]
    ordered = sorted(revisions, key=revision_rules.feed_order)
    assert [r.id for r in ordered] == ["first", "second", "late"]


@pytest.mark.parametrize(
    ("revision", "reaches_feed"),
    [(Revision("r1"), False), (published("r1"), True), (copy_of("r1"), False)],
)
def test_only_published_revisions_announce_edits_and_deletion(
    revision: Revision, reaches_feed: bool
) -> None:
    assert revision_rules.deletion_reaches_the_feed(revision) is reaches_feed
    assert revision_rules.edit_reaches_the_feed(revision) is reaches_feed


@pytest.mark.parametrize(
    ("revision", "reason"),
    [
        (None, "REVISION_NOT_IN_PROJECT"),
        (Revision("r1", project_id="elsewhere"), "REVISION_NOT_IN_PROJECT"),
        (Revision("r1"), None),
    ],
)
def test_confirming_names_revisions_of_the_project_only(
    revision: Revision | None, reason: str | None
) -> None:
    if reason is None:
        assert revision_rules.require_in_project(revision, "tower", "r1") is revision
        return
    with pytest.raises(DomainError) as refused:
        revision_rules.require_in_project(revision, "tower", "r1")
    assert refused.value.reason == reason
    assert refused.value.metadata == {"revision_id": "r1"}


# Importing uploaded files (R28)


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        (SetConnectionState.NOT_CONNECTED, True),
        (SetConnectionState.CONNECTED, False),
        (SetConnectionState.DISCONNECTED, False),
    ],
)
def test_only_a_set_of_the_project_own_takes_uploads(
    state: SetConnectionState, allowed: bool
) -> None:
    if allowed:
        revision_rules.require_set_takes_uploads(state.value)
        return
    with pytest.raises(DomainError) as refused:
        revision_rules.require_set_takes_uploads(state.value)
    assert refused.value.reason == "CONNECTED_CONTENT_READ_ONLY"


@dataclass
class Upload:
    project_id: str = "tower"
    expires_at: datetime = LATER
    file_sha256: str | None = "ab" * 32
    drawing_upload_id: str | None = None


@pytest.mark.parametrize(
    ("upload", "now", "reason"),
    [
        (Upload(), T0, None),
        (Upload(file_sha256="ab" * 32, expires_at=T0), LATER, None),  # arrived in time
        (None, T0, "UPLOAD_NOT_FOUND"),
        (Upload(project_id="elsewhere"), T0, "UPLOAD_NOT_FOUND"),
        (Upload(drawing_upload_id="batch-1"), T0, "UPLOAD_ALREADY_USED"),
        (Upload(file_sha256=None), T0, "UPLOAD_NOT_RECEIVED"),
        (Upload(file_sha256=None), LATER, "UPLOAD_EXPIRED"),
        (Upload(file_sha256=None), LATER + timedelta(seconds=1), "UPLOAD_EXPIRED"),
    ],
)
def test_an_upload_is_imported_once_after_its_file_arrived(
    upload: Upload | None, now: datetime, reason: str | None
) -> None:
    if reason is None:
        assert revision_rules.require_usable_upload(upload, "tower", "u-1", now) is upload
        return
    with pytest.raises(DomainError) as refused:
        revision_rules.require_usable_upload(upload, "tower", "u-1", now)
    assert refused.value.reason == reason


@dataclass
class Drawing:
    id: str = "a101"
    project_id: str = "tower"
    area_id: str = "area-arch"
    number: str = "A-101"
    connection_id: str | None = None


@pytest.mark.parametrize(
    ("drawing", "reason"),
    [
        (Drawing(), None),
        (None, "DRAWING_NOT_FOUND"),
        (Drawing(project_id="elsewhere"), "DRAWING_NOT_FOUND"),
        (Drawing(connection_id="link-1"), "CONNECTED_CONTENT_READ_ONLY"),
        (Drawing(area_id="area-struct"), "DRAWING_NOT_IN_AREA"),
        # A connected drawing refuses first: its revisions come from upstream whatever area.
        (Drawing(area_id="area-struct", connection_id="link-1"), "CONNECTED_CONTENT_READ_ONLY"),
    ],
)
def test_an_import_targets_an_own_drawing_of_the_upload_area(
    drawing: Drawing | None, reason: str | None
) -> None:
    if reason is None:
        assert revision_rules.require_takes_import(drawing, "tower", "area-arch", "a101") is drawing
        return
    with pytest.raises(DomainError) as refused:
        revision_rules.require_takes_import(drawing, "tower", "area-arch", "a101")
    assert refused.value.reason == reason


def test_places_continue_after_the_drawing_stored_ones_in_upload_order() -> None:
    asked: list[str] = []

    def highest(drawing_id: str) -> int:
        asked.append(drawing_id)
        return {"a101": 3}.get(drawing_id, 0)

    places = DrawingPlaces(highest)
    handed_out = [(d, places.next(d)) for d in ("a101", "a102", "a101", "a101", "a102")]
    assert handed_out == [("a101", 4), ("a102", 1), ("a101", 5), ("a101", 6), ("a102", 2)]
    assert asked == ["a101", "a102"]  # the store is asked once per drawing
