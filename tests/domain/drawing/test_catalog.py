"""The rules of areas, sets and drawings: names, numbers, and what connected copies refuse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from services.drawing.domain import catalog_rules
from services.drawing.domain.revision_states import SetConnectionState
from shared.facts.errors import DomainError
from tests.domain.drawing.revision_fakes import LATER, T0

AREAS = [("arch", "Architecture"), ("struct", "Structural"), ("copy", "MEP (from upstream)")]


@pytest.mark.parametrize(
    ("wanted", "renamed_id", "taken"),
    [
        ("Landscape", None, False),
        ("Architecture", None, True),
        ("ARCHITECTURE", None, True),  # compared casefolded: names must not read alike
        ("mep (FROM upstream)", None, True),  # a connected copy's name counts too
        ("Architecture", "arch", False),  # an area keeps its own name
        ("architecture", "arch", False),  # a change of case alone is a rename to itself
        ("Structural", "arch", True),  # but not another area's name
    ],
)
def test_area_names_are_unique_in_a_project_whatever_their_case(
    wanted: str, renamed_id: str | None, taken: bool
) -> None:
    assert catalog_rules.area_name_taken(wanted, AREAS, renamed_id) is taken


def test_area_names_fold_beyond_ascii() -> None:
    assert catalog_rules.area_name_taken("STRASSE", [("a", "Straße")])
    assert not catalog_rules.area_name_taken("Strasse Nord", [("a", "Straße")])


@dataclass
class Area:
    id: str = "arch"
    connection_id: str | None = None


@dataclass
class DrawingSet:
    connection_state: str = SetConnectionState.NOT_CONNECTED.value


@dataclass
class Drawing:
    number: str = "A-101"
    connection_id: str | None = None


def refusal_of(check: Callable[[], None]) -> str | None:
    try:
        check()
    except DomainError as refused:
        return refused.reason
    return None


READ_ONLY = "CONNECTED_CONTENT_READ_ONLY"


@pytest.mark.parametrize(
    ("check", "reason"),
    [
        (lambda: catalog_rules.require_editable_area(Area()), None),
        (lambda: catalog_rules.require_editable_area(Area(connection_id="link-1")), READ_ONLY),
        (lambda: catalog_rules.require_area_takes_drawings(Area()), None),
        (lambda: catalog_rules.require_area_takes_drawings(Area(connection_id="l")), READ_ONLY),
        (lambda: catalog_rules.require_editable_drawing(Drawing()), None),
        (lambda: catalog_rules.require_editable_drawing(Drawing(connection_id="l")), READ_ONLY),
        (lambda: catalog_rules.require_editable_set(DrawingSet()), None),
        (lambda: catalog_rules.require_editable_set(DrawingSet("connected")), READ_ONLY),
        # A set that was connected stays read-only after its connection ended.
        (lambda: catalog_rules.require_editable_set(DrawingSet("disconnected")), READ_ONLY),
    ],
)
def test_connected_copies_are_read_only_downstream(
    check: Callable[[], None], reason: str | None
) -> None:
    assert refusal_of(check) == reason


@pytest.mark.parametrize(
    ("changes", "renumbers"),
    [
        ({"number": "A-102"}, True),
        ({"number": "A-101"}, False),  # the same number: nothing to check
        ({"title": "Ground floor"}, False),
        ({}, False),
    ],
)
def test_only_a_new_number_is_checked_for_uniqueness(
    changes: dict[str, object], renumbers: bool
) -> None:
    assert catalog_rules.renumbers(Drawing(), changes) is renumbers


@dataclass
class Row:
    name: str = "Architecture"
    description: str = ""
    updated_at: object = T0


def test_an_edit_that_changes_nothing_leaves_the_row_untouched() -> None:
    row = Row()
    assert catalog_rules.apply_changes(row, {"name": "Architecture"}, LATER) is False
    assert row.updated_at == T0
    assert catalog_rules.apply_changes(row, {"name": "Arch", "description": ""}, LATER) is True
    assert (row.name, row.updated_at) == ("Arch", LATER)
