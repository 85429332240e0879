"""Initial copy of a connection at the limit: from the connection request (auto-approved)
until every published upstream revision is visible downstream, beside a raw SQL copy.

    .venv/bin/python -m bench.initial_copy --backend sqlite [--revisions 50000] [--direct]

``--direct`` times only the drawing service's CopyPublishedRevisions RPC (what the sync
engine calls), not the approval path around it.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

from sqlalchemy import and_

from bench.directory import Directory
from bench.drawing_data import (
    Shape,
    copies_in,
    load_revisions,
    raw_copy_figure,
    raw_copy_seconds,
    reader_engine,
    writer_engine,
)
from bench.measure import print_report, ratio_text, seconds_taken, service_peak_memory, wait_until
from bench.stack import BACKENDS, drawing_database_url, running_stack
from connectability.internal.v1 import drawing_internal_service_pb2 as drawing_internal_pb
from connectability.internal.v1 import (
    drawing_internal_service_pb2_grpc as drawing_internal_grpc,
)
from services.drawing.store.models import DrawingRevision
from tests.fixtures.stack import Stack

TARGET_RATIO = 5.0
COPY_TIMEOUT_SECONDS = 1800.0
# The sync state is asked this often: the resolution of the figure.
POLL_INTERVAL_SECONDS = 0.01


def copy_through_approval(directory: Directory, downstream: str, upstream: str) -> float:
    """Seconds from RequestConnection until the sync state says the initial copy is complete."""
    started = time.perf_counter()
    connection = directory.request_connection(downstream, upstream)
    complete = partial(directory.initial_copy_complete, connection.id)
    wait_until(complete, COPY_TIMEOUT_SECONDS, POLL_INTERVAL_SECONDS)
    return time.perf_counter() - started


def copy_directly(stack: Stack, directory: Directory, downstream: str, upstream: str) -> float:
    """Seconds one CopyPublishedRevisions call takes, as the connection service makes it."""
    drawing = drawing_internal_grpc.DrawingInternalServiceStub(stack.channel("drawing"))
    request = drawing_internal_pb.CopyPublishedRevisionsRequest(
        connection_id="bench-direct",
        upstream_project_id=upstream,
        downstream_project_id=downstream,
    )
    return seconds_taken(
        lambda: drawing.CopyPublishedRevisions(
            request, metadata=directory.service_auth, timeout=COPY_TIMEOUT_SECONDS
        )
    )


def run(backend: str, revisions: int, direct: bool) -> None:
    with running_stack(backend) as stack:
        directory = Directory(stack)
        upstream, downstream = directory.upstream_project(), directory.downstream_project()
        url = drawing_database_url(stack)
        writer, reader = writer_engine(url), reader_engine(url)
        load_seconds = seconds_taken(
            lambda: load_revisions(
                writer, upstream, revisions, "pub", published=True, shape=Shape()
            )
        )
        published_upstream = and_(
            DrawingRevision.project_id == upstream, DrawingRevision.status == "published"
        )
        raw_seconds, raw_rows = raw_copy_seconds(writer, published_upstream)
        if direct:
            copy_seconds = copy_directly(stack, directory, downstream, upstream)
        else:
            copy_seconds = copy_through_approval(directory, downstream, upstream)
        visible = copies_in(reader, [downstream])
        memory = service_peak_memory(stack)
    path = "CopyPublishedRevisions RPC" if direct else "request (auto-approved) to complete"
    print_report(
        f"initial copy of {revisions:,} published revisions, {backend}",
        [
            ("loaded with SQL in", f"{load_seconds:.1f} s (not measured)"),
            (f"copy: {path}", f"{copy_seconds:.2f} s"),
            ("copies visible downstream", f"{visible:,} of {revisions:,}"),
            raw_copy_figure(raw_seconds, raw_rows),
            ("ratio copy / raw", ratio_text(copy_seconds, raw_seconds, TARGET_RATIO)),
        ],
        memory,
    )
    if visible != revisions:
        raise SystemExit(f"expected {revisions:,} copies downstream, found {visible:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--revisions", type=int, default=50_000)
    parser.add_argument(
        "--direct", action="store_true", help="time CopyPublishedRevisions only (no approval)"
    )
    arguments = parser.parse_args()
    run(arguments.backend, arguments.revisions, arguments.direct)


if __name__ == "__main__":
    main()
