"""SIGKILL the drawing or the connection service at random moments of an initial copy and
of the continuous sync; once it is back, the downstream equals what the rules say (R19):
none missing, none twice, withdrawn ones withdrawn, and the sync state caught up.

Four trials on SQLite (each phase with each victim) and one on PostgreSQL (phase and
victim drawn from its seed), on stacks of their own. The seeds derive from
``CONNECTABILITY_FAULT_SEED`` (random when unset); a failure names it. The soak runs
hundreds of such trials: ``python -m tests.faults.soak``.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator

import pytest

from bench.directory import Directory
from connectability.v1 import connection_service_pb2 as pb
from tests.faults.fault_stack import FaultStack, fault_stack
from tests.faults.kill_trials import PHASES, VICTIMS, KillTrial, TrialSizes, run_kill_trial
from tests.faults.synced_connection import SyncedConnection

BASE_SEED = int(os.environ.get("CONNECTABILITY_FAULT_SEED") or random.randrange(1_000_000))
TRIALS = [(phase, victim) for phase in PHASES for victim in VICTIMS]


def run_reporting_seed(faults: FaultStack, trial: KillTrial, sizes: TrialSizes) -> None:
    try:
        outcome = run_kill_trial(faults, Directory(faults.stack), trial, sizes)
    except Exception as failure:
        failure.add_note(f"kill trial {trial}; again with CONNECTABILITY_FAULT_SEED={BASE_SEED}")
        raise
    print(outcome)


@pytest.fixture(scope="module")
def sqlite_faults() -> Iterator[FaultStack]:
    with fault_stack("sqlite") as faults:
        yield faults


@pytest.mark.parametrize(("phase", "victim"), TRIALS, ids=[f"{p}-{v}" for p, v in TRIALS])
def test_a_service_killed_mid_sync_loses_and_duplicates_nothing(
    sqlite_faults: FaultStack, phase: str, victim: str
) -> None:
    trial = KillTrial(BASE_SEED + TRIALS.index((phase, victim)), phase, victim)
    run_reporting_seed(sqlite_faults, trial, TrialSizes())


@pytest.mark.postgres
def test_a_service_killed_mid_sync_on_postgresql() -> None:
    with fault_stack("postgresql") as faults:
        run_reporting_seed(faults, KillTrial.drawn(BASE_SEED + len(TRIALS)), TrialSizes())


def test_the_error_of_a_drawing_service_kill_clears_once_it_is_back_with_nothing_new(
    sqlite_faults: FaultStack,
) -> None:
    """GetSyncState's last_error is "empty when the last attempt succeeded" (the contract).
    A drawing service killed while the sync is caught up fails its feed reads; once it is
    back, every read succeeds, but with no new change the error stays shown."""
    synced = SyncedConnection.prepared(sqlite_faults.stack, Directory(sqlite_faults.stack), 5, 20)
    synced.connect()
    synced.copy_state_in((pb.INITIAL_COPY_STATE_COMPLETE,))
    synced.publish_next()
    synced.converge()

    sqlite_faults.kill("drawing")
    deadline = time.monotonic() + 15
    while not synced.sync_state().last_error and time.monotonic() < deadline:
        time.sleep(0.05)
    shown = synced.sync_state().last_error
    assert shown, "the sync never noticed the drawing service was gone"
    sqlite_faults.restart("drawing")

    # Many sync rounds (a wait of CONNECTABILITY_SYNC_WAIT_SECONDS, 0.5 s, each), all
    # succeeding, and nothing new upstream: the failure is history.
    deadline = time.monotonic() + 10
    while synced.sync_state().last_error and time.monotonic() < deadline:
        time.sleep(0.1)
    assert synced.sync_state().last_error == "", f"still shown: {shown}"
