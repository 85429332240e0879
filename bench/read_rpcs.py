"""Read RPCs against the transport's limit: calls per second of a Get and a List of the
drawing and connection services, with 1 and with 8 callers, beside a bare grpcio echo
measured the same way in the same run.

The echo is grpcio alone (no interceptors, no token): the most any RPC can do here. The
reader is a person holding Drawings and Connection Manager read_only, every interceptor on,
the rate limiter included (its limit raised by setting; Redis-backed on PostgreSQL, as a
scaled-out deployment runs it).

    .venv/bin/python -m bench.read_rpcs [--backend sqlite postgresql] [--seconds 5] [--callers 1 8]

Both backends by default, one after the other, each with its own echo figures.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass

import grpc

from bench.directory import CALL_TIMEOUT_SECONDS, Directory, Person
from bench.drawing_data import Shape, load_revisions, writer_engine
from bench.measure import percentile, print_report, service_peak_memory
from bench.stack import BACKENDS, drawing_database_url, running_stack
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from tests.integration.calls import eventually

ECHO_METHOD = "/bench.Echo/Echo"
# The floor the issue sets: each read at least this share of the echo's calls per second.
TARGET_SHARE, FLOOR_SHARE = 0.50, 0.30
REDIS_URL = "redis://127.0.0.1:6379/0"
PUBLISHED_REVISIONS = 1_000


@dataclass(frozen=True)
class Throughput:
    calls: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    def describe(self) -> str:
        p50, p99 = percentile(self.latencies, 0.5), percentile(self.latencies, 0.99)
        return f"{self.per_second:7.0f} calls/s  p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"


def drive(call: Callable[[], object], callers: int, seconds: float) -> Throughput:
    """``callers`` threads each calling in a loop for ``seconds`` (after a short warm-up)."""
    for _ in range(20):
        call()
    latencies: list[list[float]] = [[] for _ in range(callers)]
    start = threading.Barrier(callers + 1)
    stop_at: list[float] = []

    def loop(mine: list[float]) -> None:
        start.wait()
        while time.perf_counter() < stop_at[0]:
            began = time.perf_counter()
            call()
            mine.append(time.perf_counter() - began)

    threads = [threading.Thread(target=loop, args=(mine,)) for mine in latencies]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at.append(began + seconds)
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [latency for mine in latencies for latency in mine]
    return Throughput(len(flat), elapsed, flat)


def bare_echo_server(worker_threads: int) -> tuple[grpc.Server, int]:
    """grpcio and nothing else: bytes in, the same bytes out."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=worker_threads))
    handler = grpc.unary_unary_rpc_method_handler(lambda request, context: request)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("bench.Echo", {"Echo": handler}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


@dataclass(frozen=True)
class Reads:
    """The four reads, as one person calls them."""

    directory: Directory
    reader: Person
    project_id: str
    revision_id: str
    connection_id: str

    def calls(self) -> dict[str, Callable[[], object]]:
        drawing, connection = self.directory.drawing, self.directory.platform.connection
        auth, timeout = self.reader.auth, CALL_TIMEOUT_SECONDS
        get_revision = drawing_pb.GetDrawingRevisionRequest(revision_id=self.revision_id)
        list_revisions = drawing_pb.ListDrawingRevisionsRequest(
            project_id=self.project_id, page_size=50
        )
        get_connection = pb.GetConnectionRequest(connection_id=self.connection_id)
        list_connections = pb.ListConnectionsRequest(project_id=self.project_id, page_size=50)
        return {
            "GetDrawingRevision": lambda: drawing.GetDrawingRevision(
                get_revision, metadata=auth, timeout=timeout
            ),
            "ListDrawingRevisions (50)": lambda: drawing.ListDrawingRevisions(
                list_revisions, metadata=auth, timeout=timeout
            ),
            "GetConnection": lambda: connection.GetConnection(
                get_connection, metadata=auth, timeout=timeout
            ),
            "ListConnections": lambda: connection.ListConnections(
                list_connections, metadata=auth, timeout=timeout
            ),
        }


def prepare(directory: Directory, drawing_url: str) -> Reads:
    upstream = directory.upstream_project()
    batch = load_revisions(
        writer_engine(drawing_url),
        upstream,
        PUBLISHED_REVISIONS,
        "read",
        published=True,
        shape=Shape(),
    )
    connection_id = next(iter(directory.connect_downstreams(upstream, 1).values()))
    platform = directory.platform
    person = platform.user(directory.upstream_company.id)
    manager_grant = pb.SetConnectionManagerPermissionRequest(
        project_id=upstream, user_id=person.id, level=common_pb2.PERMISSION_LEVEL_READ_ONLY
    )
    platform.connection.SetConnectionManagerPermission(
        manager_grant, metadata=platform.auth, timeout=CALL_TIMEOUT_SECONDS
    )
    drawings_grant = drawing_pb.SetDrawingsPermissionRequest(
        project_id=upstream, user_id=person.id, level=common_pb2.PERMISSION_LEVEL_READ_ONLY
    )
    eventually(
        lambda: platform.drawing.SetDrawingsPermission(
            drawings_grant, metadata=platform.auth, timeout=CALL_TIMEOUT_SECONDS
        )
    )
    token = platform.stack.keys.user_token(person.id, directory.upstream_company.id)
    return Reads(
        directory, Person(person.id, token), upstream, batch.revision_ids[0], connection_id
    )


def run(backend: str, seconds: float, caller_counts: Sequence[int]) -> None:
    env = {"CONNECTABILITY_RATE_LIMIT_PER_HOUR": str(10**9)}
    if backend == "postgresql":
        env["CONNECTABILITY_REDIS_URL"] = REDIS_URL
        env["CONNECTABILITY_RATE_LIMIT_KEY_PREFIX"] = f"bench-read-{time.time_ns()}"
    with running_stack(backend, env) as stack:
        directory = Directory(stack)
        reads = prepare(directory, drawing_database_url(stack))
        server, port = bare_echo_server(worker_threads=max(caller_counts) * 2)
        figures: list[tuple[str, str]] = []
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                echo = channel.unary_unary(ECHO_METHOD)
                for callers in caller_counts:
                    baseline = drive(lambda: echo(b"\x0a\x04ping", timeout=5), callers, seconds)
                    figures.append((f"bare grpcio echo, {callers} caller(s)", baseline.describe()))
                    for name, call in reads.calls().items():
                        measured = drive(call, callers, seconds)
                        share = measured.per_second / baseline.per_second
                        verdict = (
                            "goal met"
                            if share >= TARGET_SHARE
                            else ("floor met" if share >= FLOOR_SHARE else "BELOW FLOOR")
                        )
                        figures.append(
                            (
                                f"  {name}, {callers} caller(s)",
                                f"{measured.describe()}  {share:5.0%} of echo ({verdict})",
                            )
                        )
        finally:
            server.stop(0)
        memory = service_peak_memory(stack)
    title = f"read RPCs beside a bare grpcio echo, {backend}, {seconds:g} s per figure"
    print_report(title, figures, memory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, nargs="+", default=list(BACKENDS))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--callers", type=int, nargs="+", default=[1, 8])
    arguments = parser.parse_args()
    for backend in arguments.backend:
        run(backend, arguments.seconds, arguments.callers)


if __name__ == "__main__":
    main()
