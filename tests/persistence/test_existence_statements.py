"""R27 in timing: an outsider's NOT_FOUND for a real id runs the same statements as for a
made-up id, so the two answers take as long and the time does not tell which ids exist.

The statements run in the service, so the servicers are built here on a real database of
each backend and every statement they send is recorded (SQL text, parameters aside).
``bench/existence_timing.py`` measures what gap remains through the real services.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

import grpc
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from connectability.v1 import connection_service_pb2 as cpb
from connectability.v1 import drawing_service_pb2 as dpb
from services.connection.api.servicer import ConnectionServicer
from services.connection.domain.connection_rules import ConnectionRuleSettings
from services.connection.store.models import (
    Company,
    Connection,
    ConnectionManagerGrant,
    Project,
    User,
)
from services.connection.store.unit_of_work import ConnectionUnitOfWork
from services.connection.use_cases.connections import Connections
from services.connection.use_cases.directory import DirectoryUseCases
from services.connection.use_cases.sync_state import SyncStates
from services.drawing.api.servicer import DrawingServicer
from services.drawing.app import drawing_use_cases
from services.drawing.store.change_feed import ChangeFeed
from services.drawing.store.models import (
    Drawing,
    DrawingArea,
    DrawingRevision,
    DrawingSet,
    DrawingsGrant,
    IdempotentRequest,
    ProjectFacts,
    StoredFile,
)
from shared.facts.errors import DomainError
from shared.facts.identity import Principal, PrincipalKind, bind_principal, unbind_principal
from shared.persistence.db import RecordNotFound
from shared.persistence.idempotent_calls import IdempotentCalls
from shared.runtime.error_translation import record_not_found
from tests.persistence.service_databases import migrated_sessions

MADE_UP = "no-such-id-0000"
OUTSIDER = Principal(kind=PrincipalKind.USER, subject="u-outsider", company_id="c-outsider")
INSIDER = Principal(kind=PrincipalKind.USER, subject="u-insider", company_id="c-up")
_UNUSED: Any = None  # a collaborator the calls under test never reach
# Storage the calls never reach; the use cases only ask, when built, where uploads go.
_LOCAL_FILES: Any = SimpleNamespace(uploads_go_to_bucket=False)


class StatementLog:
    """Every statement an engine sends while ``recording``, as normalized SQL text."""

    def __init__(self, engine: Engine):
        self.statements: list[str] | None = None
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if self.statements is not None:
            self.statements.append(re.sub(r"\s+", " ", statement).strip())

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        self.statements = []
        try:
            yield self.statements
        finally:
            self.statements = None


def _refusal(call: Callable[[], Any], caller: Principal) -> tuple[grpc.StatusCode, str]:
    """The status code and reason ``call`` answers ``caller`` with (as the wire would)."""
    token = bind_principal(caller)
    try:
        call()
    except RecordNotFound as error:  # translated at the server's edge
        translated = record_not_found(error.kind, error.record_id)
        return translated.code, translated.reason
    except DomainError as error:
        return error.code, error.reason
    finally:
        unbind_principal(token)
    return grpc.StatusCode.OK, ""


def _answered(call: Callable[[], Any], caller: Principal) -> Any:
    token = bind_principal(caller)
    try:
        return call()
    finally:
        unbind_principal(token)


def _assert_same_statements(
    log: StatementLog,
    real: Callable[[], Any],
    made_up: Callable[[], Any],
    caller: Principal = OUTSIDER,
) -> list[str]:
    """Both refused alike, through the same statements (answered)."""
    with log.recording() as for_real:
        real_answer = _refusal(real, caller)
    with log.recording() as for_made_up:
        made_up_answer = _refusal(made_up, caller)
    assert real_answer == made_up_answer
    assert real_answer[0] is grpc.StatusCode.NOT_FOUND
    assert for_real == for_made_up
    assert for_real  # the lookups ran (and were recorded) at all
    return for_real


# The drawing service: GetDrawingRevision, GetRevisionDownload, ListDrawingRevisions


def _seed_drawings(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(
            ProjectFacts(
                project_id="p-up",
                company_id="c-up",
                name="Tower",
                active=True,
                outside_applications_allowed=True,
            )
        )
        session.add(StoredFile(sha256="a" * 64, size_bytes=10, content_type="application/pdf"))
        session.flush()
        session.add(DrawingsGrant(project_id="p-up", user_id=INSIDER.subject, level="read_only"))
        session.add(DrawingArea(id="area", project_id="p-up", name="Arch"))
        session.add(DrawingSet(id="set", project_id="p-up", name="IFC"))
        session.flush()
        session.add(
            Drawing(id="d", project_id="p-up", area_id="area", number="A-1", discipline="A")
        )
        session.flush()
        # "rev-draft" is hidden from a read_only user such as the insider (R26), as if it
        # did not exist.
        for sequence, (revision_id, status) in enumerate(
            (("rev", "published"), ("rev-draft", "unpublished")), start=1
        ):
            session.add(
                DrawingRevision(
                    id=revision_id,
                    project_id="p-up",
                    drawing_id="d",
                    set_id="set",
                    drawing_date=date(2026, 1, 4 + sequence),
                    drawing_sequence=sequence,
                    file_sha256="a" * 64,
                    file_name="A-1.pdf",
                    status=status,
                    current=status == "published",
                )
            )


@pytest.fixture
def drawing_service(database_url: str) -> Iterator[tuple[DrawingServicer, StatementLog]]:
    with migrated_sessions(database_url, "drawing") as sessions:
        _seed_drawings(sessions)
        feed = ChangeFeed(sessions)
        servicer = DrawingServicer(
            drawing_use_cases(sessions, feed, _LOCAL_FILES, lambda: None),
            IdempotentCalls(sessions, IdempotentRequest),
        )
        yield servicer, StatementLog(cast(Engine, sessions.kw["bind"]))


def test_drawing_reads_of_a_real_and_a_made_up_id_run_the_same_statements(
    drawing_service: tuple[DrawingServicer, StatementLog],
) -> None:
    servicer, log = drawing_service
    context: Any = _UNUSED
    # The ids are real: the insider reads them.
    found = _answered(
        lambda: servicer.GetDrawingRevision(
            dpb.GetDrawingRevisionRequest(revision_id="rev"), context
        ),
        INSIDER,
    )
    assert found.revision.id == "rev"
    listed = _answered(
        lambda: servicer.ListDrawingRevisions(
            dpb.ListDrawingRevisionsRequest(project_id="p-up"), context
        ),
        INSIDER,
    )
    assert [revision.id for revision in listed.revisions] == ["rev"]

    def get_revision(revision_id: str) -> Callable[[], Any]:
        request = dpb.GetDrawingRevisionRequest(revision_id=revision_id)
        return lambda: servicer.GetDrawingRevision(request, context)

    def get_download(revision_id: str) -> Callable[[], Any]:
        request = dpb.GetRevisionDownloadRequest(revision_id=revision_id)
        return lambda: servicer.GetRevisionDownload(request, context)

    def list_revisions(project_id: str) -> Callable[[], Any]:
        request = dpb.ListDrawingRevisionsRequest(project_id=project_id)
        return lambda: servicer.ListDrawingRevisions(request, context)

    # A Get reads the revision and the access check in one statement (SQLite's deferred
    # BEGIN aside): nothing else to tell a hidden revision from a missing one by.
    statements = _assert_same_statements(log, get_revision("rev"), get_revision(MADE_UP))
    assert [statement for statement in statements if statement != "BEGIN"][1:] == []
    _assert_same_statements(log, get_revision("rev-draft"), get_revision(MADE_UP), INSIDER)
    _assert_same_statements(log, get_download("rev"), get_download(MADE_UP))
    _assert_same_statements(log, list_revisions("p-up"), list_revisions(MADE_UP))


# The connection service: GetConnection, GetSyncState, GetProject


def _seed_directory(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for company_id in ("c-up", "c-down", "c-outsider"):
            session.add(Company(id=company_id, name=company_id, file_storage_location="us"))
        session.flush()
        session.add(Project(id="p-up", company_id="c-up", name="Tower"))
        session.add(Project(id="p-down", company_id="c-down", name="Fit-out"))
        for user in (INSIDER, OUTSIDER):
            session.add(
                User(
                    id=user.subject,
                    company_id=user.company_id,
                    email=f"{user.subject}@example.com",
                    display_name=user.subject,
                )
            )
        session.flush()
        session.add(
            ConnectionManagerGrant(project_id="p-up", user_id=INSIDER.subject, level="read_only")
        )
        session.add(
            Connection(
                id="conn",
                upstream_project_id="p-up",
                upstream_company_id="c-up",
                downstream_project_id="p-down",
                downstream_company_id="c-down",
                state="active",
                requested_by_user_id=INSIDER.subject,
                state_changed_by_user_id=INSIDER.subject,
            )
        )


@pytest.fixture
def connection_service(database_url: str) -> Iterator[tuple[ConnectionServicer, StatementLog]]:
    with migrated_sessions(database_url, "connection") as sessions:
        _seed_directory(sessions)

        def unit_of_work() -> ConnectionUnitOfWork:
            return ConnectionUnitOfWork(sessions)

        servicer = ConnectionServicer(
            _UNUSED,
            DirectoryUseCases(unit_of_work, _UNUSED, _UNUSED),
            _UNUSED,
            _UNUSED,
            Connections(unit_of_work, _UNUSED, ConnectionRuleSettings(), _UNUSED),
            SyncStates(unit_of_work, _UNUSED),
        )
        yield servicer, StatementLog(cast(Engine, sessions.kw["bind"]))


def test_connection_reads_of_a_real_and_a_made_up_id_run_the_same_statements(
    connection_service: tuple[ConnectionServicer, StatementLog],
) -> None:
    servicer, log = connection_service
    context: Any = _UNUSED
    # The ids are real: the insider reads them.
    found = _answered(
        lambda: servicer.GetConnection(cpb.GetConnectionRequest(connection_id="conn"), context),
        INSIDER,
    )
    assert found.connection.id == "conn"
    project = _answered(
        lambda: servicer.GetProject(cpb.GetProjectRequest(project_id="p-down"), context),
        Principal(kind=PrincipalKind.USER, subject=INSIDER.subject, company_id="c-down"),
    )
    assert project.project.id == "p-down"

    def get_connection(connection_id: str) -> Callable[[], Any]:
        request = cpb.GetConnectionRequest(connection_id=connection_id)
        return lambda: servicer.GetConnection(request, context)

    def get_sync_state(connection_id: str) -> Callable[[], Any]:
        request = cpb.GetSyncStateRequest(connection_id=connection_id)
        return lambda: servicer.GetSyncState(request, context)

    def get_project(project_id: str) -> Callable[[], Any]:
        request = cpb.GetProjectRequest(project_id=project_id)
        return lambda: servicer.GetProject(request, context)

    def list_connections(project_id: str) -> Callable[[], Any]:
        request = cpb.ListConnectionsRequest(project_id=project_id)
        return lambda: servicer.ListConnections(request, context)

    _assert_same_statements(log, get_connection("conn"), get_connection(MADE_UP))
    _assert_same_statements(log, get_sync_state("conn"), get_sync_state(MADE_UP))
    _assert_same_statements(log, get_project("p-down"), get_project(MADE_UP))
    _assert_same_statements(log, list_connections("p-up"), list_connections(MADE_UP))


def test_a_reader_lists_a_projects_connections_in_one_statement(
    connection_service: tuple[ConnectionServicer, StatementLog],
) -> None:
    """The reader's level and the page in one round trip; the page still pages."""
    servicer, log = connection_service
    context: Any = _UNUSED
    request = cpb.ListConnectionsRequest(project_id="p-up")
    with log.recording() as statements:
        listed = _answered(lambda: servicer.ListConnections(request, context), INSIDER)
    assert [connection.id for connection in listed.connections] == ["conn"]
    assert [statement for statement in statements if statement != "BEGIN"] == statements[-1:]
