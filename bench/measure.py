"""Clocks, percentiles, peak memory and the printed report every benchmark shares."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.fixtures.stack import Stack

MEMORY_TARGET_MB = 300.0


def seconds_taken(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def wait_until(
    done: Callable[[], bool], timeout_seconds: float, interval_seconds: float = 0.05
) -> float:
    """Seconds until ``done()`` held (checked every ``interval_seconds``); TimeoutError if never."""
    started = time.perf_counter()
    while not done():
        if time.perf_counter() - started > timeout_seconds:
            raise TimeoutError(f"not done after {timeout_seconds:.0f} s")
        time.sleep(interval_seconds)
    return time.perf_counter() - started


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: a value that was really observed."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size so far (VmHWM), in MiB; read before it exits."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # the kernel reports kB
    raise RuntimeError(f"no VmHWM for process {pid}")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU time the processes ``pids`` have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def service_peak_memory(stack: Stack) -> dict[str, float]:
    """Each process's peak memory, named by its service (and its replica's number when a
    service runs several: ``drawing 2``)."""
    names = [process.name for process in stack.processes]
    memory: dict[str, float] = {}
    for process in stack.processes:
        label = process.name
        if names.count(process.name) > 1:
            replica = sum(seen.startswith(f"{process.name} ") for seen in memory) + 1
            label = f"{process.name} {replica}"
        memory[label] = peak_rss_mb(process.process.pid)
    return memory


def print_report(title: str, figures: Sequence[tuple[str, str]], memory: dict[str, float]) -> None:
    width = max(len(label) for label, _ in figures)
    lines = [f"== {title}"]
    lines += [f"  {label:<{width}}  {value}" for label, value in figures]
    lines.append(f"  peak memory (VmHWM; target under {MEMORY_TARGET_MB:.0f} MB):")
    for name, megabytes in memory.items():
        verdict = "ok" if megabytes < MEMORY_TARGET_MB else "OVER TARGET"
        lines.append(f"    {name:<15} {megabytes:7.1f} MB  {verdict}")
    print("\n".join(lines), flush=True)


def ratio_text(measured: float, baseline: float, target: float | None = None) -> str:
    text = f"{measured / baseline:.2f}x"
    if target is not None:
        text += (
            f" (target at most {target:g}x: {'met' if measured / baseline <= target else 'missed'})"
        )
    return text
