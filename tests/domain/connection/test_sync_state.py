"""What readers of a connection's sync see: the initial copy's progress and the lag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.connection.domain.sync_state import copy_progress, lag_since

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_a_copy_not_yet_done_shows_what_there_is_to_copy() -> None:
    never_active = copy_progress(None, 0, 40)
    running = copy_progress("running", 0, 40)
    assert (never_active.copied, never_active.total, never_active.final) == (0, 40, False)
    assert (running.state, running.copied, running.total, running.final) == (
        "running",
        0,
        40,
        False,
    )


def test_a_finished_copy_shows_what_it_copied_and_is_final() -> None:
    complete = copy_progress("complete", 42, 40)  # two more were published meanwhile
    failed = copy_progress("failed", 0, 40)
    assert (complete.copied, complete.total, complete.final) == (42, 42, True)
    assert failed.final and failed.copied == 0


def test_the_lag_is_the_age_of_the_oldest_change_waiting() -> None:
    assert lag_since(None, NOW) == timedelta(0)
    assert lag_since(NOW - timedelta(seconds=30), NOW) == timedelta(seconds=30)
    assert lag_since(NOW + timedelta(seconds=1), NOW) == timedelta(0)  # clocks disagree
