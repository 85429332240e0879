"""Units without a server: every event kind renders both bodies; the Maildir writes once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from services.notification.clients.transports import MaildirTransport
from services.notification.domain.events import KIND_NAMES
from services.notification.domain.mail_messages import build_message, message_id_for
from services.notification.domain.rendering import render
from tests.notification.conftest import connection_event


@pytest.mark.parametrize("kind", sorted(KIND_NAMES))
def test_every_kind_names_both_projects_and_escapes_html(kind: int) -> None:
    event = connection_event(
        "p1",
        kind,  # type: ignore[arg-type]
        other_company_name="<Evil & Co>",
        reason="Closed",
        actor_name="Dana",
        count=1,
        items=[pb.NotificationItem(drawing_number="A-101", title="Plan", revision_number="2")],
    )

    rendered = render(event)

    assert rendered.subject
    assert "Tower" in rendered.text and "<Evil & Co>" in rendered.text
    assert "&lt;Evil &amp; Co&gt;" in rendered.html and "<Evil" not in rendered.html
    assert (
        "Open" in rendered.text or "No more drawings" in rendered.text or "Contact" in rendered.text
    )


def test_message_ids_are_stable_per_event_and_recipient() -> None:
    assert message_id_for("e1", "Ann@example.com") == message_id_for("e1", "ann@example.com")
    assert message_id_for("e1", "ann@example.com") != message_id_for("e2", "ann@example.com")
    assert message_id_for("e1", "ann@example.com").endswith("@connectability.local>")


def test_the_maildir_keeps_one_file_however_often_a_message_is_written(tmp_path: Path) -> None:
    message = build_message(
        render(connection_event("p1")),
        mail_from="from@example.com",
        recipient="ann@example.com",
        message_id=message_id_for("e1", "ann@example.com"),
        date=datetime.now(UTC),
    )
    maildir = MaildirTransport(tmp_path / "maildir")

    maildir.send(message)
    maildir.send(message)

    assert len(list((tmp_path / "maildir" / "new").iterdir())) == 1
    assert list((tmp_path / "maildir" / "tmp").iterdir()) == []


def test_the_link_to_the_connection_is_quoted_and_escaped() -> None:
    event = connection_event("p 1", connection_id='c"1<x>')

    rendered = render(event, "https://cm.example.com/")

    link = "https://cm.example.com/projects/p%201/connections/c%221%3Cx%3E"
    assert f'Connection c"1<x>: {link}' in rendered.text
    assert f'<a href="{link}">' in rendered.html and "<x>" not in rendered.html
