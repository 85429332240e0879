"""The rules of a project's drawing areas, sets and drawings.

- Area names are unique in a project, compared casefolded, connected copies included, so
  that no two areas of a project read alike. (Copies are written by the sync engine, which
  keeps an upstream area's name even when a local area has it already.)
- Drawing numbers are unique within their area, compared exactly.
- Set names need not be unique: sets are told apart by their date.
- Connected copies are read-only downstream (R17): their synced metadata follows the
  upstream, and no drawing is created in a connected area.

Plain Python: the stored names and numbers are looked up in ``store/catalog_repository.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from services.drawing.domain.revision_states import SetConnectionState
from shared.facts.errors import ErrorReason, FailedPrecondition


class AreaRow(Protocol):
    id: str
    connection_id: str | None


class SetRow(Protocol):
    connection_state: str


class DrawingRow(Protocol):
    number: str
    connection_id: str | None


def refuse_if_connected(connected: bool, what: str) -> None:
    if connected:
        raise FailedPrecondition(
            ErrorReason.CONNECTED_CONTENT_READ_ONLY,
            f"This {what} is a connected copy: it follows its upstream project and cannot be "
            "edited here.",
        )


def require_editable_area(area: AreaRow) -> None:
    refuse_if_connected(area.connection_id is not None, "drawing area")


def require_editable_set(drawing_set: SetRow) -> None:
    refuse_if_connected(
        drawing_set.connection_state != SetConnectionState.NOT_CONNECTED, "drawing set"
    )


def require_editable_drawing(drawing: DrawingRow) -> None:
    refuse_if_connected(drawing.connection_id is not None, "drawing")


def require_area_takes_drawings(area: AreaRow) -> None:
    """A connected area holds the upstream's drawings only."""
    require_editable_area(area)


def area_name_taken(
    wanted: str, areas: Iterable[tuple[str, str]], renamed_id: str | None = None
) -> bool:
    """True when another of ``areas`` (id, name) has the name ``wanted``, casefolded.

    An area being renamed (``renamed_id``) does not clash with itself: a change of case
    alone is allowed.
    """
    folded = wanted.casefold()
    return any(area_id != renamed_id and name.casefold() == folded for area_id, name in areas)


def renumbers(drawing: DrawingRow, changes: Mapping[str, object]) -> bool:
    """True when ``changes`` give the drawing another number (whose uniqueness is checked)."""
    return "number" in changes and changes["number"] != drawing.number


def apply_changes(row: Any, changes: Mapping[str, object], now: datetime) -> bool:
    """Set the changed fields; True when anything actually changed (then ``updated_at``)."""
    changed = False
    for field, value in changes.items():
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    if changed:
        row.updated_at = now
    return changed
