"""The rules not covered elsewhere, refused through the services with their reason code and
changing nothing: R7 and R8 (settings), R10 (chains) and R11 (GovCloud)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from connectability.internal.v1 import notification_internal_service_pb2 as notification_pb
from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as drawing_pb
from connectability.v1 import drawing_service_pb2_grpc as drawing_grpc
from services.supervisor import start_services, stop_services, wait_until_serving
from shared.facts.errors import error_info_of
from shared.runtime.config import SERVICE_NAMES, Settings
from tests.fixtures.identity import make_test_keys
from tests.fixtures.stack import Stack, stack_environment, stack_of_its_own
from tests.integration.calls import bearer, eventually, refusal
from tests.integration.test_connections import Pair, grant, make_pair
from tests.integration.test_direct_uploads import a_pdf, import_files, import_request, upload_file
from tests.integration.test_directory import Platform
from tests.integration.test_drawings_catalog import Project, make_area_set_drawing


def nothing_connected(platform: Platform, pair: Pair) -> None:
    listed = platform.connection.ListConnections(
        pb.ListConnectionsRequest(project_id=pair.downstream.id),
        metadata=bearer(pair.down_admin),
        timeout=10,
    ).connections
    assert list(listed) == []


def request(platform: Platform, pair: Pair) -> tuple[str, str]:
    return refusal(
        platform.connection.RequestConnection,
        pb.RequestConnectionRequest(
            downstream_project_id=pair.downstream.id, upstream_project_id=pair.upstream.id
        ),
        pair.down_admin,
    )


@pytest.fixture(scope="module")
def strict_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The services with the beta rules: 1 revision at most, different companies only."""
    with stack_of_its_own(
        tmp_path_factory.mktemp("strict"),
        revision_limit="1",
        same_company_connections_allowed="false",
    ) as running:
        yield running


def test_the_revision_limit_refuses_a_project_over_it(strict_stack: Stack) -> None:
    platform = Platform(strict_stack)
    pair = make_pair(platform)
    uploader = platform.user(pair.upstream.company_id)
    drawing = drawing_grpc.DrawingServiceStub(strict_stack.channel("drawing"))
    drawing.SetDrawingsPermission(
        drawing_pb.SetDrawingsPermissionRequest(
            project_id=pair.upstream.id,
            user_id=uploader.id,
            level=common_pb2.PERMISSION_LEVEL_ADMIN,
        ),
        metadata=platform.auth,
        timeout=10,
    )
    token = strict_stack.keys.user_token(uploader.id, pair.upstream.company_id)
    upstream = Project(
        pair.upstream.id, pair.upstream.company_id, {"admin": token, "standard": token}
    )
    area, drawing_set, sheet = make_area_set_drawing(drawing, upstream)
    uploads = [upload_file(drawing, upstream, a_pdf(str(n))) for n in range(2)]
    import_files(
        drawing,
        import_request(upstream, area.id, drawing_set.id, sheet.id, *uploads),
        bearer(token),
    )
    assert request(platform, pair) == ("FAILED_PRECONDITION", "REVISION_LIMIT_EXCEEDED")
    nothing_connected(platform, pair)


def test_the_beta_rule_refuses_projects_of_one_company(strict_stack: Stack) -> None:
    platform = Platform(strict_stack)
    pair = make_pair(platform)
    sibling = platform.project(pair.downstream.company_id, name="Sibling")
    grant(platform, sibling.id, pair.down_admin_id, cm=False, drawings=True)
    same_company = Pair(
        platform, pair.downstream, sibling, pair.down_admin, pair.up_admin, pair.down_admin_id
    )
    assert request(platform, same_company) == ("FAILED_PRECONDITION", "SAME_COMPANY_NOT_ALLOWED")
    nothing_connected(platform, pair)


def test_a_chain_is_refused(stack: Stack) -> None:
    platform = Platform(stack)
    a_to_b = make_pair(platform, preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
    assert a_to_b.request().connection.state == pb.CONNECTION_STATE_ACTIVE
    c = make_pair(platform)
    grant(platform, a_to_b.downstream.id, c.down_admin_id, cm=False, drawings=True)
    c_to_a = Pair(platform, c.downstream, a_to_b.downstream, c.down_admin, "", c.down_admin_id)
    assert request(platform, c_to_a) == ("FAILED_PRECONDITION", "CHAINED_CONNECTION")
    nothing_connected(platform, c)


def test_a_project_connecting_to_itself_is_refused_by_rule_r8(stack: Stack) -> None:
    platform = Platform(stack)
    pair = make_pair(platform)
    itself = pb.RequestConnectionRequest(
        downstream_project_id=pair.downstream.id, upstream_project_id=pair.downstream.id
    )
    with pytest.raises(grpc.RpcError) as caught:
        platform.connection.RequestConnection(itself, metadata=bearer(pair.down_admin), timeout=10)
    info = error_info_of(caught.value)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert info is not None and (info.reason, dict(info.metadata)) == (
        "SAME_PROJECT",
        {"rule": "R8"},
    )
    itself.validate_only = True
    preview = platform.connection.RequestConnection(
        itself, metadata=bearer(pair.down_admin), timeout=10
    )
    assert [(v.rule, v.reason) for v in preview.verdicts if not v.passed] == [
        ("R8", "SAME_PROJECT")
    ]
    nothing_connected(platform, pair)


def test_govcloud_accounts_cannot_connect(stack: Stack) -> None:
    platform = Platform(stack)
    pair = make_pair(platform)
    gov = platform.connection.CreateCompany(
        pb.CreateCompanyRequest(
            company=pb.Company(name="Agency", file_storage_location="us", govcloud=True)
        ),
        metadata=platform.auth,
        timeout=10,
    ).company
    gov_project = platform.project(gov.id)
    eventually(lambda: grant(platform, gov_project.id, pair.down_admin_id, cm=False, drawings=True))
    to_gov = Pair(platform, pair.downstream, gov_project, pair.down_admin, "", pair.down_admin_id)
    assert request(platform, to_gov) == ("FAILED_PRECONDITION", "GOVCLOUD_NOT_SUPPORTED")
    nothing_connected(platform, pair)


def test_notices_wait_for_a_notification_service_that_is_down(tmp_path: Path) -> None:
    keys = make_test_keys(tmp_path / "keys")
    env = stack_environment("sqlite", keys, tmp_path)
    ports = {n: int(env[f"CONNECTABILITY_{n.upper()}_PORT"]) for n in SERVICE_NAMES}
    settings = Settings(data_dir=tmp_path, **{f"{n}_port": p for n, p in ports.items()})
    processes = start_services(settings, env=env)
    stack = Stack("sqlite", keys, tmp_path, env, processes)
    try:
        wait_until_serving(processes, timeout_seconds=60)
        platform = Platform(stack)
        pair = make_pair(platform, preference=pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
        platform.connection.UpdateDistributionList(
            pb.UpdateDistributionListRequest(
                project_id=pair.upstream.id, emails=["up@example.com"]
            ),
            metadata=bearer(pair.up_admin),
            timeout=15,
        )
        notification = [p for p in processes if p.name == "notification"]
        stop_services(notification, grace_seconds=2)

        connected = pair.request().connection  # the notice waits in the outbox
        assert connected.state == pb.CONNECTION_STATE_ACTIVE

        restarted = start_services(settings, ["notification"], env=env)
        processes[:] = [p for p in processes if p.name != "notification"] + restarted
        wait_until_serving(restarted, timeout_seconds=60)

        def told() -> None:
            deliveries = platform.notification.ListDeliveries(
                notification_pb.ListDeliveriesRequest(project_id=pair.upstream.id),
                metadata=platform.auth,
                timeout=5,
            ).deliveries
            assert [d.recipient for d in deliveries] == ["up@example.com"]

        eventually(told, timeout_seconds=30)
    finally:
        stack.close()
        stop_services(processes, grace_seconds=2)
