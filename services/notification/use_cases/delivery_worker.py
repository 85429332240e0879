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

from connectability.internal.v1 import notification_internal_service_pb2 as pb
from services.notification.clients.transports import PermanentFailure, TemporaryFailure, Transport
from services.notification.domain import deliveries
from services.notification.domain.deliveries import MAX_ERROR_LENGTH, DeliveryStatus
from services.notification.domain.mail_messages import build_message
from services.notification.domain.rendering import DEFAULT_WEB_BASE_URL, render
from services.notification.domain.retry_policy import (
    AttemptOutcome,
    RetryPolicy,
    after_broken_attempt,
    after_permanent_failure,
    after_success,
    after_temporary_failure,
    retry_horizon_start,
)
from services.notification.store.unit_of_work import NotificationUnitOfWork
from shared.persistence.db import utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 20


class DeliveryWorker:
    def __init__(
        self,
        uow: Callable[[], NotificationUnitOfWork],
        transport: Transport,
        mail_from: str,
        policy: RetryPolicy | None = None,
        flush_digests: Callable[[], int] | None = None,
        web_base_url: str = DEFAULT_WEB_BASE_URL,
    ) -> None:
        self._uow = uow
        # Each message links to its connection in the web app at this address.
        self._web_base_url = web_base_url
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
        now = utcnow()
        with self._uow() as uow:
            interrupted = uow.deliveries.interrupted()
            for delivery in interrupted:
                recovered = deliveries.recover_interrupted(DeliveryStatus(delivery.status))
                delivery.status = recovered.value
                delivery.next_attempt_at = now
                delivery.updated_at = now
            return len(interrupted)

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
                    # One message must not hold up the others (R25).
                    log.exception("delivery attempt broke", extra={"delivery_id": delivery_id})
                    self._finish(delivery_id, after_broken_attempt(str(error)))
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
        with self._uow() as uow:
            due = uow.deliveries.due(utcnow(), BATCH_SIZE)
            for delivery in due:
                delivery.status = deliveries.claim(DeliveryStatus(delivery.status)).value
                delivery.attempts += 1
            return [delivery.id for delivery in due]

    def _attempt(self, delivery_id: int) -> None:
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            event = pb.NotificationEvent.FromString(uow.events.get(delivery.event_id).payload)
            message = build_message(
                render(event, self._web_base_url),
                mail_from=self._mail_from,
                recipient=delivery.recipient,
                message_id=delivery.message_id,
                date=delivery.created_at,
            )
            attempts = delivery.attempts
            horizon_start = retry_horizon_start(delivery.created_at, delivery.retrying_since)
            fields = {
                "delivery_id": delivery_id,
                "message_id": delivery.message_id,
                "kind": pb.NotificationEventKind.Name(event.kind),
                "project_id": delivery.project_id,
                "connection_id": event.connection_id,
                "attempts": attempts,
            }
        try:
            self._transport.send(message)
        except PermanentFailure as error:
            outcome = after_permanent_failure(str(error))
            self._failed_attempt(delivery_id, attempts, error, outcome)
        except TemporaryFailure as error:
            outcome = after_temporary_failure(
                self._policy, attempts, horizon_start, utcnow(), str(error)
            )
            self._failed_attempt(delivery_id, attempts, error, outcome)
        else:
            outcome = after_success()
        self._finish(delivery_id, outcome)
        _announce(outcome, fields)

    @staticmethod
    def _failed_attempt(
        delivery_id: int, attempts: int, error: Exception, outcome: AttemptOutcome
    ) -> None:
        log.warning(
            "mail delivery attempt failed",
            extra={
                "delivery_id": delivery_id,
                "attempts": attempts,
                "error": str(error)[:500],
                "retry_in_seconds": outcome.retry_in.total_seconds() if outcome.retry_in else None,
            },
        )

    def _finish(self, delivery_id: int, outcome: AttemptOutcome) -> None:
        """Record the attempt's outcome (committed when this returns)."""
        now = utcnow()
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            delivery.status = outcome.settle(DeliveryStatus(delivery.status)).value
            delivery.last_error = outcome.error[:MAX_ERROR_LENGTH]
            if outcome.status is DeliveryStatus.SENT:
                delivery.sent_at = now
            if outcome.retry_in is not None:
                delivery.next_attempt_at = now + outcome.retry_in


def _announce(outcome: AttemptOutcome, fields: dict[str, object]) -> None:
    """A mail sent, or given up on, at INFO once recorded; a retry is the warning above."""
    if outcome.status is DeliveryStatus.SENT:
        log.info("mail sent", extra=fields)
    elif outcome.status is DeliveryStatus.FAILED:
        log.info("mail failed", extra={**fields, "reason": outcome.error[:500]})
