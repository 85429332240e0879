"""The initial copy of a connection and recording its disconnect (R14, R17–R19, R21), over
an in-memory store (no database, no gRPC)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.drawing.domain.applying import MirrorKind
from services.drawing.domain.copying import CopyStep, mirror_id, plan_copy, taken_by_initial_copy
from services.drawing.use_cases.connection_sync import ConnectionSync, SyncTarget
from shared.facts.errors import DomainError
from shared.persistence.db import RecordNotFound
from tests.domain.drawing.sync_fakes import (
    FakeDrawingStore,
    FakeProject,
    sync_over,
    upstream_revision,
)

TARGET = SyncTarget("c1", "up", "down")


@pytest.fixture
def store() -> FakeDrawingStore:
    return FakeDrawingStore(projects={"up": FakeProject(feed_head=12), "down": FakeProject()})


@pytest.fixture
def sync(store: FakeDrawingStore) -> ConnectionSync:
    return sync_over(store)


def copies(store: FakeDrawingStore) -> dict[str, SimpleNamespace]:
    return {
        revision.id: revision
        for revision in store.rows[MirrorKind.REVISION].values()
        if revision.project_id == "down"
    }


def test_the_copy_takes_every_published_revision_and_no_other(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    upstream_revision(store, "up", "r1", place=1)
    upstream_revision(store, "up", "r2", place=2)
    upstream_revision(store, "up", "r3", status="unpublished", place=3)
    upstream_revision(store, "up", "r4", withdrawn=True, place=4)

    position, held = sync.copy_published_revisions(TARGET)

    assert (position, held) == (12, 2)  # following the feed resumes after the snapshot
    assert set(copies(store)) == {mirror_id("c1", "r1"), mirror_id("c1", "r2")}
    first = copies(store)[mirror_id("c1", "r1")]
    # Waiting for the downstream's review, in the upstream's order, on the same bytes.
    assert (first.status, first.reviewed, first.current) == ("unpublished", False, False)
    assert (first.drawing_sequence, first.file_sha256) == (1, "sha-r1")
    assert store.rows[MirrorKind.SET][mirror_id("c1", "s1")].connection_state == "connected"
    assert store.rows[MirrorKind.DRAWING][mirror_id("c1", "d1")].area_id == mirror_id("c1", "a1")


def test_a_repeat_copies_nothing_again_and_answers_where_the_copy_left_off(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    upstream_revision(store, "up", "r1")
    sync.copy_published_revisions(TARGET)
    upstream_revision(store, "up", "r2", place=2)  # the feed carries it, not the copy
    store.projects["up"].feed_head = 13

    assert sync.copy_published_revisions(TARGET) == (12, 1)
    assert set(copies(store)) == {mirror_id("c1", "r1")}


def test_a_connection_disconnected_before_its_copy_is_never_copied(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    upstream_revision(store, "up", "r1")
    assert sync.mark_disconnected("c1", "down") == 0

    with pytest.raises(DomainError) as refused:
        sync.copy_published_revisions(TARGET)

    assert refused.value.reason == "CONNECTION_DISCONNECTED"
    assert copies(store) == {}


def test_a_copy_between_other_projects_than_the_connection_s_is_refused(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    store.projects["other"] = FakeProject()
    sync.copy_published_revisions(TARGET)

    with pytest.raises(DomainError) as refused:
        sync.copy_published_revisions(SyncTarget("c1", "up", "other"))

    assert refused.value.reason == "CONNECTION_PROJECTS_MISMATCH"


@pytest.mark.parametrize("inactive", ["up", "down"])
def test_nothing_is_copied_while_either_project_is_inactive(
    sync: ConnectionSync, store: FakeDrawingStore, inactive: str
) -> None:
    upstream_revision(store, "up", "r1")
    store.projects[inactive].active = False

    with pytest.raises(DomainError) as refused:
        sync.copy_published_revisions(TARGET)

    assert refused.value.reason == "PROJECT_INACTIVE"
    assert copies(store) == {} and store.cursors == {}


def test_an_unknown_project_is_not_found_before_an_inactive_one_is_refused(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    store.projects["up"].active = False

    with pytest.raises(RecordNotFound):
        sync.copy_published_revisions(SyncTarget("c1", "up", "nowhere"))


def test_a_disconnect_marks_the_connected_sets_once(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    upstream_revision(store, "up", "r1")
    sync.copy_published_revisions(TARGET)

    assert sync.mark_disconnected("c1", "down") == 1
    assert store.rows[MirrorKind.SET][mirror_id("c1", "s1")].connection_state == "disconnected"
    assert sync.mark_disconnected("c1", "down") == 0  # a repeat: the first one stands

    with pytest.raises(DomainError) as refused:
        sync.mark_disconnected("c1", "up")
    assert refused.value.reason == "CONNECTION_PROJECTS_MISMATCH"


CONNECTED = SimpleNamespace(
    connection_id="c1",
    upstream_project_id="up",
    downstream_project_id="down",
    applied_through_sequence=7,
    disconnected_at=None,
)


def test_the_first_copy_starts_at_the_snapshot_and_a_repeat_at_the_cursor() -> None:
    first = plan_copy(None, "up", "down", snapshot=12)
    again = plan_copy(CONNECTED, "up", "down", snapshot=12)  # type: ignore[arg-type]

    assert (first.step, first.position) == (CopyStep.COPY, 12)
    assert (again.step, again.position) == (CopyStep.ANSWER_AGAIN, 7)


@pytest.mark.parametrize(
    ("status", "withdrawn", "taken"),
    [
        ("published", False, True),
        ("published", True, False),
        ("unpublished", False, False),
        ("pending", False, False),
    ],
)
def test_the_copy_takes_published_revisions_that_are_not_withdrawn(
    status: str, withdrawn: bool, taken: bool
) -> None:
    revision = SimpleNamespace(status=status, withdrawn=withdrawn)
    assert taken_by_initial_copy(revision) is taken  # type: ignore[arg-type]
