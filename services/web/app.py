"""The Connection Manager page: server-rendered pages over the public ConnectionService.

``build_app(settings)`` is the ASGI application; ``run(settings, stop)`` serves it with
uvicorn until SIGTERM or Ctrl-C (what ``connectability run-service web`` and ``serve`` run).
Every handler calls the API with the signed-in person's token and shows what it answers;
a refusal shows the API's sentence, never a stack trace.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import quote

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from services.web.api import Api, ApiError
from services.web.signin import CSRF_FIELD, Cookies, Viewer
from shared.runtime.config import Settings
from shared.runtime.stop_signals import StopSignals
from shared.runtime.structured_logging import configure_logging
from shared.runtime.tls import channel_credentials, grpc_channel

HERE = Path(__file__).parent
log = logging.getLogger("connectability.web")
STATE_NAMES = {
    pb.CONNECTION_STATE_PENDING: "Pending",
    pb.CONNECTION_STATE_ACTIVE: "Active",
    pb.CONNECTION_STATE_REJECTED: "Rejected",
    pb.CONNECTION_STATE_WITHDRAWN: "Withdrawn",
    pb.CONNECTION_STATE_DISCONNECTED: "Disconnected",
}
COPY_NAMES = {
    pb.INITIAL_COPY_STATE_NOT_STARTED: "Not started",
    pb.INITIAL_COPY_STATE_RUNNING: "Copying",
    pb.INITIAL_COPY_STATE_COMPLETE: "Complete",
    pb.INITIAL_COPY_STATE_FAILED: "Failed (retried automatically)",
}
DELIVERY_NAMES = {
    pb.NOTIFICATION_DELIVERY_STATUS_QUEUED: "Queued",
    pb.NOTIFICATION_DELIVERY_STATUS_SENDING: "Sending",
    pb.NOTIFICATION_DELIVERY_STATUS_SENT: "Sent",
    pb.NOTIFICATION_DELIVERY_STATUS_FAILED: "Failed",
}
PREFERENCE_NAMES = {
    pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED: "Review every request",
    pb.APPROVAL_PREFERENCE_AUTO_APPROVE: "Approve requests automatically",
}
# What each action on a connection asks for, and which RPC does it.
ACTIONS: dict[str, dict[str, Any]] = {
    "approve": {"title": "Approve the request", "rpc": "ApproveConnection", "reason": None},
    "reject": {"title": "Reject the request", "rpc": "RejectConnection", "reason": "optional"},
    "withdraw": {"title": "Withdraw the request", "rpc": "WithdrawConnection", "reason": None},
    "disconnect": {
        "title": "Disconnect",
        "rpc": "DisconnectConnection",
        "reason": "required",
        "warning": "Final: nothing more syncs, and the downstream project can never connect "
        "to an upstream project again. What was copied stays downstream, read-only.",
    },
}


def when(stamp: Timestamp | None) -> dict[str, str] | None:
    """A time for a template: ISO for the viewer's browser, UTC text for everyone else."""
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return None
    moment = stamp.ToDatetime(tzinfo=UTC)
    return {"iso": moment.isoformat(), "text": moment.strftime("%Y-%m-%d %H:%M UTC")}


class Page:
    """One request's view of the world: the viewer, their API, and rendering."""

    def __init__(self, web: Web, request: Request, viewer: Viewer):
        self.web = web
        self.request = request
        self.viewer = viewer
        self.api = Api(web.channel, viewer.token)
        self._projects: dict[str, pb.Project | None] = {}
        self._people: dict[str, str] = {}
        self.page_size = web.settings.web_page_size

    def project(self, project_id: str) -> pb.Project | None:
        if project_id not in self._projects:
            self._projects[project_id] = self.api.project_or_none(project_id)
        return self._projects[project_id]

    def person(self, user_id: str) -> str:
        """A user's display name where this person may read it (their own company), else
        the id (R27)."""
        if not user_id:
            return "the system"
        # Per request: what one person may read is never shown to another.
        if user_id not in self._people:
            try:
                user = self.api.call("GetUser", pb.GetUserRequest(user_id=user_id)).user
                self._people[user_id] = user.display_name or user.email or user_id
            except ApiError:
                self._people[user_id] = user_id
        return self._people[user_id]

    def required_project(self, project_id: str) -> pb.Project:
        return self.api.call("GetProject", pb.GetProjectRequest(project_id=project_id)).project

    def manager_level(self, project_id: str) -> int:
        """The viewer's own Connection Manager level on the project."""
        try:
            grants = self.api.call(
                "ListConnectionManagerPermissions",
                pb.ListConnectionManagerPermissionsRequest(project_id=project_id, page_size=500),
            ).permissions
        except ApiError:
            return common_pb2.PERMISSION_LEVEL_NONE
        mine = [grant.level for grant in grants if grant.user_id == self.viewer.user_id]
        return mine[0] if mine else common_pb2.PERMISSION_LEVEL_NONE

    def render(self, template: str, status_code: int = 200, **context: Any) -> Response:
        return self.web.render(
            self.request,
            template,
            status_code,
            viewer=self.viewer,
            person=self.person,
            **context,
        )


class Web:
    """The application's shared parts: settings, the channel, cookies, templates."""

    def __init__(self, settings: Settings, channel: grpc.Channel | None = None):
        self.settings = settings
        self.channel = channel or grpc_channel(
            settings.address_of("connection"), channel_credentials(settings)
        )
        self.cookies = Cookies(settings)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals.update(
            state_names=STATE_NAMES,
            copy_names=COPY_NAMES,
            delivery_names=DELIVERY_NAMES,
            preference_names=PREFERENCE_NAMES,
            when=when,
            pb=pb,
            csrf_field=CSRF_FIELD,
            new_request_id=new_request_id,
            sign_in_mode=self.cookies.mode,
        )

    def render(
        self, request: Request, template: str, status_code: int = 200, **context: Any
    ) -> Response:
        context.setdefault("viewer", None)
        context.setdefault("person", None)
        context["csrf"] = self.cookies.csrf_token(request)
        response = self.templates.TemplateResponse(
            request, template, context, status_code=status_code
        )
        self.cookies.remember_csrf(request, response)
        return response


Handler = Callable[[Page], Awaitable[Response] | Response]


def build_app(settings: Settings, channel: grpc.Channel | None = None) -> Starlette:
    web = Web(settings, channel)

    def page(handler: Callable[..., Response], post: bool = False) -> Callable[..., Any]:
        """Wraps a handler: the viewer first (else sign-in), CSRF on POST, refusals shown."""

        async def endpoint(request: Request) -> Response:
            viewer = web.cookies.viewer(request)
            if viewer is None:
                if web.cookies.mode == "development":
                    return RedirectResponse("/sign-in", status_code=303)
                return web.render(request, "signed_out.html", 401)
            form: dict[str, str] = {}
            if post:
                raw = await request.form()
                form = {key: str(value) for key, value in raw.items()}
                if not web.cookies.csrf_ok(request, form.get(CSRF_FIELD, "")):
                    return web.render(
                        request,
                        "error.html",
                        403,
                        viewer=viewer,
                        sentence="The form was stale or came from another site; "
                        "reload the page and try again.",
                    )
            current = Page(web, request, viewer)
            try:
                return await _in_thread(handler, current, form, **request.path_params)
            except ApiError as refused:
                if refused.code == grpc.StatusCode.UNAUTHENTICATED and web.cookies.mode == (
                    "development"
                ):
                    response = RedirectResponse("/sign-in", status_code=303)
                    web.cookies.sign_out(response)
                    return response
                return current.render("error.html", refused.http_status, sentence=refused.sentence)

        return endpoint

    async def sign_in_form(request: Request) -> Response:
        if web.cookies.mode != "development":
            return web.render(request, "signed_out.html", 401)
        platform = Api(web.channel, web.cookies.platform_token())
        page_token = request.query_params.get("page", "")
        try:
            answer = await _call(
                platform.call,
                "ListUsers",
                pb.ListUsersRequest(page_size=settings.web_page_size, page_token=page_token),
            )
        except ApiError as refused:
            return web.render(request, "error.html", refused.http_status, sentence=refused.sentence)
        return web.render(
            request,
            "sign_in.html",
            users=[u for u in answer.users if not u.service_account],
            next_page=answer.next_page_token,
        )

    async def sign_in(request: Request) -> Response:
        if web.cookies.mode != "development":
            return web.render(request, "signed_out.html", 401)
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not web.cookies.csrf_ok(request, form.get(CSRF_FIELD, "")):
            return web.render(request, "error.html", 403, sentence="Reload the page and sign in.")
        user_id = form.get("user_id", "").strip()
        platform = Api(web.channel, web.cookies.platform_token())
        try:
            user = (await _call(platform.call, "GetUser", pb.GetUserRequest(user_id=user_id))).user
        except ApiError:
            return web.render(
                request,
                "sign_in.html",
                404,
                users=[],
                next_page="",
                error=f"No directory user has the id {user_id!r}.",
            )
        response = RedirectResponse("/", status_code=303)
        web.cookies.sign_in(response, user.id, user.company_id)
        return response

    async def sign_out(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not web.cookies.csrf_ok(request, form.get(CSRF_FIELD, "")):
            return web.render(request, "error.html", 403, sentence="Reload the page first.")
        response = RedirectResponse("/sign-in" if web.cookies.mode == "development" else "/", 303)
        web.cookies.sign_out(response)
        return response

    async def go(request: Request) -> Response:
        project_id = request.query_params.get("project_id", "").strip()
        return RedirectResponse(f"/projects/{quote(project_id, safe='')}", status_code=303)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route("/healthz", health),
        Route("/sign-in", sign_in_form, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
        Route("/", page(projects_page)),
        Route("/go", go),
        Route("/projects/{project_id}", page(connections_page)),
        Route("/projects/{project_id}/request", page(request_page)),
        Route("/projects/{project_id}/request", page(request_send, post=True), methods=["POST"]),
        Route("/projects/{project_id}/settings", page(settings_page)),
        Route(
            "/projects/{project_id}/settings/distribution-list",
            page(update_distribution_list, post=True),
            methods=["POST"],
        ),
        Route(
            "/projects/{project_id}/settings/approval-preference",
            page(update_approval_preference, post=True),
            methods=["POST"],
        ),
        Route(
            "/projects/{project_id}/deliveries/resend",
            page(resend_delivery, post=True),
            methods=["POST"],
        ),
        Route("/projects/{project_id}/connections/{connection_id}", page(connection_page)),
        Route(
            "/projects/{project_id}/connections/{connection_id}/progress", page(progress_fragment)
        ),
        Route("/projects/{project_id}/connections/{connection_id}/{action}", page(confirm_action)),
        Route(
            "/projects/{project_id}/connections/{connection_id}/{action}",
            page(do_action, post=True),
            methods=["POST"],
        ),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.web = web
    return app


async def _in_thread(handler: Callable[..., Response], *args: Any, **kwargs: Any) -> Response:
    """gRPC calls block: handlers run in Starlette's thread pool."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(handler, *args, **kwargs)


async def _call(method: Callable[..., Any], *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(method, *args)


def new_request_id() -> str:
    """A form's request_id (AIP-155): a second submit of the same form changes nothing."""
    return str(uuid.uuid4())


# Pages ------------------------------------------------------------------------------------


def projects_page(page: Page, _: dict[str, str]) -> Response:
    token = page.request.query_params.get("page", "")
    answer = page.api.call(
        "ListProjects", pb.ListProjectsRequest(page_size=page.page_size, page_token=token)
    )
    return page.render("projects.html", projects=answer.projects, next_page=answer.next_page_token)


def connection_rows(page: Page, project_id: str, role: int, token: str) -> dict[str, Any]:
    answer = page.api.call(
        "ListConnections",
        pb.ListConnectionsRequest(
            project_id=project_id,
            role=role,  # type: ignore[arg-type]
            page_size=page.page_size,
            page_token=token,
        ),
    )
    rows = []
    for connection in answer.connections:
        upstream = role == pb.CONNECTION_ROLE_UPSTREAM
        other_id = connection.downstream_project_id if upstream else connection.upstream_project_id
        other_company = (
            connection.downstream_company_id if upstream else connection.upstream_company_id
        )
        sync = None
        if connection.state in (pb.CONNECTION_STATE_ACTIVE, pb.CONNECTION_STATE_DISCONNECTED):
            sync = page.api.call(
                "GetSyncState", pb.GetSyncStateRequest(connection_id=connection.id)
            ).sync_state
        rows.append(
            {
                "connection": connection,
                "other": page.project(other_id),
                "other_id": other_id,
                "other_company": other_company,
                "sync": sync,
            }
        )
    return {"rows": rows, "next_page": answer.next_page_token}


def connections_page(page: Page, _: dict[str, str], project_id: str) -> Response:
    project = page.required_project(project_id)
    query = page.request.query_params
    return page.render(
        "connections.html",
        project=project,
        admin=page.manager_level(project_id) == common_pb2.PERMISSION_LEVEL_ADMIN,
        upstream=connection_rows(
            page, project_id, pb.CONNECTION_ROLE_UPSTREAM, query.get("up_page", "")
        ),
        downstream=connection_rows(
            page, project_id, pb.CONNECTION_ROLE_DOWNSTREAM, query.get("down_page", "")
        ),
        query=query,
    )


def connection_context(page: Page, project_id: str, connection_id: str) -> dict[str, Any]:
    project = page.required_project(project_id)
    connection = page.api.call(
        "GetConnection", pb.GetConnectionRequest(connection_id=connection_id)
    ).connection
    if project_id not in (connection.upstream_project_id, connection.downstream_project_id):
        raise ApiError(grpc.StatusCode.NOT_FOUND, "", "This connection is not of this project.")
    side = "upstream" if connection.upstream_project_id == project_id else "downstream"
    other_id = (
        connection.downstream_project_id if side == "upstream" else connection.upstream_project_id
    )
    return {
        "project": project,
        "connection": connection,
        "side": side,
        "other": page.project(other_id),
        "other_id": other_id,
        "admin": page.manager_level(project_id) == common_pb2.PERMISSION_LEVEL_ADMIN,
    }


def connection_page(page: Page, _: dict[str, str], project_id: str, connection_id: str) -> Response:
    context = connection_context(page, project_id, connection_id)
    sync = page.api.call(
        "GetSyncState", pb.GetSyncStateRequest(connection_id=connection_id)
    ).sync_state
    events = page.api.call(
        "ListConnectionEvents",
        pb.ListConnectionEventsRequest(
            connection_id=connection_id,
            page_size=page.page_size,
            page_token=page.request.query_params.get("page", ""),
        ),
    )
    return page.render(
        "connection.html",
        sync=sync,
        events=events.events,
        next_page=events.next_page_token,
        done=page.request.query_params.get("done", ""),
        **context,
    )


def progress_fragment(
    page: Page, _: dict[str, str], project_id: str, connection_id: str
) -> Response:
    progress = page.api.first_progress(connection_id)
    # The connection page shows the sync state with the bar, kept as current as the bar.
    sync = None
    if page.request.query_params.get("facts"):
        sync = page.api.call(
            "GetSyncState", pb.GetSyncStateRequest(connection_id=connection_id)
        ).sync_state
    query = page.request.url.query
    return page.render(
        "progress.html",
        progress=progress,
        sync=sync,
        poll_url=f"{page.request.url.path}?{query}" if query else page.request.url.path,
        # A copy not started polls on only for an active connection (it starts soon).
        stopped=not page.request.query_params.get("active"),
        project_id=project_id,
        connection_id=connection_id,
    )


def confirm_action(
    page: Page, _: dict[str, str], project_id: str, connection_id: str, action: str
) -> Response:
    if action not in ACTIONS:
        return page.render("error.html", 404, sentence="There is no such page.")
    context = connection_context(page, project_id, connection_id)
    return page.render(
        "confirm.html",
        action=action,
        spec=ACTIONS[action],
        request_id=new_request_id(),
        **context,
    )


def do_action(
    page: Page, form: dict[str, str], project_id: str, connection_id: str, action: str
) -> Response:
    if action not in ACTIONS:
        return page.render("error.html", 404, sentence="There is no such page.")
    spec = ACTIONS[action]
    fields: dict[str, str] = {
        "connection_id": connection_id,
        "request_id": form.get("request_id", ""),
    }
    if spec["reason"]:
        fields["reason"] = form.get("reason", "").strip()
    request_type = getattr(pb, f"{spec['rpc']}Request")
    try:
        page.api.call(spec["rpc"], request_type(**fields))
    except ApiError as refused:
        if refused.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAUTHENTICATED):
            raise
        context = connection_context(page, project_id, connection_id)
        return page.render(
            "confirm.html",
            refused.http_status,
            action=action,
            spec=spec,
            request_id=new_request_id(),
            error=refused.sentence,
            reason=form.get("reason", ""),
            **context,
        )
    return RedirectResponse(
        f"/projects/{project_id}/connections/{connection_id}?done={action}", status_code=303
    )


def request_page(page: Page, _: dict[str, str], project_id: str) -> Response:
    project = page.required_project(project_id)
    answer = page.api.call(
        "ListConnectableProjects",
        pb.ListConnectableProjectsRequest(
            downstream_project_id=project_id,
            page_size=page.page_size,
            page_token=page.request.query_params.get("page", ""),
        ),
    )
    return page.render(
        "request.html",
        project=project,
        candidates=answer.projects,
        next_page=answer.next_page_token,
    )


def connectable_name(page: Page, project_id: str, upstream_id: str) -> str:
    """The upstream's name as the connectable list gives it (GetProject may not show
    another company's project to this person), else its id."""
    token = ""
    for _ in range(10):
        answer = page.api.call(
            "ListConnectableProjects",
            pb.ListConnectableProjectsRequest(
                downstream_project_id=project_id, page_size=500, page_token=token
            ),
        )
        for candidate in answer.projects:
            if candidate.project_id == upstream_id:
                return f"{candidate.project_name} ({candidate.company_name})"
        token = answer.next_page_token
        if not token:
            break
    return upstream_id


def request_send(page: Page, form: dict[str, str], project_id: str) -> Response:
    """``preview`` checks the rules (validate_only) and shows each verdict; ``send`` sends."""
    project = page.required_project(project_id)
    upstream_id = form.get("upstream_project_id", "")
    send = form.get("step") == "send"
    request = pb.RequestConnectionRequest(
        downstream_project_id=project_id,
        upstream_project_id=upstream_id,
        validate_only=not send,
        request_id=form.get("request_id", "") if send else "",
    )
    try:
        answer = page.api.call("RequestConnection", request, timeout=20)
    except ApiError as refused:
        if refused.code == grpc.StatusCode.UNAUTHENTICATED:
            raise
        return page.render(
            "preview.html",
            refused.http_status,
            project=project,
            upstream_name=upstream_id,
            upstream_id=upstream_id,
            verdicts=[],
            error=refused.sentence,
            request_id=new_request_id(),
        )
    if send:
        return RedirectResponse(
            f"/projects/{project_id}/connections/{answer.connection.id}?done=request",
            status_code=303,
        )
    return page.render(
        "preview.html",
        project=project,
        upstream_name=connectable_name(page, project_id, upstream_id),
        upstream_id=upstream_id,
        verdicts=answer.verdicts,
        all_pass=all(verdict.passed for verdict in answer.verdicts),
        request_id=new_request_id(),
    )


def settings_page(
    page: Page, _: dict[str, str], project_id: str, notice: str = "", error: str = ""
) -> Response:
    project = page.required_project(project_id)
    distribution = page.api.call(
        "GetDistributionList", pb.GetDistributionListRequest(project_id=project_id)
    ).distribution_list
    company = None
    if project.company_id == page.viewer.company_id:
        company = page.api.call(
            "GetCompany", pb.GetCompanyRequest(company_id=project.company_id)
        ).company
    deliveries = page.api.call(
        "ListNotificationDeliveries",
        pb.ListNotificationDeliveriesRequest(
            project_id=project_id,
            page_size=page.page_size,
            page_token=page.request.query_params.get("page", ""),
        ),
    )
    return page.render(
        "settings.html",
        400 if error else 200,
        project=project,
        admin=page.manager_level(project_id) == common_pb2.PERMISSION_LEVEL_ADMIN,
        distribution=distribution,
        company=company,
        deliveries=deliveries.deliveries,
        next_page=deliveries.next_page_token,
        notice=notice or page.request.query_params.get("done", ""),
        error=error,
        request_id=new_request_id(),
    )


def _settings_change(page: Page, project_id: str, rpc: str, request: Any, done: str) -> Response:
    try:
        page.api.call(rpc, request)
    except ApiError as refused:
        if refused.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAUTHENTICATED):
            raise
        return settings_page(page, {}, project_id, error=refused.sentence)
    return RedirectResponse(f"/projects/{project_id}/settings?done={done}", status_code=303)


def update_distribution_list(page: Page, form: dict[str, str], project_id: str) -> Response:
    emails = [line.strip() for line in form.get("emails", "").replace(",", "\n").splitlines()]
    request = pb.UpdateDistributionListRequest(
        project_id=project_id,
        emails=[email for email in emails if email],
        etag=form.get("etag", ""),
        request_id=form.get("request_id", ""),
    )
    return _settings_change(page, project_id, "UpdateDistributionList", request, "distribution")


def update_approval_preference(page: Page, form: dict[str, str], project_id: str) -> Response:
    project = page.required_project(project_id)
    preference = int(form.get("approval_preference", "0") or 0)
    request = pb.UpdateCompanyRequest(
        company=pb.Company(
            id=project.company_id,
            approval_preference=preference,  # type: ignore[arg-type]
            etag=form.get("etag", ""),
        ),
        update_mask=FieldMask(paths=["approval_preference"]),
    )
    return _settings_change(page, project_id, "UpdateCompany", request, "preference")


def resend_delivery(page: Page, form: dict[str, str], project_id: str) -> Response:
    request = pb.ResendNotificationDeliveryRequest(
        project_id=project_id,
        message_id=form.get("message_id", ""),
        request_id=form.get("request_id", ""),
    )
    return _settings_change(page, project_id, "ResendNotificationDelivery", request, "resend")


# Serving ----------------------------------------------------------------------------------


def run(settings: Settings, stop: StopSignals | None = None) -> None:
    """Serve the page on settings.web_port until SIGTERM or Ctrl-C."""
    import uvicorn

    stop = stop or StopSignals.install()
    configure_logging("web", settings.log_level, settings.log_format)
    if stop.received is not None:  # stopped while starting: start nothing
        log.info("signal received while starting", extra={"signal": stop.received.name})
        StopSignals.ignore_further()
        log.info("stopped")
        return
    app = build_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.web_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,  # our log format (configure_logging), not uvicorn's own
        proxy_headers=True,
    )
    server = uvicorn.Server(config)
    listening = _listen(settings.host, settings.web_port)
    # In a thread, so signals stay with StopSignals in the main thread (uvicorn installs
    # handlers only in the main thread).
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening]}, name="web", daemon=True
    )
    thread.start()
    log.info("serving the web page", extra={"port": settings.web_port})
    while stop.wait(0.2) is None and thread.is_alive():
        pass
    received = stop.received
    signalled = received is not None
    if received is not None:
        log.info("signal received", extra={"signal": received.name})
    StopSignals.ignore_further()
    server.should_exit = True
    thread.join(timeout=settings.shutdown_grace_seconds)
    app.state.web.channel.close()
    log.info("stopped")
    if not signalled:  # it ended by itself: it could not start (its port in use, say)
        raise SystemExit(1)


def _listen(host: str, port: int) -> socket.socket:
    """The page's listening socket; a busy port is named with the setting that moves it."""
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as error:
        listening.close()
        if error.errno == errno.EADDRINUSE:
            log.error(f"port {port} in use; set CONNECTABILITY_WEB_PORT to another port")
            raise SystemExit(1) from None
        raise
    listening.listen(128)
    return listening
