"""``connectability connections | sync | deliveries``: the state of connections, their sync
and the mail about them, as tables; a failed delivery requeued.

Every command calls the public API with the token in ``--token`` (or
``CONNECTABILITY_TOKEN``), so it sees what that token's user may see, no more. The services
are found as ``serve`` starts them (``CONNECTABILITY_HOST``, ``_CONNECTION_PORT``, TLS
settings); ``connectability token`` makes a token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from typing import Any

import click
import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectability.v1 import connection_service_pb2 as pb
from services.operator.calling import Api, public_api, refusal_text

PAGE_SIZE = 100
ROLES = {
    "any": pb.CONNECTION_ROLE_UNSPECIFIED,
    "upstream": pb.CONNECTION_ROLE_UPSTREAM,
    "downstream": pb.CONNECTION_ROLE_DOWNSTREAM,
}

token_option = click.option(
    "--token",
    envvar="CONNECTABILITY_TOKEN",
    required=True,
    help="Bearer token to call with (or CONNECTABILITY_TOKEN); see `connectability token`.",
)
project_option = click.option("--project", "project_id", required=True, help="A project id.")


def console() -> Console:
    # On a narrow terminal a long id folds within its cell: it is never cut short.
    return Console(highlight=False)


def enum_name(enum_type: object, value: int, prefix: str) -> str:
    name: str = enum_type.Name(value)  # type: ignore[attr-defined]
    return name.removeprefix(prefix).lower().replace("_", " ")


def when(stamp: Timestamp) -> str:
    if not stamp.seconds and not stamp.nanos:
        return "-"
    return stamp.ToDatetime(tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S")


def seconds(duration: Duration) -> str:
    return f"{duration.ToTimedelta().total_seconds():.1f} s"


def state_of(connection: pb.Connection) -> str:
    return enum_name(pb.ConnectionState, connection.state, "CONNECTION_STATE_")


def copy_state(value: int) -> str:
    return enum_name(pb.InitialCopyState, value, "INITIAL_COPY_STATE_")


def delivery_status(value: int) -> str:
    return enum_name(pb.NotificationDeliveryStatus, value, "NOTIFICATION_DELIVERY_STATUS_")


def key_values(title: str, rows: Sequence[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, value or "-")
    return table


def pages(
    api: Api, method: Callable[..., Any], request: Any, field: str, token: str = ""
) -> Iterator[Any]:
    """Every item of a paged List call."""
    while True:
        answer = api.call(method, request, token)
        yield from getattr(answer, field)
        if not answer.next_page_token:
            return
        request.page_token = answer.next_page_token


def connections_of(api: Api, project_id: str, role: str = "any") -> list[pb.Connection]:
    request = pb.ListConnectionsRequest(
        project_id=project_id, role=ROLES[role], page_size=PAGE_SIZE
    )
    listing = api.connection.ListConnections
    return list(pages(api, listing, request, "connections"))


def deliveries_of(api: Api, project_id: str, token: str = "") -> list[pb.NotificationDelivery]:
    request = pb.ListNotificationDeliveriesRequest(project_id=project_id, page_size=PAGE_SIZE)
    listing = api.connection.ListNotificationDeliveries
    return list(pages(api, listing, request, "deliveries", token))


def sync_state_of(api: Api, connection_id: str) -> pb.SyncState:
    request = pb.GetSyncStateRequest(connection_id=connection_id)
    return api.call(api.connection.GetSyncState, request).sync_state


def connections_table(title: str, connections: Sequence[pb.Connection]) -> Table:
    table = Table(title=title)
    for column in ("connection", "state", "upstream project", "downstream project", "since"):
        table.add_column(column, overflow="fold")
    for connection in connections:
        table.add_row(
            connection.id,
            state_of(connection),
            connection.upstream_project_id,
            connection.downstream_project_id,
            when(connection.state_change_time),
        )
    return table


def sync_rows(sync: pb.SyncState) -> list[tuple[str, str]]:
    return [
        ("initial copy", copy_state(sync.initial_copy_state)),
        ("revisions copied", str(sync.revisions_copied)),
        ("revisions pending", str(sync.revisions_pending)),
        ("last applied sequence", str(sync.last_applied_sequence)),
        ("last synced", when(sync.last_synced_time)),
        ("lag", seconds(sync.lag) if sync.HasField("lag") else "-"),
        ("last error", sync.last_error),
    ]


def deliveries_table(title: str, deliveries: Sequence[pb.NotificationDelivery]) -> Table:
    table = Table(title=title)
    for column in ("message id", "recipient", "status", "attempts", "updated", "last error"):
        table.add_column(column, overflow="fold")
    for delivery in deliveries:
        table.add_row(
            delivery.message_id,
            delivery.recipient,
            delivery_status(delivery.status),
            str(delivery.attempts),
            when(delivery.update_time),
            delivery.last_error or "-",
        )
    return table


def delivery_rows(delivery: pb.NotificationDelivery) -> list[tuple[str, str]]:
    return [
        ("message id", delivery.message_id),
        ("event", delivery.event_id),
        ("recipient", delivery.recipient),
        ("status", delivery_status(delivery.status)),
        ("attempts", str(delivery.attempts)),
        ("created", when(delivery.create_time)),
        ("updated", when(delivery.update_time)),
        ("sent", when(delivery.sent_time)),
        ("last error", delivery.last_error),
    ]


# -- connections ---------------------------------------------------------------------------


@click.group()
def connections() -> None:
    """A project's connections: list them, show one."""


@connections.command("list")
@token_option
@project_option
@click.option("--role", type=click.Choice(list(ROLES)), default="any", show_default=True)
def connections_list(token: str, project_id: str, role: str) -> None:
    """The project's connections, either side unless --role says."""
    with public_api(token) as api:
        found = connections_of(api, project_id, role)
    console().print(connections_table(f"Connections of {project_id}", found))


@connections.command("show")
@token_option
@click.argument("connection_id")
def connections_show(token: str, connection_id: str) -> None:
    """One connection: who asked, its state and why, and its sync."""
    with public_api(token) as api:
        request = pb.GetConnectionRequest(connection_id=connection_id)
        connection = api.call(api.connection.GetConnection, request).connection
        sync = sync_state_of(api, connection_id)
    rows = [
        ("state", state_of(connection)),
        ("reason", connection.state_reason),
        ("upstream", f"{connection.upstream_project_id} ({connection.upstream_company_id})"),
        (
            "downstream",
            f"{connection.downstream_project_id} ({connection.downstream_company_id})",
        ),
        ("requested by", connection.requested_by_user_id),
        ("changed by", connection.state_changed_by_user_id),
        ("requested", when(connection.create_time)),
        ("state since", when(connection.state_change_time)),
        *sync_rows(sync),
    ]
    console().print(key_values(f"Connection {connection.id}", rows))


# -- sync -----------------------------------------------------------------------------------


@click.group()
def sync() -> None:
    """Where each connection's copying stands; a progress bar while an initial copy runs."""


@sync.command("list")
@token_option
@project_option
def sync_list(token: str, project_id: str) -> None:
    """The sync state of each of the project's connections."""
    table = Table(title=f"Sync of the connections of {project_id}")
    for column in ("connection", "state", "initial copy", "copied", "pending", "lag", "error"):
        table.add_column(column, overflow="fold")
    with public_api(token) as api:
        for connection in connections_of(api, project_id):
            try:
                state = sync_state_of(api, connection.id)
            except click.ClickException as refused:
                refusal = refused.message
                table.add_row(connection.id, state_of(connection), "-", "-", "-", "-", refusal)
                continue
            table.add_row(
                connection.id,
                state_of(connection),
                copy_state(state.initial_copy_state),
                str(state.revisions_copied),
                str(state.revisions_pending),
                seconds(state.lag) if state.HasField("lag") else "-",
                state.last_error or "-",
            )
    console().print(table)


@sync.command("show")
@token_option
@click.argument("connection_id")
def sync_show(token: str, connection_id: str) -> None:
    """One connection's sync state."""
    with public_api(token) as api:
        state = sync_state_of(api, connection_id)
    console().print(key_values(f"Sync of {connection_id}", sync_rows(state)))


@sync.command("watch")
@token_option
@click.argument("connection_id")
def sync_watch(token: str, connection_id: str) -> None:
    """A progress bar of the connection's initial copy until it is complete."""
    with public_api(token) as api:
        final = watch_initial_copy(api, connection_id, console())
    click.echo(f"initial copy {copy_state(final.state)}: {final.copied} of {final.total}")


def watch_initial_copy(
    api: Api, connection_id: str, out: Console, token: str = ""
) -> pb.WatchInitialCopyProgressResponse:
    """Follows WatchInitialCopyProgress with a progress bar; its last message."""
    request = pb.WatchInitialCopyProgressRequest(connection_id=connection_id)
    last = pb.WatchInitialCopyProgressResponse()
    columns = (
        TextColumn("initial copy"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("revisions"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out, transient=False) as progress:
        task = progress.add_task("copy", total=None)
        try:
            for last in api.connection.WatchInitialCopyProgress(
                request, metadata=api.metadata(token), timeout=300
            ):
                progress.update(task, completed=last.copied, total=last.total or None)
                if last.state == pb.INITIAL_COPY_STATE_COMPLETE:
                    progress.update(task, completed=last.total, total=last.total or 1)
                    break
        except grpc.RpcError as error:
            raise click.ClickException(refusal_text(error)) from None
    return last


# -- deliveries -----------------------------------------------------------------------------


@click.group()
def deliveries() -> None:
    """The mail about a project's connections: list, show one, requeue a failed one."""


@deliveries.command("list")
@token_option
@project_option
@click.option("--failed", is_flag=True, help="Only those that failed.")
def deliveries_list(token: str, project_id: str, failed: bool) -> None:
    """The project's notification deliveries, newest first."""
    with public_api(token) as api:
        found = deliveries_of(api, project_id)
    if failed:
        found = [d for d in found if d.status == pb.NOTIFICATION_DELIVERY_STATUS_FAILED]
    console().print(deliveries_table(f"Deliveries of {project_id}", found))


def one_delivery(api: Api, project_id: str, message_id: str) -> pb.NotificationDelivery:
    for delivery in deliveries_of(api, project_id):
        if delivery.message_id == message_id:
            return delivery
    raise click.ClickException(f"no delivery {message_id} in project {project_id}")


@deliveries.command("show")
@token_option
@project_option
@click.argument("message_id")
def deliveries_show(token: str, project_id: str, message_id: str) -> None:
    """One delivery, by its Message-ID."""
    with public_api(token) as api:
        delivery = one_delivery(api, project_id, message_id)
    console().print(key_values(f"Delivery {message_id}", delivery_rows(delivery)))


@deliveries.command("requeue")
@token_option
@project_option
@click.argument("message_id")
@click.option("--any-status", is_flag=True, help="Send again also one that was sent.")
def deliveries_requeue(token: str, project_id: str, message_id: str, any_status: bool) -> None:
    """Queue a failed delivery again; it keeps its Message-ID (Connection Manager admin)."""
    with public_api(token) as api:
        delivery = one_delivery(api, project_id, message_id)
        if delivery.status != pb.NOTIFICATION_DELIVERY_STATUS_FAILED and not any_status:
            raise click.ClickException(
                f"{message_id} is {delivery_status(delivery.status)}, not failed; "
                "--any-status sends it again anyway"
            )
        request = pb.ResendNotificationDeliveryRequest(project_id=project_id, message_id=message_id)
        queued = api.call(api.connection.ResendNotificationDelivery, request).delivery
    console().print(key_values(f"Requeued {message_id}", delivery_rows(queued)))
