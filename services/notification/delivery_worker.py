"""The delivery worker: sends due messages, retrying with back-off and recording every
attempt (R25).

A message is marked ``sending`` (its attempt counted) before the mail transaction and
``sent`` after. A crash between the two leaves it ``sending``: the next start queues it
again and the resend carries the same Message-ID, so mail systems fold the two. One worker
per database is assumed for that recovery (the claim itself skips rows other workers hold).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from services.notification.mail_messages import build_message
from services.notification.rendering import render
from services.notification.store.models import Delivery, NotificationEvent
from services.notification.transports import PermanentFailure, TemporaryFailure, Transport
from shared.persistence.db import utcnow

log = logging.getLogger(__name__)

DUE_STATUSES = ("queued", "retrying")
BATCH_SIZE = 20
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class RetryPolicy:
    """How a message the mail server cannot take now is retried (R25)."""

    # How long after it was queued a message is still retried: a mail server down for hours
    # delays mail but loses none. Then it is FAILED, and can be sent again by hand.
    retry_for: timedelta = timedelta(hours=24)
    # The wait after the first failed attempt; it doubles after each further one, up to
    # max_delay_seconds.
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 900.0
    # How often the worker looks for due messages when idle.
    poll_interval_seconds: float = 0.5

    def delay_after(self, attempts: int) -> timedelta:
        doublings = min(max(attempts - 1, 0), 64)  # past the cap anyway; no float overflow
        return timedelta(
            seconds=min(self.base_delay_seconds * 2**doublings, self.max_delay_seconds)
        )

    def gives_up(self, queued_at: datetime, now: datetime) -> bool:
        return now - queued_at >= self.retry_for


class DeliveryWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        transport: Transport,
        mail_from: str,
        policy: RetryPolicy | None = None,
        flush_digests: Callable[[], int] | None = None,
    ) -> None:
        self._sessions = sessions
        # Digests whose window closed become queued messages at the start of each round.
        self._flush_digests = flush_digests
        self._transport = transport
        self._mail_from = mail_from
        self._policy = policy or RetryPolicy()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.recover_interrupted()
        self._thread = threading.Thread(target=self._run, name="notification-delivery")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def recover_interrupted(self) -> int:
        """Queue again what a crash left ``sending``; its Message-ID stays the same."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(Delivery)
                .where(Delivery.status == "sending")
                .values(status="retrying", next_attempt_at=utcnow(), updated_at=utcnow())
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def run_once(self) -> int:
        """Attempt every message due now; how many were attempted."""
        if self._flush_digests is not None:
            self._flush_digests()
        attempted = 0
        while not self._stopping.is_set():
            claimed = self._claim_due()
            if not claimed:
                return attempted
            for delivery_id in claimed:
                try:
                    self._attempt(delivery_id)
                except Exception as error:
                    # One message must not hold up the others (R25): it fails alone,
                    # recorded, instead of leaving the batch SENDING.
                    log.exception("delivery attempt broke", extra={"delivery_id": delivery_id})
                    self._finish(delivery_id, "failed", f"the attempt broke: {error}")
                attempted += 1
        return attempted

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception:
                # The database may be briefly away; the next round tries again.
                log.exception("delivery round failed")
            self._stopping.wait(self._policy.poll_interval_seconds)

    def _claim_due(self) -> list[int]:
        with self._sessions.begin() as session:
            due = list(
                session.scalars(
                    select(Delivery)
                    .where(Delivery.status.in_(DUE_STATUSES), Delivery.next_attempt_at <= utcnow())
                    .order_by(Delivery.next_attempt_at, Delivery.id)
                    .limit(BATCH_SIZE)
                    .with_for_update(skip_locked=True)
                )
            )
            for delivery in due:
                delivery.status = "sending"
                delivery.attempts += 1
            return [delivery.id for delivery in due]

    def _attempt(self, delivery_id: int) -> None:
        with self._sessions() as session:
            delivery = session.get_one(Delivery, delivery_id)
            event_row = session.get_one(NotificationEvent, delivery.event_id)
            event = pb.NotificationEvent.FromString(event_row.payload)
            message = build_message(
                render(event),
                mail_from=self._mail_from,
                recipient=delivery.recipient,
                message_id=delivery.message_id,
                date=delivery.created_at,
            )
            # The retry horizon runs from the last resend by hand, else from the queueing.
            attempts = delivery.attempts
            queued_at = delivery.retrying_since or delivery.created_at
        try:
            self._transport.send(message)
        except PermanentFailure as error:
            self._failed_attempt(delivery_id, attempts, error, retry_in=None)
            self._finish(delivery_id, "failed", str(error))
        except TemporaryFailure as error:
            if self._policy.gives_up(queued_at, utcnow()):
                self._failed_attempt(delivery_id, attempts, error, retry_in=None)
                self._finish(delivery_id, "failed", f"gave up after {attempts} attempts: {error}")
            else:
                retry_in = self._policy.delay_after(attempts)
                self._failed_attempt(delivery_id, attempts, error, retry_in)
                self._finish(delivery_id, "retrying", str(error), retry_in)
        else:
            self._finish(delivery_id, "sent", "")

    @staticmethod
    def _failed_attempt(
        delivery_id: int, attempts: int, error: Exception, retry_in: timedelta | None
    ) -> None:
        log.warning(
            "mail delivery attempt failed",
            extra={
                "delivery_id": delivery_id,
                "attempts": attempts,
                "error": str(error)[:500],
                "retry_in_seconds": retry_in.total_seconds() if retry_in else None,
            },
        )

    def _finish(
        self, delivery_id: int, status: str, error: str, retry_in: timedelta | None = None
    ) -> None:
        now = utcnow()
        with self._sessions.begin() as session:
            delivery = session.get_one(Delivery, delivery_id)
            delivery.status = status
            delivery.last_error = error[:MAX_ERROR_LENGTH]
            if status == "sent":
                delivery.sent_at = now
            if retry_in is not None:
                delivery.next_attempt_at = now + retry_in
