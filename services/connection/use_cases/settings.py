"""A project's Connection Manager settings and choosing an upstream: the distribution list
(R23), the notification deliveries (R25) and the projects one may connect to (R1).

This service checks the caller's Connection Manager level; the notification service
stores the list and the deliveries, the drawing service knows the Drawings grants (facts
flow down).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from services.connection.clients.drawing_facts import DrawingFacts
from services.connection.clients.notification_deliveries import NotificationDeliveries
from services.connection.clients.notification_lists import NotificationLists
from services.connection.domain.directory_access import DirectoryAccess
from services.connection.store.unit_of_work import ConnectionUnitOfWork
from shared.facts.identity import Principal, PrincipalKind


@dataclass(frozen=True)
class ConnectableProject:
    project_id: str
    project_name: str
    company_id: str
    company_name: str
    same_company: bool


def _scoped(caller: Principal, request_id: str) -> str:
    # Scoped to the caller, so two people's request ids never meet downstream.
    return f"{caller.describe()}:{request_id}" if request_id else ""


class ConnectionManagerSettings:
    def __init__(
        self,
        unit_of_work: Callable[[], ConnectionUnitOfWork],
        drawing_facts: DrawingFacts,
        lists: NotificationLists,
        deliveries: NotificationDeliveries,
    ) -> None:
        self._uow = unit_of_work
        self._drawing_facts = drawing_facts
        self._lists = lists
        self._deliveries = deliveries

    def _require_reader(self, caller: Principal, project_id: str) -> None:
        with self._uow() as uow:
            DirectoryAccess(uow.directory).level_on(caller, project_id)

    def _require_admin(self, caller: Principal, project_id: str, doing: str) -> None:
        with self._uow() as uow:
            DirectoryAccess(uow.directory).require_connection_manager_admin(
                caller, project_id, doing
            )

    def distribution_list(self, caller: Principal, project_id: str) -> common_pb2.DistributionList:
        self._require_reader(caller, project_id)
        return self._lists.get(project_id)

    def replace_distribution_list(
        self, caller: Principal, project_id: str, emails: list[str], request_id: str, etag: str
    ) -> common_pb2.DistributionList:
        self._require_admin(caller, project_id, "Changing the distribution list")
        return self._lists.replace(project_id, emails, _scoped(caller, request_id), etag)

    def connectable_projects(
        self, caller: Principal, downstream_id: str, page_size: int, page_token: str
    ) -> tuple[list[ConnectableProject], str]:
        self._require_admin(caller, downstream_id, "Choosing an upstream")
        readable = set(self._drawing_facts.projects_readable_by(caller.user_id)) - {downstream_id}
        with self._uow() as uow:
            downstream = uow.directory.get_project(downstream_id)
            rows, token = uow.directory.connectable_projects(
                downstream_id,
                readable,
                # R31: an integrator, not into companies that forbid them
                open_to_outside_applications_only=caller.kind is PrincipalKind.INTEGRATOR,
                page_size=page_size,
                page_token=page_token,
            )
        choices = [
            ConnectableProject(
                project_id=project.id,
                project_name=project.name,
                company_id=company.id,
                company_name=company.name,
                same_company=company.id == downstream.company_id,
            )
            for project, company in rows
        ]
        return choices, token

    def deliveries(
        self, caller: Principal, project_id: str, page_size: int, page_token: str
    ) -> pb.ListNotificationDeliveriesResponse:
        self._require_reader(caller, project_id)
        return self._deliveries.page(project_id, page_size, page_token)

    def resend_delivery(
        self, caller: Principal, project_id: str, message_id: str, request_id: str
    ) -> pb.NotificationDelivery:
        self._require_admin(caller, project_id, "Sending a notification again")
        return self._deliveries.resend(project_id, message_id, _scoped(caller, request_id))
