"""AIP-155 replay store: a retried mutation with the same request id gets the first answer.

Call ``replay`` first and ``remember`` last, in the same transaction as the mutation: the
answer is then stored if and only if the mutation commits. Two concurrent calls with one
request id queue behind each other (PostgreSQL: an advisory lock on the id; SQLite: every
transaction holds the write lock), so the second one replays instead of mutating again.
An empty request id means the caller asked for no idempotency.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.persistence.db import RecordConflict
from shared.persistence.db_mixins import IdempotentRequestColumns


class IdempotencyMismatch(Exception):
    """The request id was already used for a different request."""

    def __init__(self, method: str, request_id: str) -> None:
        super().__init__(f"request_id {request_id!r} was already used for another {method} request")
        self.method = method
        self.request_id = request_id


def request_fingerprint(request_bytes: bytes) -> str:
    """What tells two requests apart: the hash of their serialized bytes."""
    return hashlib.sha256(request_bytes).hexdigest()


class IdempotencyStore:
    def __init__(self, model: type[IdempotentRequestColumns]) -> None:
        self._model = model

    def replay(
        self, session: Session, caller: str, method: str, request_id: str, fingerprint: str
    ) -> bytes | None:
        """The stored answer to this request, or None when it is new."""
        if not request_id:
            return None
        _queue_behind_same_request(session, caller, method, request_id)
        answered = session.get(
            self._model, {"caller": caller, "method": method, "request_id": request_id}
        )
        if answered is None:
            return None
        if answered.request_fingerprint != fingerprint:
            raise IdempotencyMismatch(method, request_id)
        return bytes(answered.response)

    def remember(
        self,
        session: Session,
        caller: str,
        method: str,
        request_id: str,
        fingerprint: str,
        response_bytes: bytes,
    ) -> None:
        """Store the answer; ``RecordConflict`` if the id was answered meanwhile (retry)."""
        if not request_id:
            return
        answered = self._model()
        answered.caller = caller
        answered.method = method
        answered.request_id = request_id
        answered.request_fingerprint = fingerprint
        answered.response = response_bytes
        session.add(answered)
        try:
            session.flush()
        except IntegrityError as error:
            raise RecordConflict("idempotent_request", request_id, "request_id") from error


def _queue_behind_same_request(session: Session, caller: str, method: str, request_id: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{caller}\x00{method}\x00{request_id}".encode()).digest()
    lock_key = int.from_bytes(digest[:8], "big", signed=True)
    # Held until the transaction ends; a concurrent twin waits, then sees our answer.
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
