"""``connectability demo`` (``make demo``): the whole journey through the public API,
against the services ``make run`` started, printed step by step.

Two companies: an architect upstream who publishes a drawing, a builder downstream who
asks to receive it. The platform (accounts) creates the companies, projects and users; the
architect uploads a revision through the seed-002 flow (CreateUpload, the HTTP POST to the
storage endpoint, CreateDrawingUpload, polling GetDrawingUpload, confirm, publish); the
builder requests the connection, the architect approves it, the initial copy arrives, the
mails about it go out, and a second revision the architect publishes follows by the sync.
Tokens are signed with the key ``connectability token`` uses.
Each run makes companies and projects of its own, so it can run any number of times.
"""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from connectability.v1 import common_pb2
from connectability.v1 import connection_service_pb2 as pb
from connectability.v1 import drawing_service_pb2 as dpb
from services.operator.calling import Api, find_signing_key, public_api
from services.operator.commands import (
    connections_table,
    deliveries_of,
    deliveries_table,
    delivery_status,
    state_of,
    watch_initial_copy,
)
from shared.facts.identity import Principal, PrincipalKind
from shared.runtime.config import Settings
from shared.runtime.tokens import TokenIssuer

T = TypeVar("T")
ADMIN = common_pb2.PERMISSION_LEVEL_ADMIN
READ_ONLY = common_pb2.PERMISSION_LEVEL_READ_ONLY
# Project facts reach the drawing and notification services a moment after they are made.
SETTLE_SECONDS = 20.0
FINISHED_MAIL = (pb.NOTIFICATION_DELIVERY_STATUS_SENT, pb.NOTIFICATION_DELIVERY_STATUS_FAILED)


def until(probe: Callable[[], T | None], what: str, timeout: float = SETTLE_SECONDS) -> T:
    """``probe()``'s first answer that is not None (a ClickException counts as not yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = probe()
        except click.ClickException:
            if time.monotonic() > deadline:
                raise
            answer = None
        if answer is not None:
            return answer
        if time.monotonic() > deadline:
            raise click.ClickException(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.2)


def a_pdf(label: str) -> bytes:
    return b"%PDF-1.7\n" + f"{label} {secrets.token_hex(8)}\n".encode() * 20 + b"%%EOF\n"


def post_upload(url: str, fields: dict[str, str], content: bytes, filename: str) -> int:
    """The browser's part of seed 002: a multipart POST of the policy fields and the file."""
    boundary = f"----connectability-demo-{secrets.token_hex(8)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        url,
        data=b"".join(parts),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        raise click.ClickException(f"the upload POST answered {error.code}") from None


@dataclass(frozen=True)
class Sheet:
    """Where the demo's drawing lives: its project, area, set and the drawing itself."""

    project: pb.Project
    area: dpb.DrawingArea
    drawing_set: dpb.DrawingSet
    drawing: dpb.Drawing


class Journey:
    """The demo's calls, each step printed as it happens."""

    def __init__(self, api: Api, issuer: TokenIssuer, out: Console) -> None:
        self.api = api
        self.issuer = issuer
        self.out = out
        self.platform = issuer.issue(Principal(PrincipalKind.PLATFORM, "accounts"), 3600)
        self.step_number = 0
        self.run = secrets.token_hex(3)

    def step(self, text: str) -> None:
        self.step_number += 1
        self.out.print(f"\n[bold]{self.step_number}. {text}[/bold]")

    def said(self, text: str) -> None:
        self.out.print(f"   {text}")

    def as_platform(self, method: Callable[..., T], request: Any) -> T:
        return self.api.call(method, request, self.platform)

    def company(self, name: str, preference: pb.ApprovalPreference) -> pb.Company:
        company = pb.Company(name=name, file_storage_location="us", approval_preference=preference)
        request = pb.CreateCompanyRequest(company=company)
        return self.as_platform(self.api.connection.CreateCompany, request).company

    def project(self, company: pb.Company, name: str) -> pb.Project:
        request = pb.CreateProjectRequest(project=pb.Project(company_id=company.id, name=name))
        return self.as_platform(self.api.connection.CreateProject, request).project

    def user(self, company: pb.Company, name: str) -> tuple[pb.User, str]:
        email = f"{name.split()[0].lower()}.{self.run}@example.com"
        user = pb.User(company_id=company.id, email=email, display_name=name)
        created = self.as_platform(self.api.connection.CreateUser, pb.CreateUserRequest(user=user))
        token = self.issuer.issue(Principal(PrincipalKind.USER, created.user.id, company.id), 3600)
        return created.user, token

    def grant(
        self,
        project: pb.Project,
        user: pb.User,
        manager: common_pb2.PermissionLevel | None,
        drawings: common_pb2.PermissionLevel,
    ) -> None:
        if manager is not None:
            request = pb.SetConnectionManagerPermissionRequest(
                project_id=project.id, user_id=user.id, level=manager
            )
            self.as_platform(self.api.connection.SetConnectionManagerPermission, request)
        drawing_request = dpb.SetDrawingsPermissionRequest(
            project_id=project.id, user_id=user.id, level=drawings
        )
        until(
            lambda: self.as_platform(self.api.drawing.SetDrawingsPermission, drawing_request),
            f"the drawing service learning of project {project.id}",
        )

    def tell(self, project: pb.Project, token: str, emails: list[str]) -> None:
        request = pb.UpdateDistributionListRequest(project_id=project.id, emails=emails)
        until(
            lambda: self.api.call(self.api.connection.UpdateDistributionList, request, token),
            f"the notification service learning of project {project.id}",
        )

    def publish_a_drawing(self, project: pb.Project, token: str) -> Sheet:
        """The catalog, then revision 1 through the seed-002 upload flow, published."""
        drawing = self.api.drawing
        area = self.api.call(
            drawing.CreateDrawingArea,
            dpb.CreateDrawingAreaRequest(
                drawing_area=dpb.DrawingArea(project_id=project.id, name="Architectural")
            ),
            token,
        ).drawing_area
        drawing_set = self.api.call(
            drawing.CreateDrawingSet,
            dpb.CreateDrawingSetRequest(
                drawing_set=dpb.DrawingSet(project_id=project.id, name="IFC", set_date="2026-11-01")
            ),
            token,
        ).drawing_set
        sheet = self.api.call(
            drawing.CreateDrawing,
            dpb.CreateDrawingRequest(
                drawing=dpb.Drawing(
                    area_id=area.id, number="A-101", title="Ground floor plan", discipline="Arch"
                )
            ),
            token,
        ).drawing
        self.said(f"catalog: area {area.id}, set {drawing_set.id}, drawing A-101 {sheet.id}")
        placed = Sheet(project, area, drawing_set, sheet)
        self.publish_revision(placed, "1", token)
        return placed

    def publish_revision(self, sheet: Sheet, number: str, token: str) -> dpb.DrawingRevision:
        """One revision of A-101: uploaded, imported, confirmed and published."""
        drawing = self.api.drawing
        project, area, drawing_set = sheet.project, sheet.area, sheet.drawing_set
        upload = self.api.call(
            drawing.CreateUpload,
            dpb.CreateUploadRequest(project_id=project.id, response_filename="A-101.pdf"),
            token,
        )
        content = a_pdf(f"A-101 rev {number}")
        status = post_upload(upload.url, dict(upload.fields), content, "A-101.pdf")
        self.said(f"CreateUpload, then POST {upload.url} -> {status}")
        created = self.api.call(
            drawing.CreateDrawingUpload,
            dpb.CreateDrawingUploadRequest(
                project_id=project.id,
                drawing_area_id=area.id,
                drawing_set_id=drawing_set.id,
                drawing_log_imports=[
                    dpb.DrawingLogImport(
                        drawing_date="2026-11-20",
                        received_date="2026-11-21",
                        revision_number=number,
                        upload_uuid=upload.uuid,
                        drawing_id=sheet.drawing.id,
                    )
                ],
            ),
            token,
        ).drawing_upload
        status_name = dpb.DrawingUploadStatus.Name(created.status)
        self.said(f"CreateDrawingUpload {created.id}: {status_name} (processed in the background)")
        done_states = (
            dpb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW,
            dpb.DRAWING_UPLOAD_STATUS_FAILED,
        )

        def processed() -> dpb.DrawingUpload | None:
            polled = self.api.call(
                drawing.GetDrawingUpload,
                dpb.GetDrawingUploadRequest(drawing_upload_id=created.id),
                token,
            ).drawing_upload
            return polled if polled.status in done_states else None

        done = until(processed, "the import of the upload")
        if done.status != dpb.DRAWING_UPLOAD_STATUS_READY_FOR_REVIEW:
            raise click.ClickException(f"the import failed: {done.error_message}")
        self.said(f"GetDrawingUpload: READY_FOR_REVIEW, revisions {list(done.revision_ids)}")
        self.api.call(
            drawing.ConfirmDrawingRevisions,
            dpb.ConfirmDrawingRevisionsRequest(
                project_id=project.id, revision_ids=done.revision_ids
            ),
            token,
        )
        published = self.api.call(
            drawing.PublishDrawingRevisions,
            dpb.PublishDrawingRevisionsRequest(
                set_id=drawing_set.id, revision_ids=done.revision_ids
            ),
            token,
        )
        revision = published.revisions[0]
        self.said(f"confirmed and published: A-101 revision {number} ({revision.id})")
        return revision

    def settled_mail(self, project: pb.Project, token: str, at_least: int) -> list[Any]:
        def settled() -> list[Any] | None:
            found = deliveries_of(self.api, project.id, token)
            done = [d for d in found if d.status in FINISHED_MAIL]
            return found if len(found) >= at_least and len(done) == len(found) else None

        return until(settled, f"the mail about {project.id}")


def maildir_messages(maildir: Path, message_ids: set[str]) -> dict[str, EmailMessage]:
    """Those messages found in a local Maildir (``make run``'s mail), by Message-ID."""
    found = {}
    for path in sorted((maildir / "new").glob("*")) + sorted((maildir / "cur").glob("*")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if isinstance(message, EmailMessage) and str(message["Message-ID"]) in message_ids:
            found[str(message["Message-ID"])] = message
    return found


def link_line(message: EmailMessage) -> str:
    """The line of the plain-text body that names the connection and links to it."""
    body = message.get_body(("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    return next((line for line in text.splitlines() if line.startswith("Connection ")), "")


def run_demo(api: Api, issuer: TokenIssuer, out: Console, settings: Settings) -> str:
    """The journey; returns the connection id."""
    journey = Journey(api, issuer, out)
    journey.step("The platform creates two companies, a project each, and their people")
    architects = journey.company("Hartmann Architects", pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED)
    builders = journey.company("Nordbau Construction", pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
    design = journey.project(architects, "Riverside Tower – Design")
    site = journey.project(builders, "Riverside Tower – Site")
    anna, anna_token = journey.user(architects, "Anna Hartmann")
    ben, ben_token = journey.user(builders, "Ben Nordmann")
    journey.said(f"upstream   {architects.name} ({architects.id}): project {design.id}")
    journey.said(f"downstream {builders.name} ({builders.id}): project {site.id}")
    journey.said(f"Anna ({anna.email}) runs the design; Ben ({ben.email}) the site")

    journey.step("Each gets Connection Manager and Drawings admin on their project")
    journey.grant(design, anna, ADMIN, ADMIN)
    journey.grant(site, ben, ADMIN, ADMIN)
    journey.grant(design, ben, None, READ_ONLY)  # Ben may find the design project to ask for it
    journey.tell(design, anna_token, [anna.email])
    journey.tell(site, ben_token, [ben.email])
    journey.said("their own addresses are on their projects' Connection Manager lists")

    journey.step("Anna uploads and publishes a drawing (the seed-002 upload flow)")
    sheet = journey.publish_a_drawing(design, anna_token)

    journey.step("Ben asks to connect the site project to the design project")
    request = pb.RequestConnectionRequest(
        downstream_project_id=site.id, upstream_project_id=design.id
    )
    connection = api.call(api.connection.RequestConnection, request, ben_token).connection
    journey.said(f"connection {connection.id}: {state_of(connection)} (the architects review)")

    journey.step("Anna approves it")
    approve = pb.ApproveConnectionRequest(connection_id=connection.id)
    connection = api.call(api.connection.ApproveConnection, approve, anna_token).connection
    journey.said(f"connection {connection.id}: {state_of(connection)}")
    out.print(connections_table("Ben's view of the site project", [connection]))

    journey.step("The initial copy runs (WatchInitialCopyProgress)")
    watch_initial_copy(api, connection.id, out, ben_token)
    listing = dpb.ListDrawingRevisionsRequest(project_id=site.id, connection_id=connection.id)
    copies = until(
        lambda: (
            list(api.call(api.drawing.ListDrawingRevisions, listing, ben_token).revisions) or None
        ),
        "the copy in the site project",
    )
    for copy in copies:
        journey.said(
            f"in the site project: {copy.file_name} revision {copy.revision_number} "
            f"({copy.id}), copied from {copy.upstream_revision_id}"
        )

    journey.step("The mail about it")
    maildir = settings.data_dir / "maildir"
    # Anna hears of the request and of the connection; Ben of the connection and the copy.
    for project, token, who in ((design, anna_token, "Anna"), (site, ben_token, "Ben")):
        sent = journey.settled_mail(project, token, at_least=2)
        out.print(deliveries_table(f"{who}'s project {project.id}", sent))
        if settings.smtp_host:
            continue
        messages = maildir_messages(maildir, {d.message_id for d in sent})
        for delivery in sent:
            message = messages.get(delivery.message_id)
            subject = str(message["Subject"]) if message else "(not in the Maildir)"
            journey.said(f"{delivery_status(delivery.status)} to {delivery.recipient}: {subject}")
            if message is not None:
                journey.said(f"  {link_line(message)}")
    where = (
        f"the Maildir {maildir.resolve()}"
        if not settings.smtp_host
        else f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    )
    journey.said(f"mail went to {where}")

    journey.step("Anna publishes revision 2 of A-101; the sync brings it to the site project")
    revision = journey.publish_revision(sheet, "2", anna_token)
    arrived = dpb.ListDrawingRevisionsRequest(
        project_id=site.id, connection_id=connection.id, upstream_revision_id=revision.id
    )
    started = time.monotonic()

    def copied() -> dpb.DrawingRevision | None:
        found = api.call(api.drawing.ListDrawingRevisions, arrived, ben_token).revisions
        return found[0] if found else None

    copy = until(copied, "revision 2 in the site project")
    journey.said(
        f"in the site project after {time.monotonic() - started:.1f} s: {copy.file_name} "
        f"revision {copy.revision_number} ({copy.id})"
    )
    journey.said("Ben's list hears of it in one digest when the connection's window closes (R24)")

    out.print(
        f"\n[bold]Done.[/bold] Look around with a token of Ben's:\n"
        f"  export CONNECTABILITY_TOKEN=$(connectability token --user {ben.id} "
        f"--company {builders.id})\n"
        f"  connectability connections show {connection.id}\n"
        f"  connectability deliveries list --project {site.id}"
    )
    return connection.id


@click.command()
def demo() -> None:
    """The whole journey through the public API against running services (`make run`)."""
    settings = Settings()
    find_signing_key(settings, create_keys=False)
    issuer = TokenIssuer(settings.signing_key_source, settings.jwt_audience, settings.jwt_issuer)
    # Lines stay whole (the closing commands are copied and pasted); tables fit the width.
    out = Console(highlight=False, soft_wrap=True)
    with public_api("", settings) as api:
        run_demo(api, issuer, out, settings)
