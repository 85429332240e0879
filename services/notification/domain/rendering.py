"""What each kind of event says: a subject, a plain-text body and an HTML body.

Everything comes from the event itself (names as they were when it happened), so a resend
after a restart renders the same message. HTML bodies escape every value they carry. Each
message names its connection and links to it in the web app, at an address built from the
web app's base URL (``CONNECTABILITY_WEB_BASE_URL``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

from connectability.internal.v1 import notification_internal_service_pb2 as pb

# Shown at most in one email; the count still says how many arrived.
MAX_LISTED_ITEMS = 50
# Where the web app answers when nothing else is configured (a local trial).
DEFAULT_WEB_BASE_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Wording:
    subject: str
    lines: list[str]
    next_step: str


def _other(event: pb.NotificationEvent) -> str:
    project = event.other_project_name or event.other_project_id or "another project"
    company = event.other_company_name or event.other_company_id
    return f"{project} ({company})" if company else project


def _ours(event: pb.NotificationEvent) -> str:
    project = event.project_name or event.project_id
    return f"{project} ({event.company_name})" if event.company_name else project


def _reason_line(event: pb.NotificationEvent) -> list[str]:
    return [f"Reason given: {event.reason}"] if event.reason else ["No reason was given."]


def _item_line(item: pb.NotificationItem) -> str:
    parts = [item.drawing_number or "(no number)"]
    if item.title:
        parts.append(item.title)
    if item.revision_number:
        parts.append(f"revision {item.revision_number}")
    if item.discipline:
        parts.append(f"[{item.discipline}]")
    return " – ".join(parts)


def _wording(event: pb.NotificationEvent) -> _Wording:
    ours, other = _ours(event), _other(event)
    kind = event.kind
    if kind == pb.NOTIFICATION_EVENT_KIND_CONNECTION_REQUESTED:
        who = f" by {event.actor_name}" if event.actor_name else ""
        return _Wording(
            f"Connection request from {other}",
            [f"{other} asks{who} to connect to {ours} and receive its drawings."],
            "Open Connection Manager in your project to approve or reject the request.",
        )
    if kind == pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED:
        return _Wording(
            f"{ours} is now connected to {other}",
            [f"The connection between {ours} and {other} is active."],
            "Open Connection Manager to see the connection and its sync state.",
        )
    if kind == pb.NOTIFICATION_EVENT_KIND_CONNECTION_REJECTED:
        return _Wording(
            f"Connection request rejected by {other}",
            [f"{other} rejected the request to connect {ours}.", *_reason_line(event)],
            "Contact the other company if you still need the connection, then request again.",
        )
    if kind == pb.NOTIFICATION_EVENT_KIND_CONNECTION_DISCONNECTED:
        who = event.actor_name or "the system"
        return _Wording(
            f"{ours} was disconnected from {other}",
            [
                f"The connection between {ours} and {other} was ended by {who}.",
                *_reason_line(event),
            ],
            "No more drawings will be copied; what was copied stays in your project.",
        )
    if kind == pb.NOTIFICATION_EVENT_KIND_INITIAL_COPY_COMPLETE:
        return _Wording(
            f"Initial copy from {other} is complete",
            [f"{event.count} revision(s) from {other} arrived in {ours}."],
            "Open the Drawings tool of your project to review and publish them.",
        )
    if kind == pb.NOTIFICATION_EVENT_KIND_NEW_REVISIONS_READY:
        listed = [_item_line(item) for item in event.items[:MAX_LISTED_ITEMS]]
        more = event.count - len(listed)
        return _Wording(
            f"{event.count} new revision(s) from {other} ready for review",
            [
                f"New drawings or revisions from {other} arrived in {ours}:",
                *[f"- {line}" for line in listed],
                *([f"… and {more} more."] if more > 0 else []),
            ],
            "Open the Drawings tool of your project to review and publish them.",
        )
    raise ValueError(f"no wording for event kind {kind}")


def connection_link(event: pb.NotificationEvent, web_base_url: str) -> str:
    """The page of the event's connection in its project's Connection Manager."""
    project, connection = quote(event.project_id, safe=""), quote(event.connection_id, safe="")
    return f"{web_base_url.rstrip('/')}/projects/{project}/connections/{connection}"


def render(event: pb.NotificationEvent, web_base_url: str = DEFAULT_WEB_BASE_URL) -> RenderedEmail:
    """The email telling ``event``; ``ValueError`` for a kind we cannot word."""
    wording = _wording(event)
    link = connection_link(event, web_base_url)
    connection_line = f"Connection {event.connection_id}: {link}"
    text = "\n".join([*wording.lines, "", wording.next_step, connection_line, ""])
    paragraphs = [line for line in wording.lines if not line.startswith("- ")]
    items = [line[2:] for line in wording.lines if line.startswith("- ")]
    html_parts = [f"<p>{html.escape(line)}</p>" for line in paragraphs]
    if items:
        listed = "".join(f"<li>{html.escape(item)}</li>" for item in items)
        # The list belongs right after the sentence that introduces it.
        html_parts.insert(1, f"<ul>{listed}</ul>")
    html_parts.append(f"<p><strong>{html.escape(wording.next_step)}</strong></p>")
    html_parts.append(
        f"<p>Connection {html.escape(event.connection_id)}: "
        f'<a href="{html.escape(link, quote=True)}">{html.escape(link)}</a></p>'
    )
    body = "\n".join(html_parts)
    page = f"<!DOCTYPE html>\n<html><body>\n{body}\n</body></html>\n"
    return RenderedEmail(subject=wording.subject, text=text, html=page)
