"""Building the RFC 5322 message of one delivery, with its stable Message-ID (R25)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from services.notification.domain.rendering import RenderedEmail

MESSAGE_ID_DOMAIN = "connectability.local"


def message_id_for(event_id: str, recipient: str) -> str:
    """The same (event, recipient) always gets the same id, so a resend is folded."""
    digest = hashlib.sha256(f"{event_id}\x00{recipient.casefold()}".encode()).hexdigest()
    return f"<{digest[:32]}@{MESSAGE_ID_DOMAIN}>"


def build_message(
    rendered: RenderedEmail, *, mail_from: str, recipient: str, message_id: str, date: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = recipient
    message["Subject"] = rendered.subject
    message["Message-ID"] = message_id
    # The queueing time, not the sending time: every resend is the same message.
    message["Date"] = format_datetime(date)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message
