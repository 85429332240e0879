"""Where messages go: an SMTP server, or a local Maildir when none is configured.

A transport either returns (the message was accepted) or raises ``TemporaryFailure`` (try
again later: 4xx replies, connection trouble) or ``PermanentFailure`` (5xx: give up now).
"""

from __future__ import annotations

import hashlib
import os
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

SMTP_TIMEOUT_SECONDS = 30.0


class TemporaryFailure(Exception):
    """Sending may work later."""


class PermanentFailure(Exception):
    """Sending will never work; the reason says why."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def _refusal(code: int, text: bytes | str) -> Exception:
    said = text.decode(errors="replace") if isinstance(text, bytes) else text
    reason = f"{code} {said}".strip()
    return PermanentFailure(reason) if 500 <= code <= 599 else TemporaryFailure(reason)


class SmtpTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = False,
        username: str = "",
        password: str = "",
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        self._host, self._port, self._timeout = host, port, timeout
        self._starttls, self._username, self._password = starttls, username, password

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                if self._username:
                    smtp.login(self._username, self._password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            # One recipient per message: its refusal is the message's.
            code, text = next(iter(error.recipients.values()))
            raise _refusal(code, text) from error
        except smtplib.SMTPResponseException as error:
            raise _refusal(error.smtp_code, error.smtp_error) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error


class MaildirTransport:
    """Writes each message once into ``<root>/new``, named after its Message-ID."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def send(self, message: EmailMessage) -> None:
        for folder in ("tmp", "new", "cur"):
            (self._root / folder).mkdir(parents=True, exist_ok=True)
        name = maildir_name(str(message["Message-ID"]))
        if (self._root / "new" / name).exists() or _read_already(self._root, name):
            return  # written before a crash cut our record of it short
        staged = self._root / "tmp" / f"{name}.{os.getpid()}"
        staged.write_bytes(message.as_bytes())
        try:
            # A hard link never replaces: a twin that won the race keeps its file.
            os.link(staged, self._root / "new" / name)
        except FileExistsError:
            pass
        finally:
            staged.unlink(missing_ok=True)


def maildir_name(message_id: str) -> str:
    return f"{hashlib.sha256(message_id.encode()).hexdigest()[:32]}.connectability"


def _read_already(root: Path, name: str) -> bool:
    # Mail readers move messages to cur/ and append ":2,<flags>" to the name.
    return any((root / "cur").glob(f"{name}:*")) or (root / "cur" / name).exists()
