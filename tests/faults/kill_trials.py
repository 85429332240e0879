"""A kill trial: ``SIGKILL`` the drawing or the connection service at a random moment of an
initial copy or of the continuous sync, start it again, and check that the downstream ends
equal to what the rules say (see ``synced_connection``).

Everything random in a trial comes from its seed, so a failure names the seed that
reproduces its choices (the moment a kill lands among the processes' threads can differ).

- ``initial_copy``: thousands of published revisions upstream; connect; as soon as the
  sync state says the copy is running, wait a random moment within about one copy's
  duration and kill. Then, with the service back, publish, withdraw and delete upstream.
- ``continuous``: connect to a small upstream and wait until its copy is complete; then
  publish one set of revisions after another, withdrawing or deleting some now and then,
  and kill after a random step, a random moment later, while the sync is applying them.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from bench.directory import Directory
from connectability.v1 import connection_service_pb2 as pb
from tests.faults.fault_stack import FaultStack
from tests.faults.synced_connection import SyncedConnection

PHASES = ("initial_copy", "continuous")
VICTIMS = ("drawing", "connection")
COMPLETE = pb.INITIAL_COPY_STATE_COMPLETE
NOT_RECORDED_COMPLETE = "mid-copy: not yet recorded complete"
RECORDED_COMPLETE = "copy already recorded complete"


@dataclass(frozen=True)
class TrialSizes:
    copied: int = 3_000  # published before an initial_copy trial connects
    copy_window_seconds: float = 0.2  # a 3,000-revision copy takes about 0.15 s on SQLite
    ready: int = 120  # published during the trial, one set of READY_SHAPE at a time
    small_upstream: int = 40  # published before a continuous trial connects


@dataclass(frozen=True)
class KillTrial:
    seed: int
    phase: str
    victim: str

    @classmethod
    def drawn(cls, seed: int) -> KillTrial:
        """Phase and victim drawn from the seed (the soak's trials)."""
        rng = random.Random(seed)
        return cls(seed, rng.choice(PHASES), rng.choice(VICTIMS))

    def __str__(self) -> str:
        return f"seed {self.seed}: kill the {self.victim} service during the {self.phase}"


@dataclass(frozen=True)
class TrialOutcome:
    trial: KillTrial
    moment: str  # when the kill landed
    converged_seconds: float

    def __str__(self) -> str:
        return f"{self.trial}: killed {self.moment}; converged {self.converged_seconds:.1f} s later"


def run_kill_trial(
    faults: FaultStack, directory: Directory, trial: KillTrial, sizes: TrialSizes = TrialSizes()
) -> TrialOutcome:
    rng = random.Random(f"kill-trial-{trial.seed}")
    initial = trial.phase == "initial_copy"
    synced = SyncedConnection.prepared(
        faults.stack,
        directory,
        published=sizes.copied if initial else sizes.small_upstream,
        ready=sizes.ready,
    )
    synced.connect()
    if initial:
        moment = _kill_during_copy(faults, synced, trial.victim, rng, sizes)
        # Publications may race the copy the restart resumes (the snapshot decides which
        # side brings each one); withdrawals wait until it is complete, because one before
        # the snapshot rightly leaves no copy to mark.
        for _ in range(synced.sets_left // 2):
            synced.upstream_step(rng, withdrawing=False)
        synced.copy_state_in((COMPLETE,))
        while synced.sets_left:
            synced.upstream_step(rng)
    else:
        synced.copy_state_in((COMPLETE,))
        steps, moment = synced.sets_left, ""
        kill_after = rng.randrange(steps)
        for step in range(steps):
            synced.upstream_step(rng)
            if step == kill_after:
                delay = rng.uniform(0.0, 0.2)
                time.sleep(delay)
                faults.kill_and_restart(trial.victim)
                moment = f"{delay * 1000:.0f} ms after upstream step {step + 1} of {steps}"
    return TrialOutcome(trial, moment, synced.converge())


def _kill_during_copy(
    faults: FaultStack,
    synced: SyncedConnection,
    victim: str,
    rng: random.Random,
    sizes: TrialSizes,
) -> str:
    """Kills a random moment after the copy is seen under way; says when, and whether the
    sync had recorded the copy complete by then: asked of the surviving connection service
    right after a drawing service's kill, or of a killed connection service's successor
    right after its start (before its predecessor's lease runs out and it takes over)."""
    running = (pb.INITIAL_COPY_STATE_RUNNING, COMPLETE)
    synced.copy_state_in(running)
    delay = rng.uniform(0.0, sizes.copy_window_seconds)
    time.sleep(delay)
    faults.kill(victim)
    survivor_says = synced.sync_state().initial_copy_state if victim == "drawing" else None
    faults.restart(victim)
    recorded = survivor_says or synced.sync_state().initial_copy_state
    landed = RECORDED_COMPLETE if recorded == COMPLETE else NOT_RECORDED_COMPLETE
    return f"{delay * 1000:.0f} ms after the copy was seen under way ({landed})"
