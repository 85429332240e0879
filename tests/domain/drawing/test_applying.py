"""Applying upstream feed changes to a connection's copies (R15, R16, R19, R20, R21): every
decision of the apply path, over an in-memory store (no database, no gRPC)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

import pytest

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain import applying
from services.drawing.domain.applying import MirrorKind, Step
from services.drawing.domain.change_batches import MAX_CHANGES
from services.drawing.domain.copying import mirror_id
from services.drawing.use_cases.connection_sync import (
    Applied,
    ConnectionSync,
    SyncTarget,
)
from shared.facts.errors import DomainError
from tests.domain.drawing.sync_fakes import (
    FakeDrawingStore,
    FakeMirrors,
    FakeProject,
    sync_over,
)

TARGET = SyncTarget("c1", "up", "down")


@pytest.fixture
def store() -> FakeDrawingStore:
    return FakeDrawingStore(projects={"up": FakeProject(), "down": FakeProject()})


@pytest.fixture
def sync(store: FakeDrawingStore) -> ConnectionSync:
    """A connection whose initial copy was made (of an upstream with nothing published)."""
    engine = sync_over(store)
    engine.copy_published_revisions(TARGET)
    return engine


def published(
    sequence: int,
    revision_id: str = "r1",
    *,
    drawing_id: str = "d1",
    drawing_date: str = "2026-03-01",
    place: int = 1,
) -> pb.ProjectChange:
    return pb.ProjectChange(
        sequence=sequence,
        kind=pb.PROJECT_CHANGE_KIND_REVISION_PUBLISHED,
        revision=pb.DrawingRevision(
            id=revision_id,
            drawing_id=drawing_id,
            set_id="s1",
            revision_number=revision_id.upper(),
            drawing_date=drawing_date,
            file_sha256=f"sha-{revision_id}",
            file_name=f"{revision_id}.pdf",
            drawing_sequence=place,
        ),
        drawing=pb.Drawing(id=drawing_id, area_id="a1", number="A-101", discipline="Arch"),
        drawing_set=pb.DrawingSet(id="s1", name="Issued for construction"),
        drawing_area=pb.DrawingArea(id="a1", name="Level 1"),
    )


def withdrawn(
    sequence: int, revision_id: str, kind: pb.ProjectChangeKind | None = None
) -> pb.ProjectChange:
    return pb.ProjectChange(
        sequence=sequence,
        kind=kind or pb.PROJECT_CHANGE_KIND_REVISION_WITHDRAWN,
        revision=pb.DrawingRevision(id=revision_id),
    )


def revision_edited(sequence: int, revision_id: str, drawing_date: str) -> pb.ProjectChange:
    return pb.ProjectChange(
        sequence=sequence,
        kind=pb.PROJECT_CHANGE_KIND_REVISION_METADATA_EDITED,
        revision=pb.DrawingRevision(
            id=revision_id, revision_number=revision_id.upper(), drawing_date=drawing_date
        ),
    )


def drawing_edited(sequence: int, drawing_id: str, title: str) -> pb.ProjectChange:
    return pb.ProjectChange(
        sequence=sequence,
        kind=pb.PROJECT_CHANGE_KIND_DRAWING_EDITED,
        drawing=pb.Drawing(id=drawing_id, area_id="a1", number="A-101", title=title),
    )


def copy_of(store: FakeDrawingStore, kind: MirrorKind, upstream_id: str) -> SimpleNamespace:
    return store.rows[kind][mirror_id("c1", upstream_id)]


def publish_downstream(store: FakeDrawingStore, upstream_revision_id: str) -> None:
    """The downstream reviews a copy and publishes it."""
    copy = copy_of(store, MirrorKind.REVISION, upstream_revision_id)
    copy.status = "published"
    FakeMirrors(store).make_newest_current(copy.drawing_id)


def current_copies(store: FakeDrawingStore) -> list[str]:
    return sorted(
        revision.upstream_revision_id
        for revision in store.rows[MirrorKind.REVISION].values()
        if revision.current
    )


def test_a_newly_published_revision_arrives_unpublished_with_its_drawing_set_and_area(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    assert sync.apply_project_changes(TARGET, [published(1)]) == Applied(1, 1)

    revision = copy_of(store, MirrorKind.REVISION, "r1")
    assert (revision.project_id, revision.status, revision.current) == (
        "down",
        "unpublished",
        False,
    )
    assert revision.file_sha256 == "sha-r1"  # the same bytes, not a new file (R18)
    assert revision.drawing_date == date(2026, 3, 1)
    assert copy_of(store, MirrorKind.DRAWING, "d1").area_id == mirror_id("c1", "a1")
    assert copy_of(store, MirrorKind.SET, "s1").connection_state == "connected"
    assert copy_of(store, MirrorKind.AREA, "a1").name == "Level 1"


def test_a_newer_revision_waits_unpublished_and_the_downstream_keeps_its_current_one(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    sync.apply_project_changes(TARGET, [published(1, "r1")])
    publish_downstream(store, "r1")

    applied = sync.apply_project_changes(
        TARGET, [published(2, "r2", drawing_date="2026-04-01", place=2)]
    )

    assert applied == Applied(2, 1)
    assert copy_of(store, MirrorKind.REVISION, "r2").status == "unpublished"
    assert copy_of(store, MirrorKind.REVISION, "r2").drawing_sequence == 2  # upstream order
    assert current_copies(store) == ["r1"]


@pytest.mark.parametrize(
    "kind", [pb.PROJECT_CHANGE_KIND_REVISION_WITHDRAWN, pb.PROJECT_CHANGE_KIND_REVISION_DELETED]
)
def test_a_revision_withdrawn_or_deleted_upstream_is_withdrawn_downstream_and_kept(
    sync: ConnectionSync, store: FakeDrawingStore, kind: pb.ProjectChangeKind
) -> None:
    sync.apply_project_changes(
        TARGET, [published(1, "r1"), published(2, "r2", drawing_date="2026-04-01", place=2)]
    )
    publish_downstream(store, "r1")
    publish_downstream(store, "r2")
    assert current_copies(store) == ["r2"]

    assert sync.apply_project_changes(TARGET, [withdrawn(3, "r2", kind)]) == Applied(3, 1)

    copy = copy_of(store, MirrorKind.REVISION, "r2")
    assert copy.withdrawn and not copy.current  # never deleted (R20)
    assert current_copies(store) == ["r1"]  # the current one moves back


def test_a_replayed_batch_changes_nothing_and_answers_the_cursor(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    batch = [published(1, "r1"), drawing_edited(2, "d1", "Ground floor")]
    sync.apply_project_changes(TARGET, batch)
    publish_downstream(store, "r1")

    assert sync.apply_project_changes(TARGET, batch) == Applied(2, 0)
    assert copy_of(store, MirrorKind.REVISION, "r1").status == "published"  # left as it was


def test_a_publication_the_initial_copy_made_already_alters_nothing_but_is_passed(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    sync.apply_project_changes(TARGET, [published(1, "r1")])

    # The same revision again, as if its feed change came after a copy that took it.
    store.cursors["c1"].applied_through_sequence = 4
    assert sync.apply_project_changes(TARGET, [published(5, "r1")]) == Applied(5, 0)
    assert len(store.rows[MirrorKind.REVISION]) == 1


def test_an_edit_of_a_copied_row_follows_and_of_a_row_never_copied_is_skipped(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    sync.apply_project_changes(TARGET, [published(1, "r1")])

    applied = sync.apply_project_changes(
        TARGET, [drawing_edited(2, "d1", "Ground floor"), drawing_edited(3, "d-other", "X")]
    )

    assert applied == Applied(3, 1)
    assert copy_of(store, MirrorKind.DRAWING, "d1").title == "Ground floor"
    assert mirror_id("c1", "d-other") not in store.rows[MirrorKind.DRAWING]


def test_a_date_edit_of_a_published_copy_can_change_which_one_is_current(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    sync.apply_project_changes(
        TARGET, [published(1, "r1"), published(2, "r2", drawing_date="2026-04-01", place=2)]
    )
    publish_downstream(store, "r1")
    publish_downstream(store, "r2")

    sync.apply_project_changes(TARGET, [revision_edited(3, "r1", "2026-05-01")])

    assert current_copies(store) == ["r1"]


def test_a_change_recorded_before_places_existed_goes_after_the_copies_held(
    sync: ConnectionSync, store: FakeDrawingStore
) -> None:
    sync.apply_project_changes(TARGET, [published(1, "r1", place=7)])

    sync.apply_project_changes(TARGET, [published(2, "r2", place=0)])

    assert copy_of(store, MirrorKind.REVISION, "r2").drawing_sequence == 8


def _disconnect(sync: ConnectionSync, store: FakeDrawingStore) -> None:
    sync.mark_disconnected("c1", "down")


def _deactivate(project_id: str) -> Callable[[ConnectionSync, FakeDrawingStore], None]:
    def deactivate(sync: ConnectionSync, store: FakeDrawingStore) -> None:
        store.projects[project_id].active = False

    return deactivate


@pytest.mark.parametrize(
    ("situation", "batch", "target", "reason"),
    [
        (_disconnect, [published(1)], TARGET, "CONNECTION_DISCONNECTED"),
        (None, [published(1)], SyncTarget("c-never-copied", "up", "down"), "INITIAL_COPY_REQUIRED"),
        (_deactivate("up"), [published(1)], TARGET, "PROJECT_INACTIVE"),
        (_deactivate("down"), [published(1)], TARGET, "PROJECT_INACTIVE"),
        (None, [published(1)], SyncTarget("c1", "up", "elsewhere"), "CONNECTION_PROJECTS_MISMATCH"),
        (None, [published(1), published(3, "r3")], TARGET, "CHANGES_NOT_CONTIGUOUS"),
        (None, [published(2)], TARGET, "CHANGES_NOT_CONTIGUOUS"),
        (None, [published(2), published(1, "r0")], TARGET, "CHANGES_OUT_OF_ORDER"),
        (
            None,
            [drawing_edited(s, "d1", "x") for s in range(1, MAX_CHANGES + 2)],
            TARGET,
            "TOO_MANY_CHANGES",
        ),
        (None, [published(1, drawing_date="")], TARGET, "MISSING_FIELD"),
        (None, [published(1, drawing_date="1 March")], TARGET, "INVALID_DATE"),
    ],
)
def test_a_refused_batch_leaves_the_downstream_and_the_cursor_as_they_were(
    sync: ConnectionSync,
    store: FakeDrawingStore,
    situation: Callable[[ConnectionSync, FakeDrawingStore], None] | None,
    batch: list[pb.ProjectChange],
    target: SyncTarget,
    reason: str,
) -> None:
    if situation is not None:
        situation(sync, store)
    cursor_before = getattr(store.cursors.get("c1"), "applied_through_sequence", None)

    with pytest.raises(DomainError) as refused:
        sync.apply_project_changes(target, batch)

    assert refused.value.reason == reason
    assert store.rows[MirrorKind.REVISION] == {}
    assert getattr(store.cursors.get("c1"), "applied_through_sequence", None) == cursor_before


def test_one_connection_refused_leaves_the_others_applied(store: FakeDrawingStore) -> None:
    store.projects["down2"] = FakeProject()
    engine = sync_over(store)
    second = SyncTarget("c2", "up", "down2")
    engine.copy_published_revisions(TARGET)
    engine.copy_published_revisions(second)
    engine.mark_disconnected("c1", "down")

    outcomes = engine.apply_to_connections([second, TARGET], [published(1)])

    assert [outcome.connection_id for outcome in outcomes] == ["c2", "c1"]  # as named
    assert outcomes[0].result == Applied(1, 1)
    assert isinstance(outcomes[1].result, DomainError)
    assert outcomes[1].result.reason == "CONNECTION_DISCONNECTED"
    assert set(store.rows[MirrorKind.REVISION]) == {mirror_id("c2", "r1")}


def _rows_of(store: FakeDrawingStore, connection_id: str) -> dict[str, dict[str, object]]:
    """The connection's mirrors by kind and upstream id, without ids, project and times."""
    prefix = mirror_id(connection_id, "")
    return {
        f"{kind.value} {row_id.removeprefix(prefix)}": {
            name: str(value).replace(prefix, "")
            for name, value in vars(row).items()
            if name not in ("id", "project_id", "created_at", "updated_at", "connection_id")
        }
        for kind, rows in store.rows.items()
        for row_id, row in rows.items()
        if row_id.startswith(prefix)
    }


def test_a_batch_to_many_connections_makes_the_mirrors_one_at_a_time_would(
    store: FakeDrawingStore,
) -> None:
    """Set-based for publications, change by change for the rest, the same result: a place
    of 0 after a placed copy of the same batch, a drawing renamed by a publication's own
    snapshot, and an edit in the middle all land as ChangeApplier alone makes them."""
    renamed = published(4, "r4", place=0)
    renamed.drawing.number = "A-101b"
    batch = [published(1, "r1", place=3), published(2, "r2", place=0), published(3, "r3")]
    mixed = [*batch, renamed, drawing_edited(5, "d1", "Plan"), published(6, "r6", place=0)]
    targets = [SyncTarget(f"c{n}", "up", f"down{n}") for n in range(1, 5)]
    for target in targets:
        store.projects[target.downstream_id] = FakeProject()
    engine = sync_over(store)
    for target in targets:
        engine.copy_published_revisions(target)
    engine.apply_project_changes(targets[1], batch[:1])  # c2 is one change ahead

    # c1 and c2 together, set-based; c3 one change a call (set-based but for the edit);
    # c4 the whole mixed feed in one call: change by change, as it holds an edit.
    assert [o.result for o in engine.apply_to_connections(targets[:2], batch)] == [
        Applied(3, 3),
        Applied(3, 2),
    ]
    for change in mixed:
        engine.apply_project_changes(targets[2], [change])
    assert [o.result for o in engine.apply_to_connections(targets[:2], mixed)] == [
        Applied(6, 3)
    ] * 2
    assert engine.apply_project_changes(targets[3], mixed) == Applied(6, 6)

    reference = _rows_of(store, "c4")
    assert reference[f"{MirrorKind.REVISION.value} r2"]["drawing_sequence"] == "4"
    assert reference[f"{MirrorKind.REVISION.value} r4"]["drawing_sequence"] == "5"
    assert reference[f"{MirrorKind.REVISION.value} r6"]["drawing_sequence"] == "6"
    # Renamed by r4's snapshot and back by the edit; r6's snapshot blanks the title again.
    drawing = reference[f"{MirrorKind.DRAWING.value} d1"]
    assert (drawing["number"], drawing["title"]) == ("A-101", "")
    assert [_rows_of(store, cid) for cid in ("c1", "c2", "c3")] == [reference] * 3


def test_a_bad_batch_is_refused_whole_before_any_connection(store: FakeDrawingStore) -> None:
    engine = sync_over(store)
    engine.copy_published_revisions(TARGET)

    with pytest.raises(DomainError) as refused:
        engine.apply_to_connections([TARGET], [published(2), published(1)])

    assert refused.value.reason == "CHANGES_OUT_OF_ORDER"


# The decisions themselves, over plain values.

HELD = SimpleNamespace(name="Level 1", description="", withdrawn=False, status="unpublished")


@pytest.mark.parametrize(
    ("held", "fields", "may_create", "step"),
    [
        (None, {"name": "Level 1"}, True, Step.INSERT_COPY),  # a publication needs it
        (None, {"name": "Level 1"}, False, Step.SKIP),  # an edit of a row never copied
        (HELD, {"name": "Level 2"}, False, Step.UPDATE),
        (HELD, {"name": "Level 1", "description": ""}, True, Step.SKIP),  # a replay
    ],
)
def test_a_mirror_follows_its_upstream_row(
    held: object, fields: dict[str, object], may_create: bool, step: Step
) -> None:
    assert applying.refresh_step(held, fields, may_create) is step


@pytest.mark.parametrize(
    ("held", "publication", "withdrawal"),
    [
        (None, Step.INSERT_COPY, Step.SKIP),
        (HELD, Step.SKIP, Step.WITHDRAW),
        (SimpleNamespace(withdrawn=True), Step.SKIP, Step.SKIP),
    ],
)
def test_a_revision_is_copied_once_and_withdrawn_once(
    held: object, publication: Step, withdrawal: Step
) -> None:
    assert applying.publication_step(held) is publication
    assert applying.withdrawal_step(held) is withdrawal


def test_only_a_change_to_a_published_copy_moves_the_current_revision() -> None:
    assert applying.moves_current(SimpleNamespace(status="published"))
    assert not applying.moves_current(SimpleNamespace(status="unpublished"))


def test_a_copy_takes_the_upstream_place_or_goes_last() -> None:
    assert applying.place_of(3, lambda: 9) == 3
    assert applying.place_of(0, lambda: 9) == 10
    assert applying.place_of(0, lambda: 0) == 1
