"""Hostile text in every string of a notice: it is mailed intact or fails alone, recorded.

Names and reasons reach the notification service from the other services' stored data
(the internal package is not held to the public API's input rules, and rows stored before a
rule existed are still sent). Hypothesis fills every string of an event (project, company
and person names, the reason, the drawing items) with line breaks of every kind, NUL,
control characters, header syntax and very long runs, and sends it beside a plain notice
through a real SMTP server: the plain notice is always delivered, the hostile one is either
delivered with exactly the headers we wrote (no header injected, one recipient) or FAILED
with its error recorded; every log line the service wrote meanwhile is one JSON line.

CI runs a few examples (the CI profile allows at most 25);
CONNECTABILITY_FUZZ_EXAMPLES runs more.
"""

from __future__ import annotations

import itertools
import json
import logging
import os

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from connectability.v1 import connection_service_pb2 as cpb
from shared.runtime.structured_logging import json_formatter
from tests.integration.calls import eventually
from tests.notification.conftest import Notification, SmtpServer, StartNotification
from tests.security.hostile_text import HOSTILE_TEXT

EXAMPLES = int(os.environ.get("CONNECTABILITY_FUZZ_EXAMPLES", "12"))
RECIPIENT = "ann@example.com"
SENT = cpb.NOTIFICATION_DELIVERY_STATUS_SENT
FAILED = cpb.NOTIFICATION_DELIVERY_STATUS_FAILED
KINDS = [kind for kind in pb.NotificationEventKind.values() if kind]
NAMES = (
    "project_name",
    "company_name",
    "other_project_name",
    "other_company_name",
    "actor_name",
    "reason",
)
# The headers a notice has (services/notification/domain/mail_messages.py): nothing else may appear.
HEADERS = {"from", "to", "subject", "message-id", "date", "mime-version", "content-type"}

ITEMS = st.lists(
    st.builds(
        pb.NotificationItem,
        drawing_number=HOSTILE_TEXT,
        title=HOSTILE_TEXT,
        revision_number=HOSTILE_TEXT,
        discipline=HOSTILE_TEXT,
    ),
    max_size=3,
)


def settled(service: Notification, event_id: str) -> cpb.NotificationDelivery:
    def probe() -> cpb.NotificationDelivery:
        (delivery,) = service.deliveries("p1", event_id)
        assert delivery.status in (SENT, FAILED), delivery
        return delivery

    return eventually(probe, timeout_seconds=15)


def test_hostile_strings_in_a_notice_are_mailed_intact_or_fail_alone(
    start_notification: StartNotification, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.start()
    service = start_notification(smtp, digest_window=0)  # every notice mailed on its own
    service.register("p1")
    service.set_list("p1", [RECIPIENT])
    numbers = itertools.count()
    caplog.set_level(logging.INFO)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),  # no shrinking: the note says all
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        kind=st.sampled_from(KINDS),
        names=st.fixed_dictionaries(dict.fromkeys(NAMES, HOSTILE_TEXT)),
        items=ITEMS,
    )
    def attempt(
        kind: pb.NotificationEventKind,
        names: dict[str, str],
        items: list[pb.NotificationItem],
    ) -> None:
        n = next(numbers)
        hostile = pb.NotificationEvent(
            kind=kind, project_id="p1", connection_id=f"hostile-{n}", items=items
        )
        for field, text in names.items():
            setattr(hostile, field, text)
        plain = pb.NotificationEvent(
            kind=pb.NOTIFICATION_EVENT_KIND_CONNECTION_CREATED,
            project_id="p1",
            connection_id=f"plain-{n}",
            project_name="Tower",
            other_project_name="Tower Design",
        )
        hostile_id = service.notify(hostile, f"hostile-{n}").event_id
        plain_id = service.notify(plain, f"plain-{n}").event_id
        delivered = settled(service, hostile_id)
        note(f"{pb.NotificationEventKind.Name(kind)} {names!r}: {delivered}")
        assert settled(service, plain_id).status == SENT
        received = {str(m["Message-ID"]): m for m in smtp.handler.received}
        if delivered.status == FAILED:
            assert delivered.last_error, "a failed notice says why"
            assert delivered.message_id not in received
            return
        message = received[delivered.message_id]
        assert {name.lower() for name in message} <= HEADERS, list(message)
        assert str(message["To"]) == RECIPIENT
        assert not any(char in str(message["Subject"]) for char in "\r\n")
        envelope = smtp.handler.envelopes[list(received).index(delivered.message_id)]
        assert envelope[1] == [RECIPIENT]

    attempt()
    formatter = json_formatter()
    for record in caplog.records:
        line = formatter.format(record)
        assert "\n" not in line and "\r" not in line, line
        json.loads(line)
