"""The kill soak: hundreds of random kill trials, each a SIGKILL of the drawing or the
connection service at a random moment of an initial copy or of the continuous sync, then
the check that the downstream equals what the rules say (see ``kill_trials``).

    .venv/bin/python -m tests.faults.soak --trials 300 [--backend sqlite|postgresql] [--seed N]

Trial ``i`` has seed ``N + i``, which draws its phase, its victim and its timing; a failure
prints the command that runs that one trial again. A fresh stack is started every
``--trials-per-stack`` trials, so the databases stay small. Exits 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter

from bench.directory import Directory
from bench.stack import BACKENDS
from tests.faults.fault_stack import fault_stack
from tests.faults.kill_trials import NOT_RECORDED_COMPLETE, KillTrial, run_kill_trial


def replay_command(trial: KillTrial, backend: str) -> str:
    return (
        f"{sys.executable} -m tests.faults.soak --backend {backend} --seed {trial.seed} --trials 1"
    )


def soak(backend: str, first_seed: int, trials: int, per_stack: int, keep_going: bool) -> int:
    """Runs the trials; returns how many failed."""
    started = time.monotonic()
    passed: Counter[str] = Counter()
    failed: list[KillTrial] = []
    mid_copy = 0
    for chunk_start in range(0, trials, per_stack):
        with fault_stack(backend) as faults:
            directory = Directory(faults.stack)
            for number in range(chunk_start, min(trials, chunk_start + per_stack)):
                trial = KillTrial.drawn(first_seed + number)
                try:
                    outcome = run_kill_trial(faults, directory, trial)
                except Exception:
                    failed.append(trial)
                    print(f"[{number + 1}/{trials}] FAILED {trial}", flush=True)
                    traceback.print_exc()
                    print(f"  again: {replay_command(trial, backend)}", flush=True)
                    if not keep_going:
                        break
                    continue
                passed[f"{trial.phase} / {trial.victim}"] += 1
                mid_copy += NOT_RECORDED_COMPLETE in outcome.moment
                print(f"[{number + 1}/{trials}] ok {outcome}", flush=True)
        if failed and not keep_going:
            break
    minutes = (time.monotonic() - started) / 60
    print(
        f"\nsoak on {backend}, seeds {first_seed}..{first_seed + trials - 1}: "
        f"{sum(passed.values())} passed, {len(failed)} failed, in {minutes:.1f} min"
    )
    for kind, count in sorted(passed.items()):
        print(f"  passed {kind}: {count}")
    print(f"  initial-copy kills before the copy was recorded complete: {mid_copy}")
    for trial in failed:
        print(f"  FAILED {trial}\n    again: {replay_command(trial, backend)}")
    return len(failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--seed", type=int, default=None, help="the first trial's seed")
    parser.add_argument("--trials-per-stack", type=int, default=25)
    parser.add_argument("--keep-going", action="store_true", help="do not stop at a failure")
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else random.randrange(1_000_000)
    print(f"soak: {arguments.trials} kill trials on {arguments.backend}, first seed {seed}")
    failures = soak(
        arguments.backend,
        seed,
        arguments.trials,
        arguments.trials_per_stack,
        arguments.keep_going,
    )
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
