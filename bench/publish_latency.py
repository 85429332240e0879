"""Publish to visible: one upstream connected to 10 downstreams; each publication of one
revision upstream is timed from the publish call's answer until its copy is in all 10
downstreams. p50 and p99 beside the raw gRPC echo round trip of the same run.

    .venv/bin/python -m bench.publish_latency --backend sqlite [--publishes 200]
    .venv/bin/python -m bench.publish_latency --backend postgresql --replicas 2

With ``--replicas N`` (PostgreSQL only) every service runs N processes on the same
databases and the publications go through the drawing replicas in turn.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bench.directory import Directory
from bench.drawing_data import (
    LoadedBatch,
    Shape,
    load_revisions,
    reader_engine,
    rows_present,
    writer_engine,
)
from bench.echo import echo_round_trips
from bench.measure import percentile, print_report, service_peak_memory
from bench.stack import (
    BACKENDS,
    add_replicas_argument,
    check_replicas,
    drawing_database_url,
    replicas_text,
    running_stack,
)

ECHO_CALLS = 1_000
# Visibility is read from the drawing database this often: the resolution of the figure.
POLL_INTERVAL_SECONDS = 0.002
VISIBLE_TIMEOUT_SECONDS = 60.0
TARGET_P50_MS, TARGET_P99_MS = 50.0, 250.0


def copy_ids(connection_ids: Sequence[str], revision_id: str) -> list[str]:
    # The drawing service names a copy "<connection id>-<upstream id>" (copying.py,
    # applying.py): polling by primary key keeps each look nearly free.
    return [f"{connection_id}-{revision_id}" for connection_id in connection_ids]


def check_copy_ids(reader: Engine, connection_ids: Sequence[str], copied_id: str) -> None:
    if rows_present(reader, copy_ids(connection_ids, copied_id)) != len(connection_ids):
        raise SystemExit("copies are no longer named <connection id>-<upstream id>: adapt copy_ids")


@dataclass
class Samples:
    """Seconds per publication: the publish call, and from its answer until the copy is in
    the first downstream and in all of them (the gap is the applying, one per downstream)."""

    calls: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    everywhere: list[float] = field(default_factory=list)


def publish_and_wait(
    directory: Directory, reader: Engine, connection_ids: Sequence[str], batch: LoadedBatch
) -> Samples:
    samples = Samples()
    for revision_id, set_id in batch.set_of_revision.items():
        expected = copy_ids(connection_ids, revision_id)
        started = time.perf_counter()
        directory.publish(set_id, [revision_id])
        answered = time.perf_counter()
        first, everywhere = wait_for_copies(reader, expected)
        samples.calls.append(answered - started)
        samples.first.append(first - answered)
        samples.everywhere.append(everywhere - answered)
    return samples


def wait_for_copies(reader: Engine, copy_ids: list[str]) -> tuple[float, float]:
    """perf_counter() when the first of the copies and when all of them were seen."""
    deadline = time.perf_counter() + VISIBLE_TIMEOUT_SECONDS
    first_seen = None
    while time.perf_counter() < deadline:
        present = rows_present(reader, copy_ids)
        now = time.perf_counter()
        if present and first_seen is None:
            first_seen = now
        if present == len(copy_ids):
            return first_seen or now, now
        time.sleep(POLL_INTERVAL_SECONDS)
    raise TimeoutError(f"copies not all visible after {VISIBLE_TIMEOUT_SECONDS:.0f} s")


def milliseconds(samples: list[float], fraction: float) -> float:
    return percentile(samples, fraction) * 1000


def run(backend: str, publishes: int, downstream_count: int, existing: int, replicas: int) -> None:
    with running_stack(backend, replicas=replicas) as stack:
        directory = Directory(stack)
        upstream = directory.upstream_project()
        url = drawing_database_url(stack)
        writer, reader = writer_engine(url), reader_engine(url)
        existing_batch = load_revisions(
            writer, upstream, existing, "pub", published=True, shape=Shape()
        )
        connection_ids = list(directory.connect_downstreams(upstream, downstream_count).values())
        check_copy_ids(reader, connection_ids, existing_batch.revision_ids[0])
        # New drawings, one reviewed revision each, spread over 10 sets.
        ready = Shape(revisions_per_drawing=1, sets=10)
        batch = load_revisions(writer, upstream, publishes, "new", published=False, shape=ready)
        echoes = echo_round_trips(stack.keys, ECHO_CALLS)
        samples = publish_and_wait(directory, reader, connection_ids, batch)
        memory = service_peak_memory(stack)
    title = (
        f"publish to visible in {downstream_count} downstreams, {publishes} publications, "
        f"{backend}{replicas_text(replicas)} (upstream holds {existing:,} published revisions)"
    )
    print_report(title, latency_figures(samples, echoes), memory)


def latency_figures(samples: Samples, echoes: list[float]) -> list[tuple[str, str]]:
    p50, p99 = milliseconds(samples.everywhere, 0.50), milliseconds(samples.everywhere, 0.99)
    echo_p50, echo_p99 = milliseconds(echoes, 0.50), milliseconds(echoes, 0.99)
    return [
        ("p50 publish answered → in all", f"{p50:.1f} ms (target under {TARGET_P50_MS:g})"),
        ("p99 publish answered → in all", f"{p99:.1f} ms (target under {TARGET_P99_MS:g})"),
        ("max", f"{max(samples.everywhere) * 1000:.1f} ms"),
        ("p50 / p99 publish answered → in the first", _pair(samples.first)),
        ("p50 / p99 of the publish call itself", _pair(samples.calls)),
        (f"baseline: raw gRPC echo p50 / p99 ({ECHO_CALLS} calls)", _pair(echoes, digits=2)),
        ("ratio p50 / echo p50", f"{p50 / echo_p50:.0f}x"),
        ("ratio p99 / echo p99", f"{p99 / echo_p99:.0f}x"),
        ("poll resolution (copy ids in the drawing DB)", f"{POLL_INTERVAL_SECONDS * 1000:g} ms"),
    ]


def _pair(samples: list[float], digits: int = 1) -> str:
    p50, p99 = milliseconds(samples, 0.50), milliseconds(samples, 0.99)
    return f"{p50:.{digits}f} ms / {p99:.{digits}f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--publishes", type=int, default=200)
    parser.add_argument("--downstreams", type=int, default=10)
    parser.add_argument(
        "--existing", type=int, default=1_000, help="published revisions upstream beforehand"
    )
    add_replicas_argument(parser)
    arguments = parser.parse_args()
    check_replicas(arguments.backend, arguments.replicas)
    run(
        arguments.backend,
        arguments.publishes,
        arguments.downstreams,
        arguments.existing,
        arguments.replicas,
    )


if __name__ == "__main__":
    main()
