"""`connectability demo` walks the whole journey against running services, and the operator
commands (`connections`, `sync`, `deliveries`) show what it left, with a user's token; a
delivery the mail server refused is requeued and sent.

The demo runs once, as the real command in its own process, against the session's stack
(SQLite: the journey is the same on PostgreSQL, which the other integration tests cover);
the commands then run in this process through click, calling the same services.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import pytest
from click.testing import CliRunner, Result

from connectability.v1 import connection_service_pb2 as pb
from services.cli import main
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually
from tests.integration.test_notification_deliveries import ADMIN, mailing_stack
from tests.integration.test_serve_command import cli
from tests.notification.conftest import SmtpServer
from tests.security.integrator_setup import Directory

# Wide enough that no table folds an id.
COLUMNS = "250"
__all__ = ["mailing_stack"]  # the fixture: connection and notification mailing to real SMTP


@dataclass
class DemoRun:
    output: str
    connection_id: str
    user_id: str
    company_id: str
    site_project_id: str


@pytest.fixture(scope="module")
def demo_run(stack: Stack) -> DemoRun:
    env = {**stack.env, "COLUMNS": "80"}  # a terminal of its own width: lines stay whole
    finished = subprocess.run(
        cli("demo"), env=env, capture_output=True, text=True, timeout=120, check=False
    )
    output = finished.stdout
    assert finished.returncode == 0, output + finished.stderr
    user = re.search(r"token --user (\S+) --company (\S+)\)", output)
    connection = re.search(r"connections show (\S+)", output)
    site = re.search(r"deliveries list --project (\S+)", output)
    assert user and connection and site, output
    return DemoRun(output, connection[1], user[1], user[2], site[1])


def run(stack: Stack, token: str, *args: str) -> Result:
    env = {**stack.env, "COLUMNS": COLUMNS, "CONNECTABILITY_TOKEN": token}
    return CliRunner(env=env).invoke(main, list(args))


@pytest.fixture(scope="module")
def ben(stack: Stack, demo_run: DemoRun) -> str:
    return stack.keys.user_token(demo_run.user_id, demo_run.company_id)


pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


def test_the_demo_prints_each_step_of_the_journey(demo_run: DemoRun) -> None:
    output = demo_run.output
    steps = re.findall(r"^(\d)\. ", output, flags=re.MULTILINE)
    assert steps == ["1", "2", "3", "4", "5", "6", "7", "8"], output
    assert "POST http" in output and "-> 204" in output  # the seed-002 upload
    assert "READY_FOR_REVIEW" in output
    assert f"connection {demo_run.connection_id}: pending" in output
    assert f"connection {demo_run.connection_id}: active" in output
    assert "1/1" in output  # the initial copy's progress bar, complete
    assert "copied from" in output
    # A revision published after the copy follows by the sync.
    assert re.search(r"in the site project after [\d.]+ s: A-101\.pdf revision 2 ", output), output
    for subject in (
        "Connection request from Riverside Tower – Site",
        "Initial copy from Riverside Tower – Design (Hartmann Architects) is complete",
    ):
        assert subject in output
    # Each mail names the connection and links to it (CONNECTABILITY_WEB_BASE_URL).
    assert f"Connection {demo_run.connection_id}: http://127.0.0.1:8080/projects/" in output


def test_connections_list_and_show(stack: Stack, demo_run: DemoRun, ben: str) -> None:
    listed = run(stack, ben, "connections", "list", "--project", demo_run.site_project_id)
    shown = run(stack, ben, "connections", "show", demo_run.connection_id)

    assert listed.exit_code == 0, listed.output
    [row] = [line for line in listed.output.splitlines() if demo_run.connection_id in line]
    assert "active" in row and demo_run.site_project_id in row
    assert shown.exit_code == 0, shown.output
    assert re.search(r"state\s+│ active", shown.output), shown.output
    assert re.search(r"initial copy\s+│ complete", shown.output), shown.output
    # The initial copy's revision, then revision 2 by the sync.
    assert re.search(r"revisions copied\s+│ 2 ", shown.output), shown.output


def test_sync_list_show_and_watch(stack: Stack, demo_run: DemoRun, ben: str) -> None:
    listed = run(stack, ben, "sync", "list", "--project", demo_run.site_project_id)
    watched = run(stack, ben, "sync", "watch", demo_run.connection_id)

    assert listed.exit_code == 0, listed.output
    [row] = [line for line in listed.output.splitlines() if demo_run.connection_id in line]
    assert re.search(r"active\s+│ complete\s+│ 2\s+│ 0 ", row), row
    assert watched.exit_code == 0, watched.output
    assert "1/1" in watched.output
    assert "initial copy complete: 1 of 1" in watched.output


def test_deliveries_list_show_and_requeue(stack: Stack, demo_run: DemoRun, ben: str) -> None:
    project = ("--project", demo_run.site_project_id)
    listed = run(stack, ben, "deliveries", "list", *project)
    assert listed.exit_code == 0, listed.output
    message_ids = re.findall(r"<[0-9a-f]+@[^>]+>", listed.output)
    assert len(message_ids) == 2 and "sent" in listed.output, listed.output
    assert "sent" not in run(stack, ben, "deliveries", "list", "--failed", *project).output

    shown = run(stack, ben, "deliveries", "show", *project, message_ids[0])
    refused = run(stack, ben, "deliveries", "requeue", *project, message_ids[0])
    requeued = run(stack, ben, "deliveries", "requeue", "--any-status", *project, message_ids[0])

    assert shown.exit_code == 0 and re.search(r"status\s+│ sent", shown.output), shown.output
    assert refused.exit_code == 1 and "is sent, not failed" in refused.output
    assert requeued.exit_code == 0, requeued.output
    assert re.search(r"status\s+│ queued", requeued.output), requeued.output


def test_a_refusal_names_its_code_and_reason(stack: Stack, ben: str) -> None:
    unknown = run(stack, ben, "connections", "show", "no-such-connection")
    forged = run(stack, "not-a-token", "sync", "show", "no-such-connection")

    assert unknown.exit_code == 1
    assert "Error: NOT_FOUND CONNECTION_NOT_FOUND" in unknown.output
    assert forged.exit_code == 1 and "UNAUTHENTICATED TOKEN_MALFORMED" in forged.output


def test_no_token_says_how_to_get_one(stack: Stack) -> None:
    env: dict[str, str | None] = {**stack.env, "CONNECTABILITY_TOKEN": None}
    answer = CliRunner(env=env).invoke(main, ["connections", "show", "c1"])

    assert answer.exit_code == 2 and "--token" in answer.output


def test_a_failed_delivery_is_listed_and_requeued_until_sent(
    mailing_stack: tuple[Stack, SmtpServer],
) -> None:
    """The mail server refuses the first message for good; the operator requeues it."""
    stack, smtp = mailing_stack
    directory = Directory(stack)
    company = directory.company(approval_preference=pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED)
    upstream = directory.project_known_below(company.id)
    downstream = directory.project_known_below(company.id)
    admin = directory.user(company.id, admin=True)
    for project in (upstream, downstream):
        directory.grant(project.id, admin.id, ADMIN, manager=ADMIN)
    token = stack.keys.user_token(admin.id, company.id)
    connection = directory.connection
    connection.UpdateDistributionList(
        pb.UpdateDistributionListRequest(project_id=upstream.id, emails=["ops@example.com"]),
        metadata=bearer(token),
        timeout=10,
    )
    connection.RequestConnection(
        pb.RequestConnectionRequest(
            downstream_project_id=downstream.id, upstream_project_id=upstream.id
        ),
        metadata=bearer(token),
        timeout=15,
    )
    project = ("--project", upstream.id)

    def failed_listed() -> str:
        listed = run(stack, token, "deliveries", "list", "--failed", *project)
        assert listed.exit_code == 0 and "failed" in listed.output, listed.output
        return listed.output

    listed = eventually(failed_listed, timeout_seconds=20)
    [message_id] = re.findall(r"<[0-9a-f]+@[^>]+>", listed)
    assert "ops@example.com" in listed and "550" in listed

    requeued = run(stack, token, "deliveries", "requeue", *project, message_id)

    assert requeued.exit_code == 0, requeued.output
    assert re.search(r"status\s+│ queued", requeued.output), requeued.output

    def sent_shown() -> None:
        shown = run(stack, token, "deliveries", "show", *project, message_id)
        assert re.search(r"status\s+│ sent", shown.output), shown.output
        assert re.search(r"attempts\s+│ 2 ", shown.output), shown.output

    eventually(sent_shown, timeout_seconds=20)
    assert [str(m["Message-ID"]) for m in smtp.handler.received] == [message_id]
