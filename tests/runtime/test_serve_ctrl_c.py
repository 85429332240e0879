"""Ctrl-C on `connectability serve` stops everything, promptly, also while it starts.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group: `serve` and the three
services all get it. Each trial runs `serve` as a real process group and does the same.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from services import supervisor
from services.supervisor import KILL_AFTER_EXTRA_SECONDS
from shared.runtime.config import SERVICE_NAMES
from tests.integration.test_serve_command import cli, fresh_environment

READY_LINE = "Press Ctrl-C to stop."
# Five in the suite; `make soak-ctrl-c` runs twenty (CTRL_C_TRIALS=20).
# Every other trial signals while the services start, the others once they run.
TRIALS = [
    f"{'while starting' if number % 2 == 0 else 'running'} {number + 1}"
    for number in range(max(5, int(os.environ.get("CTRL_C_TRIALS", "5"))))
]
# Grace period of each service. `serve` kills a service still running after the grace plus
# its margin; no service may be killed. Generous, for a loaded machine: stopped while
# starting, a service first finishes the step it is in (its imports, opening its database),
# and three Pythons importing at once on two busy cores take their time. Where nothing
# hangs, each trial stops in a second or two.
GRACE_SECONDS = 20
STOPPED_WITHIN_SECONDS = GRACE_SECONDS + KILL_AFTER_EXTRA_SECONDS + 4


def group_is_gone(group_id: int) -> bool:
    try:
        os.killpg(group_id, 0)
    except ProcessLookupError:
        return True
    return False


def wait_for_children(pid: int, count: int) -> None:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + 60
    while len(children.read_text().split()) < count:
        assert time.monotonic() < deadline, "serve never started its services"
        time.sleep(0.01)


def start_serve(tmp_path: Path) -> subprocess.Popen[str]:
    env = fresh_environment(tmp_path / "state")
    env["CONNECTABILITY_LOG_LEVEL"] = "INFO"
    env["CONNECTABILITY_LOG_FORMAT"] = "text"
    env["CONNECTABILITY_SHUTDOWN_GRACE_SECONDS"] = str(GRACE_SECONDS)
    return subprocess.Popen(
        cli("serve"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    )


class Output:
    """Every line the process group prints (stdout and stderr), read by one thread."""

    def __init__(self, process: subprocess.Popen[str]):
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, marker: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(marker in line for line in self.lines):
            assert time.monotonic() < deadline, f"never printed {marker!r}:\n{self.text()}"
            time.sleep(0.1)

    def finish(self) -> list[str]:
        self._reader.join(10)
        return self.lines

    def text(self) -> str:
        return "\n".join(self.lines)


def ctrl_c_and_collect(process: subprocess.Popen[str], output: Output) -> list[str]:
    os.killpg(process.pid, signal.SIGINT)
    started = time.monotonic()
    try:
        process.wait(timeout=STOPPED_WITHIN_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"serve still ran {STOPPED_WITHIN_SECONDS} s after Ctrl-C:\n{output.text()}")
    took = time.monotonic() - started
    # `make soak-ctrl-c` (pytest -s) collects these lines for docs/operations.md.
    print(f"\nctrl-c trial: stopped in {took:.2f} s")
    lines = output.finish()
    assert process.returncode == 0, "\n".join(lines)
    assert group_is_gone(process.pid), "a service outlived serve"
    assert took < STOPPED_WITHIN_SECONDS
    assert not any("Traceback" in line for line in lines), "\n".join(lines)
    assert not any("killing it" in line for line in lines), "\n".join(lines)
    return lines


@pytest.mark.parametrize("trial", TRIALS)
def test_ctrl_c_stops_serve_and_every_service(tmp_path: Path, trial: str) -> None:
    process = start_serve(tmp_path)
    output = Output(process)
    try:
        if trial.startswith("while starting"):
            # As soon as the services exist: their Python is still starting up.
            wait_for_children(process.pid, len(SERVICE_NAMES))
            lines = ctrl_c_and_collect(process, output)
        else:
            output.wait_for(READY_LINE, timeout=90)
            lines = ctrl_c_and_collect(process, output)
            for name in SERVICE_NAMES:
                for event in ("signal received", "stopped"):
                    said = [line for line in lines if f" {name} " in line and event in line]
                    assert said, f"the {name} service never said {event!r}:\n" + "\n".join(lines)
        assert "connectability: stopped." in lines
    finally:
        if not group_is_gone(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_service_that_will_not_stop_is_killed_and_said_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(supervisor, "KILL_AFTER_EXTRA_SECONDS", 0.2)
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    service = supervisor.ServiceProcess("drawing", "127.0.0.1:1", stubborn)

    killed = supervisor.stop_services([service], grace_seconds=0.1)

    assert killed == ["drawing"]  # serve_all exits 1 on any name here
    assert stubborn.returncode == -signal.SIGKILL
    assert "the drawing service did not stop within 0 s; killing it." in capsys.readouterr().err


def catches_sigterm(pid: int) -> bool:
    """Whether the process has its own SIGTERM handler yet (Python has none by default)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def test_a_service_signalled_while_it_imports_ends_at_once_and_quietly(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    env = fresh_environment(data_dir)
    env["CONNECTABILITY_LOG_LEVEL"] = "INFO"  # it would say "signal received while starting"
    process = subprocess.Popen(
        cli("run-service", "drawing"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not catches_sigterm(process.pid):  # its imports begin right after
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.005)

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)

    assert process.returncode == 0, output
    assert output == ""  # no traceback; it never got as far as logging
    assert not data_dir.exists()  # no keys, no database: it opened nothing
