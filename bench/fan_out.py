"""Fan-out: one upstream connected to 100 downstreams publishes 1,000 new revisions; the
time until all 100,000 copies are visible downstream, beside a raw SQL copy of as many rows.

    .venv/bin/python -m bench.fan_out --backend sqlite [--downstreams 100] [--revisions 1000]
    .venv/bin/python -m bench.fan_out --backend postgresql --replicas 2

With ``--replicas N`` (PostgreSQL only) every service runs N processes on the same
databases and the ten publish calls go through the drawing replicas in turn.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Engine

from bench.directory import Directory
from bench.drawing_data import (
    LoadedBatch,
    Shape,
    copies_in,
    load_revisions,
    raw_copy_figure,
    raw_copy_seconds,
    reader_engine,
    writer_engine,
)
from bench.measure import print_report, ratio_text, service_peak_memory, wait_until
from bench.stack import (
    BACKENDS,
    add_replicas_argument,
    check_replicas,
    drawing_database_url,
    replicas_text,
    running_stack,
)
from services.drawing.store.models import DrawingRevision

SETS = 10
# Counting every copy is not free: once a second is plenty for a run of minutes.
POLL_INTERVAL_SECONDS = 1.0
FAN_OUT_TIMEOUT_SECONDS = 3600.0


def publish_all_and_wait(
    directory: Directory, reader: Engine, downstreams: list[str], batch: LoadedBatch
) -> tuple[float, float]:
    """(seconds of the publish calls, seconds from the first call until every copy is in)."""
    expected = len(batch.revision_ids) * len(downstreams)
    started = time.perf_counter()
    for set_id in batch.set_ids:
        directory.publish(set_id)  # every reviewed revision of the set
    published = time.perf_counter()
    wait_until(
        lambda: copies_in(reader, downstreams) == expected,
        FAN_OUT_TIMEOUT_SECONDS,
        POLL_INTERVAL_SECONDS,
    )
    return published - started, time.perf_counter() - started


def run(backend: str, downstream_count: int, revisions: int, replicas: int) -> None:
    with running_stack(backend, replicas=replicas) as stack:
        directory = Directory(stack)
        upstream = directory.upstream_project()
        url = drawing_database_url(stack)
        writer, reader = writer_engine(url), reader_engine(url)
        downstreams = list(directory.connect_downstreams(upstream, downstream_count))
        # New drawings, one reviewed revision each, in SETS sets: one publish call per set.
        ready = Shape(revisions_per_drawing=1, sets=SETS)
        batch = load_revisions(writer, upstream, revisions, "new", published=False, shape=ready)
        in_batch = DrawingRevision.id.in_(batch.revision_ids)
        raw_seconds, raw_rows = raw_copy_seconds(writer, in_batch, downstreams)
        publish_seconds, total_seconds = publish_all_and_wait(directory, reader, downstreams, batch)
        visible = copies_in(reader, downstreams)
        memory = service_peak_memory(stack)
    print_report(
        f"fan-out of {revisions:,} revisions to {downstream_count} downstreams, "
        f"{backend}{replicas_text(replicas)}",
        [
            (f"publish calls ({len(batch.set_ids)} sets)", f"{publish_seconds:.2f} s"),
            ("first publish → all copies visible", f"{total_seconds:.2f} s"),
            ("copies visible downstream", f"{visible:,}"),
            ("copies per second", f"{visible / total_seconds:,.0f}"),
            raw_copy_figure(raw_seconds, raw_rows),
            ("ratio fan-out / raw", ratio_text(total_seconds, raw_seconds)),
        ],
        memory,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--downstreams", type=int, default=100)
    parser.add_argument("--revisions", type=int, default=1_000)
    add_replicas_argument(parser)
    arguments = parser.parse_args()
    check_replicas(arguments.backend, arguments.replicas)
    run(arguments.backend, arguments.downstreams, arguments.revisions, arguments.replicas)


if __name__ == "__main__":
    main()
