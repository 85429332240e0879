"""Facts flow down durably: a service that is down when a project changes hears of it later."""

from __future__ import annotations

from pathlib import Path

import grpc

from connectability.internal.v1 import drawing_internal_service_pb2 as drawing_pb
from connectability.internal.v1 import drawing_internal_service_pb2_grpc as drawing_grpc
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import connection_service_pb2_grpc as pb_grpc
from services.supervisor import start_services, stop_services, wait_until_serving
from shared.runtime.config import SERVICE_NAMES, Settings
from tests.fixtures.identity import make_test_keys
from tests.fixtures.stack import stack_environment
from tests.integration.calls import bearer, eventually


def test_a_project_created_while_the_drawing_service_is_down_reaches_it_later(
    tmp_path: Path,
) -> None:
    keys = make_test_keys(tmp_path / "keys")
    env = stack_environment("sqlite", keys, tmp_path)
    ports = {name: int(env[f"CONNECTABILITY_{name.upper()}_PORT"]) for name in SERVICE_NAMES}
    settings = Settings(data_dir=tmp_path, **{f"{n}_port": p for n, p in ports.items()})
    auth = bearer(keys.platform_token())
    upper = start_services(settings, ["notification", "connection"], env=env)
    drawing = []
    try:
        wait_until_serving(upper, timeout_seconds=60)
        with grpc.insecure_channel(settings.address_of("connection")) as channel:
            directory = pb_grpc.ConnectionServiceStub(channel)
            company = directory.CreateCompany(
                pb.CreateCompanyRequest(
                    company=pb.Company(name="Acme", file_storage_location="us")
                ),
                metadata=auth,
                timeout=30,
            ).company
            project = directory.CreateProject(
                pb.CreateProjectRequest(project=pb.Project(company_id=company.id, name="Tower")),
                metadata=auth,
                timeout=30,
            ).project

        drawing = start_services(settings, ["drawing"], env=env)
        wait_until_serving(drawing, timeout_seconds=60)
        with grpc.insecure_channel(settings.address_of("drawing")) as channel:
            stub = drawing_grpc.DrawingInternalServiceStub(channel)

            def known_below() -> str:
                request = drawing_pb.DrawingInternalServiceGetProjectRequest(project_id=project.id)
                return str(stub.GetProject(request, metadata=auth, timeout=5).project.name)

            assert eventually(known_below, timeout_seconds=30) == "Tower"
    finally:
        stop_services([*upper, *drawing], grace_seconds=2)
