"""AIP-155 for servicers: a mutation with a ``request_id`` runs once; retries replay it.

The stored answer is written in the same transaction as the mutation, so it exists if and
only if the mutation committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy.orm import Session, sessionmaker

from shared.db import RecordConflict
from shared.idempotency import IdempotencyStore, request_fingerprint
from shared.identity import current_principal

ResponseT = TypeVar("ResponseT", bound=Message)


class IdempotentCalls:
    def __init__(self, session_factory: sessionmaker[Session], replay_model: type[Any]) -> None:
        self._session_factory = session_factory
        self._store = IdempotencyStore(replay_model)

    def run(
        self,
        method: str,
        request: Any,
        response_type: type[ResponseT],
        mutate: Callable[[Session], ResponseT],
    ) -> ResponseT:
        """``mutate`` inside one transaction, unless this request id was answered already."""
        caller = current_principal().describe()
        request_id = str(getattr(request, "request_id", ""))
        fingerprint = request_fingerprint(request.SerializeToString(deterministic=True))
        for _ in range(2):  # a second pass replays the answer of a twin that won a race
            try:
                with self._session_factory.begin() as session:
                    stored = self._store.replay(session, caller, method, request_id, fingerprint)
                    if stored is not None:
                        return response_type.FromString(stored)
                    response = mutate(session)
                    self._store.remember(
                        session,
                        caller,
                        method,
                        request_id,
                        fingerprint,
                        response.SerializeToString(deterministic=True),
                    )
                    return response
            except RecordConflict as conflict:
                if conflict.kind != "idempotent_request":
                    raise
        raise RecordConflict("idempotent_request", request_id, "request_id")
