"""Markups and custom fields on a revision (R16, R26), over a fake unit of work: who may add
them, and that a caller who cannot see the revision learns nothing from a bad request."""

from __future__ import annotations

import grpc
import pytest

from services.drawing.domain.revision_states import RevisionStatus
from services.drawing.use_cases.annotations import AnnotationUseCases, MarkupFields
from shared.facts.errors import DomainError, ErrorReason, InvalidArgument
from shared.facts.identity import Principal, PrincipalKind
from tests.domain.drawing.fakes import FakeRevision, FakeUnitOfWork

ANN = Principal(PrincipalKind.USER, "ann", company_id="c-tower")
PLATFORM = Principal(PrincipalKind.PLATFORM, "platform")
A_CIRCLE = MarkupFields(kind="circle", data='{"r": 4}')


def _circle() -> MarkupFields:
    return A_CIRCLE


def _bad_fields() -> MarkupFields:
    raise InvalidArgument(ErrorReason.MISSING_FIELD, "markup.kind is required.")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    fake.projects.add("tower")
    fake.projects.add("closed", active=False)
    fake.revisions.rows["r-1"] = FakeRevision("r-1", "tower", RevisionStatus.PUBLISHED)
    fake.revisions.rows["r-old"] = FakeRevision("r-old", "closed", RevisionStatus.PUBLISHED)
    return fake


@pytest.fixture
def use_cases(uow: FakeUnitOfWork) -> AnnotationUseCases:
    return AnnotationUseCases(uow.as_real)


def _refused(call: object, *args: object) -> tuple[grpc.StatusCode, str]:
    assert callable(call)
    with pytest.raises(DomainError) as refused:
        call(*args)
    return refused.value.code, refused.value.reason


def test_a_standard_user_marks_up_a_revision_as_themself(
    uow: FakeUnitOfWork, use_cases: AnnotationUseCases
) -> None:
    uow.grants.set_level("tower", "ann", "standard")
    markup = use_cases.add_markup(ANN, "r-1", _circle)
    assert (markup.author_user_id, markup.kind) == ("ann", "circle")
    assert uow.committed
    assert [m.id for m in use_cases.markups(ANN, "r-1", 0, "")[0]] == [markup.id]


def test_a_system_is_named_as_the_author_of_its_markups(
    use_cases: AnnotationUseCases,
) -> None:
    assert use_cases.add_markup(PLATFORM, "r-1", _circle).author_user_id == "platform:platform"


def test_a_read_only_user_reads_markups_but_adds_none(
    uow: FakeUnitOfWork, use_cases: AnnotationUseCases
) -> None:
    uow.grants.set_level("tower", "ann", "read_only")
    assert use_cases.markups(ANN, "r-1", 0, "") == ([], "")
    assert _refused(use_cases.add_markup, ANN, "r-1", _circle) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "DRAWINGS_STANDARD_REQUIRED",
    )


def test_nothing_is_added_to_an_inactive_project(
    uow: FakeUnitOfWork, use_cases: AnnotationUseCases
) -> None:
    uow.grants.set_level("closed", "ann", "admin")
    assert _refused(use_cases.add_markup, ANN, "r-old", _circle)[1] == "PROJECT_INACTIVE"
    assert _refused(use_cases.set_custom_field, ANN, "r-old", lambda: "Room", "12")[1] == (
        "PROJECT_INACTIVE"
    )


def test_an_outsiders_bad_request_answers_like_any_request_of_theirs(
    use_cases: AnnotationUseCases,
) -> None:
    # The fields are checked only once the caller may act: no INVALID_ARGUMENT tells an
    # outsider that the revision exists.
    assert _refused(use_cases.add_markup, ANN, "r-1", _bad_fields) == (
        grpc.StatusCode.NOT_FOUND,
        "REVISION_NOT_FOUND",
    )


def test_an_admin_sets_and_clears_a_custom_field(
    uow: FakeUnitOfWork, use_cases: AnnotationUseCases
) -> None:
    uow.grants.set_level("tower", "ann", "admin")
    assert use_cases.set_custom_field(ANN, "r-1", lambda: "Room", "12") == "Room"
    assert uow.annotations.fields == {("r-1", "Room"): "12"}
    use_cases.set_custom_field(ANN, "r-1", lambda: "Room", "")
    assert uow.annotations.fields == {}


def test_custom_fields_are_set_by_admins_only(
    uow: FakeUnitOfWork, use_cases: AnnotationUseCases
) -> None:
    uow.grants.set_level("tower", "ann", "standard")
    assert _refused(use_cases.set_custom_field, ANN, "r-1", lambda: "Room", "12")[1] == (
        "DRAWINGS_ADMIN_REQUIRED"
    )
    assert uow.annotations.fields == {}
