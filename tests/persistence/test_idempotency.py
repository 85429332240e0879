"""The AIP-155 replay store, with each service's table."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import connection_service_pb2 as pb
from services.connection.store.models import IdempotentRequest as ConnectionIdempotentRequest
from services.drawing.store.models import IdempotentRequest as DrawingIdempotentRequest
from services.notification.store.models import IdempotentRequest as NotificationIdempotentRequest
from shared.facts.identity import Principal, PrincipalKind, bind_principal, unbind_principal
from shared.persistence.db import RecordConflict
from shared.persistence.db_mixins import IdempotentRequestColumns
from shared.persistence.idempotency import (
    IdempotencyMismatch,
    IdempotencyStore,
    request_fingerprint,
)
from shared.persistence.idempotent_calls import IdempotentCalls, idempotent
from shared.persistence.unit_of_work import UnitOfWork
from tests.persistence.service_databases import migrated_sessions

STORES: dict[str, tuple[str, type[IdempotentRequestColumns]]] = {
    "connection": ("connection", ConnectionIdempotentRequest),
    "drawing": ("drawing", DrawingIdempotentRequest),
    "notification": ("notification", NotificationIdempotentRequest),
}

REQUEST = b"\x0a\x05tower"
ANSWER = b"\x12\x07created"


@pytest.fixture(params=list(STORES))
def store_and_sessions(
    request: pytest.FixtureRequest, database_url: str
) -> Iterator[tuple[IdempotencyStore, sessionmaker[Session]]]:
    service, model = STORES[request.param]
    with migrated_sessions(database_url, service) as sessions:
        yield IdempotencyStore(model), sessions


def test_new_request_then_replay(
    store_and_sessions: tuple[IdempotencyStore, sessionmaker[Session]],
) -> None:
    store, sessions = store_and_sessions
    fingerprint = request_fingerprint(REQUEST)
    with sessions.begin() as session:
        assert store.replay(session, "ann", "CreateThing", "r-1", fingerprint) is None
        store.remember(session, "ann", "CreateThing", "r-1", fingerprint, ANSWER)

    with sessions.begin() as session:
        assert store.replay(session, "ann", "CreateThing", "r-1", fingerprint) == ANSWER
        # The same id is another request for another caller or another method.
        assert store.replay(session, "bob", "CreateThing", "r-1", fingerprint) is None
        assert store.replay(session, "ann", "DeleteThing", "r-1", fingerprint) is None


def test_same_id_with_another_request_is_a_mismatch(
    store_and_sessions: tuple[IdempotencyStore, sessionmaker[Session]],
) -> None:
    store, sessions = store_and_sessions
    with sessions.begin() as session:
        store.remember(session, "ann", "CreateThing", "r-1", request_fingerprint(REQUEST), ANSWER)

    with pytest.raises(IdempotencyMismatch), sessions.begin() as session:
        store.replay(session, "ann", "CreateThing", "r-1", request_fingerprint(b"other"))


def test_answer_is_kept_only_if_the_transaction_commits(
    store_and_sessions: tuple[IdempotencyStore, sessionmaker[Session]],
) -> None:
    store, sessions = store_and_sessions
    fingerprint = request_fingerprint(REQUEST)
    with pytest.raises(RuntimeError), sessions.begin() as session:
        store.remember(session, "ann", "CreateThing", "r-1", fingerprint, ANSWER)
        raise RuntimeError("the mutation failed after all")

    with sessions.begin() as session:
        assert store.replay(session, "ann", "CreateThing", "r-1", fingerprint) is None


def test_empty_request_id_means_no_idempotency(
    store_and_sessions: tuple[IdempotencyStore, sessionmaker[Session]],
) -> None:
    store, sessions = store_and_sessions
    with sessions.begin() as session:
        store.remember(session, "ann", "CreateThing", "", "f", ANSWER)
        assert store.replay(session, "ann", "CreateThing", "", "f") is None


def test_remembering_twice_is_a_conflict(
    store_and_sessions: tuple[IdempotencyStore, sessionmaker[Session]],
) -> None:
    store, sessions = store_and_sessions
    with sessions.begin() as session:
        store.remember(session, "ann", "CreateThing", "r-1", "f", ANSWER)
    with pytest.raises(RecordConflict), sessions.begin() as session:
        store.remember(session, "ann", "CreateThing", "r-1", "f", ANSWER)


def test_concurrent_twin_waits_and_replays(
    store_and_sessions: tuple[IdempotencyStore, sessionmaker[Session]],
) -> None:
    store, sessions = store_and_sessions
    fingerprint = request_fingerprint(REQUEST)
    first_is_inside = threading.Event()
    twin_answers: list[bytes | None] = []

    def twin() -> None:
        first_is_inside.wait()
        with sessions.begin() as session:
            twin_answers.append(store.replay(session, "ann", "CreateThing", "r-1", fingerprint))

    waiting_twin = threading.Thread(target=twin)
    waiting_twin.start()
    with sessions.begin() as session:
        assert store.replay(session, "ann", "CreateThing", "r-1", fingerprint) is None
        first_is_inside.set()
        time.sleep(0.3)  # the twin is now blocked behind this transaction
        store.remember(session, "ann", "CreateThing", "r-1", fingerprint, ANSWER)
    waiting_twin.join(timeout=15)

    assert twin_answers == [ANSWER]


class _Servicer:
    """A servicer with one idempotent method that also runs a nested unit of work."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.idempotent_calls = IdempotentCalls(sessions, DrawingIdempotentRequest)
        self.sessions = sessions
        self.runs = 0
        self.committed: list[str] = []

    @idempotent(pb.CreateCompanyResponse)
    def CreateCompany(
        self, request: pb.CreateCompanyRequest, context: object
    ) -> pb.CreateCompanyResponse:
        self.runs += 1
        with UnitOfWork(self.sessions) as uow:
            uow.after_commit(lambda: self.committed.append(request.company_id))
        return pb.CreateCompanyResponse(company=pb.Company(name=f"run {self.runs}"))


def test_an_idempotent_method_runs_once_and_replays_its_first_answer(database_url: str) -> None:
    request = pb.CreateCompanyRequest(company_id="acme", request_id="r-1")
    with migrated_sessions(database_url, "drawing") as sessions:
        servicer = _Servicer(sessions)
        binding = bind_principal(Principal(kind=PrincipalKind.SERVICE, subject="connection"))
        try:
            first = servicer.CreateCompany(request, None)
            again = servicer.CreateCompany(request, None)
        finally:
            unbind_principal(binding)
    assert (first.company.name, again.company.name, servicer.runs) == ("run 1", "run 1", 1)
    assert servicer.committed == ["acme"]
