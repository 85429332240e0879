"""AIP-155 for servicers: a mutation with a ``request_id`` runs once; retries replay it.

Decorate a servicer method with ``@idempotent(ResponseType)``; the servicer holds an
``IdempotentCalls`` as ``idempotent_calls``. The call then runs inside one unit of work,
which the use case's own ``with uow:`` joins, and the answer is stored in that same
transaction: it exists if and only if the mutation committed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from google.protobuf.message import Message
from sqlalchemy.orm import Session, sessionmaker

from shared.facts.identity import current_principal
from shared.persistence.db import RecordConflict
from shared.persistence.idempotency import IdempotencyStore, request_fingerprint
from shared.persistence.unit_of_work import UnitOfWork

ResponseT = TypeVar("ResponseT", bound=Message)


class IdempotentCalls:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        replay_model: type[Any],
        admit: Callable[[str], object] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._store = IdempotencyStore(replay_model)
        # The service's access table (``access_policy.admit``): a caller of a kind the
        # method refuses is refused before any replay lookup, as if nothing were stored.
        self._admit = admit

    def run(
        self,
        method: str,
        request: Any,
        response_type: type[ResponseT],
        mutate: Callable[[Session], ResponseT],
    ) -> ResponseT:
        """``mutate`` inside one transaction, unless this request id was answered already."""
        if self._admit is not None:
            self._admit(method)
        caller = current_principal().describe()
        request_id = str(getattr(request, "request_id", ""))
        fingerprint = request_fingerprint(request.SerializeToString(deterministic=True))
        for _ in range(2):  # a second pass replays the answer of a twin that won a race
            try:
                with UnitOfWork(self._session_factory) as uow:
                    session = uow.session
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


class _Servicer(Protocol):
    idempotent_calls: IdempotentCalls


ServicerT = TypeVar("ServicerT", bound=_Servicer)
RequestT = TypeVar("RequestT", bound=Message)


def idempotent(
    response_type: type[ResponseT],
    unless: Callable[[Any], bool] | None = None,
) -> Callable[
    [Callable[[ServicerT, RequestT, Any], ResponseT]],
    Callable[[ServicerT, RequestT, Any], ResponseT],
]:
    """A servicer method that runs once per request id; its name is the replay key.

    A request for which ``unless`` is true (a preview, which changes nothing) runs as it
    is, with no replay record: its request id is ignored.
    """

    def decorate(
        method: Callable[[ServicerT, RequestT, Any], ResponseT],
    ) -> Callable[[ServicerT, RequestT, Any], ResponseT]:
        @functools.wraps(method)
        def once(servicer: ServicerT, request: RequestT, context: Any) -> ResponseT:
            if unless is not None and unless(request):
                return method(servicer, request, context)
            return servicer.idempotent_calls.run(
                method.__name__,
                request,
                response_type,
                lambda _session: method(servicer, request, context),
            )

        return once

    return decorate
