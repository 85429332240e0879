"""The sync engine through the running services (R14–R22, R24): activation copies every
published upstream revision, the feed keeps the copies in step, disconnection and inactive
projects stop it, and each connection shows where its sync stands."""

from __future__ import annotations

import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually
from tests.integration.sync_setup import SyncPair, make_sync_pair
from tests.integration.test_connections import decide
from tests.integration.test_directory import Platform

# Longer than a follower's wait on the feed (CONNECTABILITY_SYNC_WAIT_SECONDS, 2 s): a change
# that was going to cross would have crossed by then.
QUIET_SECONDS = 3.0


@pytest.fixture
def synced(stack: Stack) -> SyncPair:
    return make_sync_pair(Platform(stack))


def subjects_in_maildir(stack: Stack) -> list[str]:
    maildir = Path(stack.data_dir) / "maildir" / "new"
    # Read as a mail client does: a long subject is folded over lines and a non-ASCII one
    # is encoded (RFC 2047), e.g. the demo's "Riverside Tower – Design", in the same Maildir.
    found = []
    for message in maildir.glob("*") if maildir.exists() else []:
        parsed = message_from_bytes(message.read_bytes(), policy=policy.default)
        if parsed["Subject"] is not None:
            found.append(str(parsed["Subject"]))
    return found


def test_activation_copies_published_revisions_then_the_feed_follows(
    synced: SyncPair, stack: Stack
) -> None:
    synced.platform.connection.UpdateDistributionList(
        pb.UpdateDistributionListRequest(
            project_id=synced.pair.downstream.id, emails=["site-team@example.com"]
        ),
        metadata=bearer(synced.pair.down_admin),
        timeout=15,
    )
    first = synced.publish("1", "2026-11-01")
    second = synced.publish("2", "2026-11-02")
    synced.connect()

    copies = synced.copies_of(2)
    assert sorted(c.upstream_revision_id for c in copies) == sorted([first, second])
    assert all(c.status == drawing_pb.REVISION_STATUS_UNPUBLISHED for c in copies)  # R14
    state = eventually(lambda: _complete(synced.sync_state()))
    assert state.revisions_copied == 2 and state.last_error == ""
    progress = list(
        synced.platform.connection.WatchInitialCopyProgress(
            pb.WatchInitialCopyProgressRequest(connection_id=synced.connection_id),
            metadata=bearer(synced.pair.down_admin),
            timeout=10,
        )
    )
    assert [(p.state, p.copied, p.total) for p in progress] == [
        (pb.INITIAL_COPY_STATE_COMPLETE, 2, 2)
    ]
    assert eventually(
        lambda: _one_subject_with(stack, "Initial copy from"), timeout_seconds=15
    ).endswith("is complete")

    # Continuous sync: a new publication, a rename and a withdrawal upstream (R15, R20).
    third = synced.publish("3", "2026-11-03")
    synced.copies_of(3)
    synced.drawing.UpdateDrawing(
        drawing_pb.UpdateDrawingRequest(
            drawing=drawing_pb.Drawing(id=synced.upstream.drawing_id, title="Roof plan"),
            update_mask=FieldMask(paths=["title"]),
        ),
        metadata=bearer(synced.upstream.project.tokens["admin"]),
        timeout=10,
    )
    synced.drawing.WithdrawDrawingRevision(
        drawing_pb.WithdrawDrawingRevisionRequest(revision_id=first),
        metadata=bearer(synced.upstream.project.tokens["admin"]),
        timeout=10,
    )

    def followed() -> None:
        by_upstream = {c.upstream_revision_id: c for c in synced.copies()}
        assert set(by_upstream) == {first, second, third}
        assert by_upstream[first].withdrawn  # kept, marked withdrawn
        drawings = synced.drawing.ListDrawings(
            drawing_pb.ListDrawingsRequest(area_id=by_upstream[third].area_id),
            metadata=bearer(synced.pair.down_admin),
            timeout=10,
        ).drawings
        assert [d.title for d in drawings] == ["Roof plan"]

    eventually(followed, timeout_seconds=20)
    state = eventually(lambda: _caught_up(synced.sync_state()))
    assert state.revisions_copied == 3
    assert state.last_applied_sequence > 0 and state.HasField("last_synced_time")


def test_disconnection_stops_the_sync_and_keeps_the_copies(synced: SyncPair) -> None:
    synced.publish("1")
    synced.connect()
    synced.copies_of(1)
    decide(synced.pair, "Disconnect", synced.connection_id, synced.pair.down_admin, "Done")

    synced.publish("2", "2026-11-22")
    time.sleep(QUIET_SECONDS)
    assert len(synced.copies()) == 1  # nothing more syncs (R21); the copy stays (R4)
    sets = synced.drawing.ListDrawingSets(
        drawing_pb.ListDrawingSetsRequest(project_id=synced.pair.downstream.id),
        metadata=bearer(synced.pair.down_admin),
        timeout=10,
    ).drawing_sets
    assert [s.connection_state for s in sets] == [
        drawing_pb.DRAWING_SET_CONNECTION_STATE_DISCONNECTED
    ]


def test_an_inactive_project_pauses_the_sync_until_it_is_active_again(synced: SyncPair) -> None:
    synced.publish("1")
    synced.connect()
    synced.copies_of(1)
    synced.set_active(synced.pair.downstream.id, False)

    synced.publish("2", "2026-11-22")
    time.sleep(QUIET_SECONDS)
    assert len(synced.copies()) == 1  # paused (R21)
    synced.set_active(synced.pair.downstream.id, True)
    synced.copies_of(2)  # and caught up


def test_a_pending_connection_copies_nothing_until_approved(stack: Stack) -> None:
    platform = Platform(stack)
    synced = make_sync_pair(platform)
    platform.connection.UpdateCompany(
        pb.UpdateCompanyRequest(
            company=pb.Company(
                id=synced.pair.upstream.company_id,
                approval_preference=pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED,
            ),
            update_mask=FieldMask(paths=["approval_preference"]),
        ),
        metadata=platform.auth,
        timeout=10,
    )
    synced.publish("1")
    synced.publish("2")
    synced.upload("3")  # unpublished: not copied, so not counted
    pending = synced.pair.request().connection
    synced.connection_id = pending.id
    assert synced.sync_state().initial_copy_state == pb.INITIAL_COPY_STATE_NOT_STARTED
    # A progress bar knows the total from the first message, before the copy starts.
    assert _first_progress(synced) == (pb.INITIAL_COPY_STATE_NOT_STARTED, 0, 2)
    time.sleep(QUIET_SECONDS)
    assert synced.copies() == []
    decide(synced.pair, "Approve", pending.id, synced.pair.up_admin)
    synced.copies_of(2)
    eventually(lambda: _complete(synced.sync_state()))
    assert _first_progress(synced) == (pb.INITIAL_COPY_STATE_COMPLETE, 2, 2)


def _first_progress(synced: SyncPair) -> tuple[int, int, int]:
    stream = synced.platform.connection.WatchInitialCopyProgress(
        pb.WatchInitialCopyProgressRequest(connection_id=synced.connection_id),
        metadata=bearer(synced.pair.down_admin),
        timeout=10,
    )
    first = next(stream)
    stream.cancel()
    return first.state, first.copied, first.total


def _complete(state: pb.SyncState) -> pb.SyncState:
    assert state.initial_copy_state == pb.INITIAL_COPY_STATE_COMPLETE, state
    return state


def _caught_up(state: pb.SyncState) -> pb.SyncState:
    assert state.revisions_pending == 0 and state.lag.ToTimedelta().total_seconds() == 0, state
    return state


def _one_subject_with(stack: Stack, text: str) -> str:
    matching = [s for s in subjects_in_maildir(stack) if text in s]
    assert matching, subjects_in_maildir(stack)
    return matching[0]
