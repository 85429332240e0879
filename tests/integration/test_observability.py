"""What an operator sees of one approval on a real stack: the state gauges on each service's
/metrics move, one trace spans the three services (an OTLP collector inside the test
receives it), and the log tells the story in domain events.

The stack is this module's own (three processes on SQLite, started once): metrics ports
set, spans exported to the in-test collector, text logs at INFO written to a file, mail
through an SMTP server that refuses the first message for good.
"""

from __future__ import annotations

import os
import re
import tempfile
import urllib.request
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from connectability.v1 import connection_service_pb2 as pb
from services.supervisor import start_services, stop_services, wait_until_serving
from shared.runtime.config import SERVICE_NAMES, Settings
from tests.fixtures.identity import make_test_keys
from tests.fixtures.stack import Stack, free_port, stack_environment
from tests.integration.calls import bearer, eventually, refusal
from tests.integration.sync_setup import SyncPair, make_sync_pair
from tests.integration.test_directory import Platform
from tests.notification.conftest import ScriptedHandler, SmtpServer

REFUSAL = "550 5.1.1 Mailbox unavailable"
RATE_LIMIT = 60  # calls per user and hour on this stack: the journey's users stay below it
APPROVE = "/connectability.v1.ConnectionService/ApproveConnection"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass
class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace receiver: keeps (service, trace id, span name) of every span."""

    spans: list[tuple[str, str, str]] = field(default_factory=list)

    def Export(  # noqa: N802 (the gRPC method's name)
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        for resource_spans in request.resource_spans:
            service = next(
                attribute.value.string_value
                for attribute in resource_spans.resource.attributes
                if attribute.key == "service.name"
            )
            for scope in resource_spans.scope_spans:
                self.spans += [(service, span.trace_id.hex(), span.name) for span in scope.spans]
        return trace_service_pb2.ExportTraceServiceResponse()


@dataclass
class Observed:
    stack: Stack
    platform: Platform
    collector: Collector
    log_file: Path
    metrics_ports: dict[str, int]
    smtp: SmtpServer

    def scrape(self, service: str) -> Samples:
        url = f"http://127.0.0.1:{self.metrics_ports[service]}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            text = answer.read().decode()
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def gauge(self, service: str, name: str, **labels: str) -> float:
        key = (name, tuple(sorted({"service": service, **labels}.items())))
        return self.scrape(service).get(key, 0.0)

    def log_lines(self) -> list[str]:
        return self.log_file.read_text(errors="replace").splitlines()


@pytest.fixture(scope="module")
def observed() -> Iterator[Observed]:
    data_dir = Path(tempfile.mkdtemp(prefix="observed-"))
    keys = make_test_keys(data_dir / "test-keys")
    collector = Collector()
    receiver = grpc.server(futures.ThreadPoolExecutor(4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, receiver)
    otlp_port = receiver.add_insecure_port("127.0.0.1:0")
    receiver.start()
    smtp = SmtpServer(free_port(), ScriptedHandler(replies=[REFUSAL]))
    smtp.start()
    metrics_ports = {name: free_port() for name in SERVICE_NAMES}
    env = stack_environment("sqlite", keys, data_dir)
    env.update(
        {
            f"CONNECTABILITY_{name.upper()}_METRICS_PORT": str(port)
            for name, port in metrics_ports.items()
        }
    )
    env.update(
        {
            "CONNECTABILITY_OTLP_ENDPOINT": f"127.0.0.1:{otlp_port}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",  # export spans within 0.1 s, not 5 s
            "CONNECTABILITY_LOG_LEVEL": "INFO",
            "CONNECTABILITY_LOG_FORMAT": "text",
            "CONNECTABILITY_SMTP_HOST": "127.0.0.1",
            "CONNECTABILITY_SMTP_PORT": str(smtp.port),
            "CONNECTABILITY_RATE_LIMIT_PER_HOUR": str(RATE_LIMIT),
            "GRPC_VERBOSITY": "ERROR",
        }
    )
    ports = {
        f"{name}_port": int(env[f"CONNECTABILITY_{name.upper()}_PORT"]) for name in SERVICE_NAMES
    }
    log_file = data_dir / "services.log"
    # The services log to stderr: theirs is this file (inherited at start).
    saved_stderr = os.dup(2)
    with log_file.open("wb") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            processes = start_services(Settings(data_dir=data_dir, **ports), env=env)
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
    stack = Stack("sqlite", keys, data_dir, env, processes)
    try:
        wait_until_serving(processes, timeout_seconds=60)
        yield Observed(stack, Platform(stack), collector, log_file, metrics_ports, smtp)
    finally:
        stack.close()
        stop_services(processes, grace_seconds=2)
        receiver.stop(0)
        smtp.stop()


@dataclass
class Journey:
    """One approval and what came of it: a copy downstream and the mails."""

    synced: SyncPair
    connection_id: str
    before: dict[str, Samples]


@pytest.fixture(scope="module")
def journey(observed: Observed) -> Journey:
    before = {name: observed.scrape(name) for name in SERVICE_NAMES}
    synced = make_sync_pair(observed.platform)
    pair = synced.pair
    connection = observed.platform.connection
    # Reviewed by the upstream, so the approval is a call of its own (one trace).
    connection.UpdateCompany(
        pb.UpdateCompanyRequest(
            company=pb.Company(
                id=pair.upstream.company_id,
                approval_preference=pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED,
            ),
            update_mask=FieldMask(paths=["approval_preference"]),
        ),
        metadata=observed.platform.auth,
        timeout=10,
    )
    for project_id, token in (
        (pair.downstream.id, pair.down_admin),
        (pair.upstream.id, pair.up_admin),
    ):
        eventually(
            lambda project_id=project_id, token=token: connection.UpdateDistributionList(
                pb.UpdateDistributionListRequest(
                    project_id=project_id, emails=[f"list-{project_id}@example.com"]
                ),
                metadata=bearer(token),
                timeout=10,
            )
        )
    synced.publish("A")
    requested = pair.request().connection
    assert requested.state == pb.CONNECTION_STATE_PENDING
    connection.ApproveConnection(
        pb.ApproveConnectionRequest(connection_id=requested.id),
        metadata=bearer(pair.up_admin),
        timeout=15,
    )
    synced.connection_id = requested.id
    synced.copies_of(1)
    return Journey(synced, requested.id, before)


def moved(observed: Observed, journey: Journey, service: str, name: str, **labels: str) -> float:
    key = (name, tuple(sorted({"service": service, **labels}.items())))
    return observed.gauge(service, name, **labels) - journey.before[service].get(key, 0.0)


def test_the_state_gauges_move_with_an_approval(observed: Observed, journey: Journey) -> None:
    def settled() -> None:
        assert (
            moved(observed, journey, "connection", "connectability_connections", state="active")
            == 1
        )
        assert (
            moved(
                observed,
                journey,
                "connection",
                "connectability_connections_by_initial_copy_state",
                initial_copy_state="complete",
            )
            == 1
        )
        # Every notice reached the notification service; one mail was refused for good.
        assert observed.gauge("connection", "connectability_outbox_pending", outbox="notices") == 0
        assert (
            moved(observed, journey, "notification", "connectability_deliveries", status="failed")
            == 1
        )
        assert (
            moved(observed, journey, "notification", "connectability_deliveries", status="sent")
            >= 2
        )
        assert (
            moved(
                observed,
                journey,
                "drawing",
                "connectability_drawing_uploads",
                status="ready_for_review",
            )
            == 1
        )

    eventually(settled, timeout_seconds=20)
    caught_up = {
        name: observed.gauge("connection", name, connection_state="active")
        for name in (
            "connectability_sync_lag_seconds",
            "connectability_sync_changes_pending",
            "connectability_syncs_failing",
        )
    }
    assert caught_up == dict.fromkeys(caught_up, 0.0)
    assert observed.gauge("connection", "connectability_initial_copies_running") == 0


def test_rate_limit_refusals_are_counted(observed: Observed) -> None:
    company = observed.platform.company()
    user = observed.platform.user(company.id)
    token = observed.stack.keys.user_token(user.id, company.id)
    request = pb.GetCompanyRequest(company_id=company.id)
    counted = {"method": "/connectability.v1.ConnectionService/GetCompany", "caller": "user"}
    before = observed.gauge("connection", "connectability_rate_limit_refusals_total", **counted)
    for _ in range(RATE_LIMIT):
        observed.platform.connection.GetCompany(request, metadata=bearer(token), timeout=5)
    for _ in range(2):
        assert refusal(observed.platform.connection.GetCompany, request, token)[0] == (
            "RESOURCE_EXHAUSTED"
        )
    after = observed.gauge("connection", "connectability_rate_limit_refusals_total", **counted)
    assert after - before == 2


def test_an_approval_is_one_trace_across_the_three_services(
    observed: Observed, journey: Journey
) -> None:
    def traced() -> set[str]:
        approvals = [trace for _, trace, name in observed.collector.spans if name == APPROVE]
        assert len(approvals) == 1
        in_trace = {(s, n) for s, t, n in observed.collector.spans if t == approvals[0]}
        names = {name for _, name in in_trace}
        # The initial copy and the notices' delivery ran later, in workers: still this trace.
        assert "/connectability.internal.v1.DrawingInternalService/CopyPublishedRevisions" in names
        assert "/connectability.internal.v1.NotificationInternalService/Notify" in names
        return {service for service, _ in in_trace}

    services = eventually(traced, timeout_seconds=20)
    assert services == {
        "connectability-connection",
        "connectability-drawing",
        "connectability-notification",
    }


def test_the_log_tells_what_happened(observed: Observed, journey: Journey) -> None:
    connection_id = journey.connection_id
    missing = pb.GetConnectionRequest(connection_id="no-such-connection")
    assert refusal(
        observed.platform.connection.GetConnection, missing, journey.synced.pair.down_admin
    ) == ("NOT_FOUND", "CONNECTION_NOT_FOUND")

    def told() -> list[str]:
        lines = observed.log_lines()
        about = [line for line in lines if f"connection_id={connection_id}" in line]
        events = [re.sub(r"^.* INFO \w+ [\w.]+: ([a-z ]+?) \w+=.*$", r"\1", line) for line in about]
        for event in (
            "connection requested",
            "connection approved",
            "initial copy started",
            "initial copy finished",
            "mail sent",
            "mail failed",
        ):
            assert event in events, (event, about)
        return lines

    lines = eventually(told, timeout_seconds=20)
    finished = next(
        line for line in lines if "initial copy finished" in line and connection_id in line
    )
    assert "revisions_copied=1" in finished and "duration_seconds=" in finished
    failed = next(line for line in lines if "mail failed" in line and connection_id in line)
    assert "550" in failed  # the mail server's refusal is the reason
    refused = [line for line in lines if "GetConnection" in line and "code=NOT_FOUND" in line]
    assert refused and "reason=CONNECTION_NOT_FOUND" in refused[-1]
    # The services poll each other's feeds all day: never at INFO.
    assert not [line for line in lines if " INFO " in line and "ListProjectChanges" in line]
