"""The delivery worker: sends due messages, retrying with back-off and recording every
attempt (R25).

A message is marked ``sending`` (its attempt counted) before the mail transaction and
``sent`` after. A crash between the two leaves it ``sending``: it is queued again and the
resend carries the same Message-ID, so mail systems fold the two.

Several workers (notification replicas on one PostgreSQL) share the queue. A claim skips
rows another worker holds (``SKIP LOCKED``) and is a lease: while ``sending``,
``next_attempt_at`` is when the claim runs out, renewed before each send. Only claims whose
lease ran out are queued again, by whichever worker sees it first, so a live replica's send
is never doubled; the attempt count is the claim's fencing token, so a worker that lost its
claim (it outlived its lease) neither sends nor records the message. A sole worker (SQLite)
queues again everything left ``sending`` when it starts, without waiting for leases.
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
        sole_worker: bool = False,
    ) -> None:
        self._uow = uow
        self._sole_worker = sole_worker
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
        self.recover_interrupted(everything=self._sole_worker)
        self._thread = threading.Thread(target=self._run, name="notification-delivery")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def recover_interrupted(self, everything: bool = False) -> int:
        """Queue again what a crash left ``sending`` (claims whose lease ran out, or
        ``everything``); its Message-ID stays the same."""
        now = utcnow()
        with self._uow() as uow:
            interrupted = uow.deliveries.interrupted(None if everything else now)
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
        self.recover_interrupted()
        attempted = 0
        while not self._stopping.is_set():
            claimed = self._claim_due()
            if not claimed:
                return attempted
            for delivery_id, attempt in claimed:
                try:
                    self._attempt(delivery_id, attempt)
                except Exception as error:
                    # One message must not hold up the others (R25).
                    log.exception("delivery attempt broke", extra={"delivery_id": delivery_id})
                    self._finish(delivery_id, attempt, after_broken_attempt(str(error)))
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

    def _claim_due(self) -> list[tuple[int, int]]:
        """(delivery id, attempt) of each message claimed."""
        now = utcnow()
        with self._uow() as uow:
            due = uow.deliveries.due(now, BATCH_SIZE)
            for delivery in due:
                delivery.status = deliveries.claim(DeliveryStatus(delivery.status)).value
                delivery.attempts += 1
                delivery.next_attempt_at = now + self._policy.claim_lease
            return [(delivery.id, delivery.attempts) for delivery in due]

    def _attempt(self, delivery_id: int, attempt: int) -> None:
        with self._uow() as uow:
            delivery = uow.deliveries.held(delivery_id, attempt)
            if delivery is None:
                log.warning("claim lost before sending", extra={"delivery_id": delivery_id})
                return
            # The claim's lease covers this send from now on (others wait in the batch).
            delivery.next_attempt_at = utcnow() + self._policy.claim_lease
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
        if self._finish(delivery_id, attempt, outcome):
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

    def _finish(self, delivery_id: int, attempt: int, outcome: AttemptOutcome) -> bool:
        """Record the attempt's outcome (committed when this returns); False when the claim
        was lost (another worker took the message over and records its own outcome)."""
        now = utcnow()
        with self._uow() as uow:
            delivery = uow.deliveries.held(delivery_id, attempt)
            if delivery is None:
                log.warning("claim lost before recording", extra={"delivery_id": delivery_id})
                return False
            # The lease ends with the attempt; a retry waits its own time.
            delivery.next_attempt_at = now
            delivery.status = outcome.settle(DeliveryStatus(delivery.status)).value
            delivery.last_error = outcome.error[:MAX_ERROR_LENGTH]
            if outcome.status is DeliveryStatus.SENT:
                delivery.sent_at = now
            if outcome.retry_in is not None:
                delivery.next_attempt_at = now + outcome.retry_in
        return True


def _announce(outcome: AttemptOutcome, fields: dict[str, object]) -> None:
    """A mail sent, or given up on, at INFO once recorded; a retry is the warning above."""
    if outcome.status is DeliveryStatus.SENT:
        log.info("mail sent", extra=fields)
    elif outcome.status is DeliveryStatus.FAILED:
        log.info("mail failed", extra={**fields, "reason": outcome.error[:500]})
