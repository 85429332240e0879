"""Read RPCs against the transport's limit: calls per second of a Get and a List of the
drawing and connection services, with 1 and with 8 callers, beside a bare grpcio echo
measured the same way in the same run.

The echo is grpcio alone (no interceptors, no token): the most any RPC can do here. The
reader is a person holding Drawings and Connection Manager read_only, every interceptor on,
the rate limiter included (its limit raised by setting; Redis-backed on PostgreSQL, as a
scaled-out deployment runs it).

    .venv/bin/python -m bench.read_rpcs [--backend sqlite postgresql] [--seconds 5] [--callers 1 8]

Both backends by default, one after the other, each with its own echo figures.

``--observability`` measures the cost of metrics and tracing instead: a plain stack beside
observed ones, each read measured on every stack in turn, in rounds (the order rotating, so
drift in the machine's load cancels out). ``--observe`` picks the observed stacks, one of
each: ``metrics`` (every service's /metrics served and scraped every ``--scrape-seconds``:
15 by default, as deploy/prometheus/prometheus.yml scrapes; 1 is the harsh case),
``tracing`` (every call traced, all spans exported over OTLP/gRPC to a collector in a
process of its own) and ``both``. The issue's bound: at most 10% fewer calls per second.

    .venv/bin/python -m bench.read_rpcs --backend sqlite --observability [--rounds 4]
        [--observe metrics tracing both] [--scrape-seconds 15]

``--against DIR`` measures a change the same way: the reads on a stack running the code in
DIR (another commit's files) and on one running this checkout's, alternately, with the ratio
of calls per second and of the services' CPU per call.

    git archive main | tar -x -C /tmp/main-code
    .venv/bin/python -m bench.read_rpcs --against /tmp/main-code --seconds 2 [--rounds 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from bench.directory import CALL_TIMEOUT_SECONDS, Directory, Person
from bench.drawing_data import Shape, load_revisions, writer_engine
from bench.measure import cpu_seconds, percentile, print_report, service_peak_memory
from bench.stack import BACKENDS, drawing_database_url, running_stack
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from shared.runtime.config import SERVICE_NAMES
from tests.fixtures.stack import Stack, free_port
from tests.integration.calls import eventually

ECHO_METHOD = "/bench.Echo/Echo"
# The same transport answering as many bytes as a page of revisions: a page's fair floor.
PAGE_ECHO_METHOD = "/bench.Echo/Page"
PAGE_READ = "ListDrawingRevisions (50)"
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


def bare_echo_server(worker_threads: int, page: bytes = b"") -> tuple[grpc.Server, int]:
    """grpcio and nothing else: bytes in, the same bytes out; or (``Page``) ``page`` out."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=worker_threads))
    handler = grpc.unary_unary_rpc_method_handler(lambda request, context: request)
    pager = grpc.unary_unary_rpc_method_handler(lambda request, context: page)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("bench.Echo", {"Echo": handler, "Page": pager}),)
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


def stack_env(backend: str) -> dict[str, str]:
    env = {"CONNECTABILITY_RATE_LIMIT_PER_HOUR": str(10**9)}
    if backend == "postgresql":
        env["CONNECTABILITY_REDIS_URL"] = REDIS_URL
        env["CONNECTABILITY_RATE_LIMIT_KEY_PREFIX"] = f"bench-read-{time.time_ns()}"
    return env


def run(backend: str, seconds: float, caller_counts: Sequence[int]) -> None:
    with running_stack(backend, stack_env(backend)) as stack:
        directory = Directory(stack)
        reads = prepare(directory, drawing_database_url(stack))
        calls = reads.calls()
        page = calls[PAGE_READ]().SerializeToString()  # type: ignore[attr-defined]
        server, port = bare_echo_server(worker_threads=max(caller_counts) * 2, page=page)
        pids = [service.process.pid for service in stack.processes]
        figures: list[tuple[str, str]] = []
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                echo = channel.unary_unary(ECHO_METHOD)
                page_echo = channel.unary_unary(PAGE_ECHO_METHOD)
                for callers in caller_counts:
                    baseline = drive(lambda: echo(b"\x0a\x04ping", timeout=5), callers, seconds)
                    figures.append((f"bare grpcio echo, {callers} caller(s)", baseline.describe()))
                    for name, call in calls.items():
                        cpu_before = cpu_seconds(pids)
                        measured = drive(call, callers, seconds)
                        # The services' CPU per call: what the machine's load hardly changes.
                        cpu = (cpu_seconds(pids) - cpu_before) / measured.calls
                        share = measured.per_second / baseline.per_second
                        verdict = (
                            "goal met"
                            if share >= TARGET_SHARE
                            else ("floor met" if share >= FLOOR_SHARE else "BELOW FLOOR")
                        )
                        figures.append(
                            (
                                f"  {name}, {callers} caller(s)",
                                f"{measured.describe()}  {share:5.0%} of echo ({verdict})  "
                                f"cpu {cpu * 1000:5.2f} ms/call",
                            )
                        )
                        if name == PAGE_READ:  # beside an echo answering as many bytes
                            sized = drive(lambda: page_echo(b"", timeout=5), callers, seconds)
                            figures.append(
                                (
                                    f"  echo answering {len(page):,} bytes, {callers} caller(s)",
                                    f"{sized.describe()}  the page: "
                                    f"{measured.per_second / sized.per_second:5.0%} of it",
                                )
                            )
        finally:
            server.stop(0)
        memory = service_peak_memory(stack)
    title = f"read RPCs beside a bare grpcio echo, {backend}, {seconds:g} s per figure"
    print_report(title, figures, memory)


class SpanSink(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC collector that counts the spans it receives, and keeps nothing."""

    def __init__(self, counted: Any) -> None:
        self._counted = counted

    def Export(  # noqa: N802 (the gRPC method's name)
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: object
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        received = sum(
            len(scope.spans) for spans in request.resource_spans for scope in spans.scope_spans
        )
        with self._counted.get_lock():
            self._counted.value += received
        return trace_service_pb2.ExportTraceServiceResponse()


def serve_span_sink(port: int, counted: Any) -> None:
    """The collector's own process (as a real one would be): never this one's CPU."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(SpanSink(counted), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


@contextmanager
def span_sink() -> Iterator[tuple[Any, int]]:
    """A collector process on a free port; yields (its span count, the port)."""
    context = multiprocessing.get_context("spawn")
    counted = context.Value("q", 0)
    port = free_port()
    process = context.Process(target=serve_span_sink, args=(port, counted), daemon=True)
    process.start()
    try:
        yield counted, port
    finally:
        process.terminate()
        process.join(5)


def scrape(port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        answer.read()


def cpu_per_scrape(ports: Sequence[int], pids: Sequence[int], scrapes: int = 100) -> float:
    """The services' CPU seconds per scrape of all their /metrics, scraped ``scrapes`` times
    in a row (a scraper polling as fast as it can)."""
    before = cpu_seconds(pids)
    for _ in range(scrapes):
        for port in ports:
            scrape(port)
    return (cpu_seconds(pids) - before) / scrapes


@contextmanager
def scraping(ports: Sequence[int], interval_seconds: float) -> Iterator[list[int]]:
    """Scrape each /metrics every ``interval_seconds`` meanwhile; yields the count of scrapes."""
    scrapes = [0]
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.wait(interval_seconds):
            for port in ports:
                scrape(port)
                scrapes[0] += 1

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield scrapes
    finally:
        stopping.set()
        thread.join()


# What each observed stack turns on, by the name --observe gives it.
OBSERVED = {"metrics": ("metrics",), "tracing": ("tracing",), "both": ("metrics", "tracing")}


def observed_env(
    backend: str, observe: str, otlp_port: int, metrics_ports: dict[str, int]
) -> dict[str, str]:
    env = stack_env(backend)
    if "tracing" in OBSERVED[observe]:
        env["CONNECTABILITY_OTLP_ENDPOINT"] = f"127.0.0.1:{otlp_port}"
        # Room for every span between exports: full tracing, none dropped for lack of it.
        env["OTEL_BSP_MAX_QUEUE_SIZE"] = "100000"
    if "metrics" in OBSERVED[observe]:
        env.update(
            {
                f"CONNECTABILITY_{name.upper()}_METRICS_PORT": str(port)
                for name, port in metrics_ports.items()
            }
        )
    return env


def idle_cpu_per_second(pids: dict[str, list[int]], seconds: float) -> dict[str, float]:
    """Each stack's CPU seconds per second while nobody calls it: the fixed cost (scrapes,
    exports, background workers)."""
    before = {mode: cpu_seconds(pids[mode]) for mode in pids}
    time.sleep(seconds)
    return {mode: (cpu_seconds(pids[mode]) - before[mode]) / seconds for mode in pids}


def combined(runs: Sequence[Throughput]) -> Throughput:
    return Throughput(
        sum(run.calls for run in runs),
        sum(run.seconds for run in runs),
        [latency for run in runs for latency in run.latencies],
    )


@dataclass(frozen=True)
class InTurn:
    """Each read measured on several stacks in turn: the figures, and for each read every
    other stack's calls/s and services' CPU per call as a share of the first stack's."""

    figures: list[tuple[str, str]]
    ratios: dict[str, list[float]]
    cpu_ratios: dict[str, list[float]]


def stack_pids(stacks: dict[str, Stack]) -> dict[str, list[int]]:
    return {
        mode: [service.process.pid for service in stack.processes] for mode, stack in stacks.items()
    }


def prepared_calls(stacks: dict[str, Stack]) -> dict[str, dict[str, Callable[[], object]]]:
    """Each stack's data and reader made, and its four reads ready to call."""
    return {
        mode: prepare(Directory(stack), drawing_database_url(stack)).calls()
        for mode, stack in stacks.items()
    }


def measure_in_turn(
    calls: dict[str, dict[str, Callable[[], object]]],
    pids: dict[str, list[int]],
    seconds: float,
    caller_counts: Sequence[int],
    rounds: int,
) -> InTurn:
    """Each read on every stack in turn, ``rounds`` times each, the order rotating every
    round (first-second, then second-first, ...) so drift in the machine's load cancels
    out; the first stack is the one the others are compared with."""
    modes = list(calls)
    reference, compared = modes[0], modes[1:]
    figures: list[tuple[str, str]] = []
    ratios: dict[str, list[float]] = {mode: [] for mode in compared}
    cpu_ratios: dict[str, list[float]] = {mode: [] for mode in compared}
    for callers in caller_counts:
        for name in calls[reference]:
            measured: dict[str, list[Throughput]] = {mode: [] for mode in modes}
            cpu_before = {mode: cpu_seconds(pids[mode]) for mode in modes}
            for round_index in range(rounds):
                shift = round_index % len(modes)
                for mode in modes[shift:] + modes[:shift]:
                    measured[mode].append(drive(calls[mode][name], callers, seconds))
            # The services' CPU per call, each stack's over the whole figure (its background
            # threads, an export thread, may run while another stack is driven): the load of
            # the machine slows every stack alike but does not add CPU to a call.
            cpu = {
                mode: (cpu_seconds(pids[mode]) - cpu_before[mode]) / combined(runs).calls
                for mode, runs in measured.items()
            }
            base = combined(measured[reference])
            figures.append(
                (
                    f"{name}, {callers} caller(s), {reference}",
                    f"{base.describe()}  cpu {cpu[reference] * 1000:5.2f} ms/call",
                )
            )
            for mode in compared:
                this = combined(measured[mode])
                ratios[mode].append(this.per_second / base.per_second)
                cpu_ratios[mode].append(cpu[mode] / cpu[reference])
                figures.append(
                    (
                        f"{name}, {callers} caller(s), {mode}",
                        f"{this.describe()}  cpu {cpu[mode] * 1000:5.2f} ms/call  "
                        f"{ratios[mode][-1]:5.0%} of {reference} calls/s, "
                        f"{cpu_ratios[mode][-1]:5.0%} of its cpu/call",
                    )
                )
    return InTurn(figures, ratios, cpu_ratios)


def peak_memory_of(stacks: dict[str, Stack]) -> dict[str, float]:
    return {
        f"{name} ({mode})": megabytes
        for mode, stack in stacks.items()
        for name, megabytes in service_peak_memory(stack).items()
    }


def run_observability(
    backend: str,
    seconds: float,
    caller_counts: Sequence[int],
    rounds: int,
    observe: Sequence[str],
    scrape_seconds: float,
) -> None:
    """Each read on a plain stack and on each observed one, in turn, ``rounds`` times each;
    the ratio of each observed stack's figures to the plain one's."""
    with ExitStack() as running:
        sink, otlp_port = running.enter_context(span_sink())
        stacks = {"plain": running.enter_context(running_stack(backend, stack_env(backend)))}
        scraped: dict[str, list[int]] = {}
        for mode in observe:
            metrics_ports: dict[str, int] = {name: free_port() for name in SERVICE_NAMES}
            env = observed_env(backend, mode, otlp_port, metrics_ports)
            stacks[mode] = running.enter_context(running_stack(backend, env))
            if "metrics" in OBSERVED[mode]:
                scraped[mode] = list(metrics_ports.values())
        calls = prepared_calls(stacks)
        pids = stack_pids(stacks)
        figures: list[tuple[str, str]] = []
        for mode, ports in scraped.items():
            figures.append(
                (
                    f"{mode}: cpu per scrape of the 3 services, 100 in a row",
                    f"{cpu_per_scrape(ports, pids[mode]) * 1000:.2f} ms",
                )
            )
        every_port = [port for ports in scraped.values() for port in ports]
        scrapes = running.enter_context(scraping(every_port, scrape_seconds))
        # Over at least one scrape interval, so the scrapes' share is in it.
        idle_seconds = max(5.0, scrape_seconds)
        idle = idle_cpu_per_second(pids, idle_seconds)
        figures.append(
            (
                f"idle cpu ms/s over {idle_seconds:g} s",
                ", ".join(f"{mode} {idle[mode] * 1000:.1f}" for mode in stacks),
            )
        )
        measured = measure_in_turn(calls, pids, seconds, caller_counts, rounds)
        figures += measured.figures
        ratios, cpu_ratios = measured.ratios, measured.cpu_ratios
        for mode in observe:
            worst = min(ratios[mode])
            verdict = "met" if worst >= 0.90 else "MISSED"
            figures.append(
                (
                    f"{mode}: worst share of plain calls/s",
                    f"{worst:.0%} (bound: at least 90%: {verdict})",
                )
            )
            figures.append(
                (
                    f"{mode}: services' cpu per call, of plain",
                    f"{min(cpu_ratios[mode]):.0%} to {max(cpu_ratios[mode]):.0%} "
                    f"(at most {1 / 0.9:.0%}: the bound's cost, load aside)",
                )
            )
        figures.append(
            (
                f"spans exported, scrapes made (every {scrape_seconds:g} s)",
                f"{sink.value}, {scrapes[0]}",
            )
        )
        memory = peak_memory_of(stacks)
    title = (
        f"read RPCs observed ({', '.join(observe)}) vs plain, {backend}, "
        f"{rounds} x {seconds:g} s per figure"
    )
    print_report(title, figures, memory)


def run_against(
    backend: str, seconds: float, caller_counts: Sequence[int], rounds: int, baseline: str
) -> None:
    """Each read on a stack running the code in ``baseline`` and on one running this
    checkout's, alternately; the ratio of the two. The baseline's services find its code
    first (``PYTHONSAFEPATH`` keeps the working directory off their path)."""
    baseline_env = {"PYTHONPATH": str(Path(baseline).resolve()), "PYTHONSAFEPATH": "1"}
    this_env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PYTHONSAFEPATH": "1"}
    with ExitStack() as running:
        stacks = {
            "baseline": running.enter_context(
                running_stack(backend, {**stack_env(backend), **baseline_env})
            ),
            "this": running.enter_context(
                running_stack(backend, {**stack_env(backend), **this_env})
            ),
        }
        measured = measure_in_turn(
            prepared_calls(stacks), stack_pids(stacks), seconds, caller_counts, rounds
        )
        memory = peak_memory_of(stacks)
    title = (
        f"read RPCs on this checkout vs {baseline}, {backend}, {rounds} x {seconds:g} s per figure"
    )
    print_report(title, measured.figures, memory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, nargs="+", default=list(BACKENDS))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--callers", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--observability",
        action="store_true",
        help="measure each read with metrics and full tracing on against off",
    )
    parser.add_argument(
        "--against",
        metavar="DIR",
        help="measure each read on this checkout against the code in DIR (another commit's "
        "files, e.g. `git archive main | tar -x -C DIR`), alternately",
    )
    parser.add_argument("--rounds", type=int, default=4, help="with --observability or --against")
    parser.add_argument(
        "--observe",
        choices=list(OBSERVED),
        nargs="+",
        default=["both"],
        help="with --observability: the observed stacks, each beside the plain one",
    )
    parser.add_argument(
        "--scrape-seconds",
        type=float,
        default=15.0,
        help="with --observability: how often /metrics is scraped (Prometheus's config: 15)",
    )
    arguments = parser.parse_args()
    for backend in arguments.backend:
        if arguments.observability:
            run_observability(
                backend,
                arguments.seconds,
                arguments.callers,
                arguments.rounds,
                arguments.observe,
                arguments.scrape_seconds,
            )
        elif arguments.against:
            run_against(
                backend, arguments.seconds, arguments.callers, arguments.rounds, arguments.against
            )
        else:
            run(backend, arguments.seconds, arguments.callers)


if __name__ == "__main__":
    main()
