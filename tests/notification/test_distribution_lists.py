"""Distribution lists: stored per project and tool, validated, folded, bounded (R23)."""

from __future__ import annotations

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.v1 import common_pb2
from tests.integration.calls import refusal
from tests.notification.conftest import StartNotification


def _get(service: object, project_id: str, tool: int) -> common_pb2.DistributionList:
    answer = service.stub.GetDistributionList(  # type: ignore[attr-defined]
        pb.GetDistributionListRequest(project_id=project_id, tool=tool),
        metadata=service.metadata,  # type: ignore[attr-defined]
        timeout=10,
    )
    return answer.distribution_list


def test_a_list_is_empty_until_stored_then_replaced_and_folded(
    start_notification: StartNotification,
) -> None:
    service = start_notification()
    service.register("p1")

    empty = _get(service, "p1", common_pb2.TOOL_CONNECTION_MANAGER)
    assert list(empty.emails) == [] and not empty.HasField("update_time")

    stored = service.set_list("p1", [" Ann@Example.com ", "bob@example.com", "ann@example.com"])
    assert list(stored.distribution_list.emails) == ["Ann@Example.com", "bob@example.com"]

    again = _get(service, "p1", common_pb2.TOOL_CONNECTION_MANAGER)
    assert list(again.emails) == ["Ann@Example.com", "bob@example.com"]
    assert again.HasField("update_time")
    # Each tool has its own list.
    assert list(_get(service, "p1", common_pb2.TOOL_DRAWINGS).emails) == []

    service.set_list("p1", ["carol@example.com"])
    assert list(_get(service, "p1", common_pb2.TOOL_CONNECTION_MANAGER).emails) == [
        "carol@example.com"
    ]


def test_refused_lists_change_nothing(start_notification: StartNotification) -> None:
    service = start_notification()
    service.register("p1")
    service.set_list("p1", ["ann@example.com"])
    update = service.stub.UpdateDistributionList

    def request(emails: list[str], tool: int = common_pb2.TOOL_CONNECTION_MANAGER) -> object:
        return pb.UpdateDistributionListRequest(project_id="p1", tool=tool, emails=emails)

    assert refusal(update, request(["ok@example.com", "not an address"]), service.token) == (
        "INVALID_ARGUMENT",
        "INVALID_EMAIL_ADDRESS",
    )
    too_many = [f"user{n}@example.com" for n in range(101)]
    assert refusal(update, request(too_many), service.token) == (
        "INVALID_ARGUMENT",
        "DISTRIBUTION_LIST_TOO_LONG",
    )
    assert refusal(update, request([], common_pb2.TOOL_UNSPECIFIED), service.token)[0] == (
        "INVALID_ARGUMENT"
    )
    unknown = pb.UpdateDistributionListRequest(
        project_id="nope", tool=common_pb2.TOOL_CONNECTION_MANAGER, emails=["a@example.com"]
    )
    assert refusal(update, unknown, service.token) == ("NOT_FOUND", "PROJECT_NOT_FOUND")
    get = service.stub.GetDistributionList
    unknown_get = pb.GetDistributionListRequest(
        project_id="nope", tool=common_pb2.TOOL_CONNECTION_MANAGER
    )
    assert refusal(get, unknown_get, service.token) == ("NOT_FOUND", "PROJECT_NOT_FOUND")

    assert list(_get(service, "p1", common_pb2.TOOL_CONNECTION_MANAGER).emails) == [
        "ann@example.com"
    ]
    # 100 distinct addresses are allowed (duplicates do not count).
    assert (
        len(service.set_list("p1", too_many[:100] + too_many[:5]).distribution_list.emails) == 100
    )


def test_only_services_and_the_platform_may_call(
    start_notification: StartNotification, test_keys: object
) -> None:
    service = start_notification()
    user = test_keys.user_token("u1", "acme")  # type: ignore[attr-defined]
    request = pb.GetDistributionListRequest(
        project_id="p1", tool=common_pb2.TOOL_CONNECTION_MANAGER
    )
    assert refusal(service.stub.GetDistributionList, request, user) == (
        "PERMISSION_DENIED",
        "PERMISSION_DENIED",
    )
