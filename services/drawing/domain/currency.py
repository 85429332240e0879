"""Which published revision of a drawing is current, and which current one is outdated (R15).

The newest published, not withdrawn revision (by drawing date, then creation) is current:
the date a drawing bears says which sheet supersedes which, whatever order the files came
in. Downstream, a current revision of a connected drawing is *outdated* while a newer
connected copy waits unpublished: the downstream has not taken the upstream's news yet.

Plain Python over anything shaped like a revision row: the ORM row, or a dataclass in tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol, TypeVar

from services.drawing.domain.revision_states import RevisionStatus


class DatedRevision(Protocol):
    """What the currency rules read of a revision, and the flag they write."""

    id: str
    drawing_id: str
    status: str
    withdrawn: bool
    current: bool
    drawing_date: date
    created_at: datetime
    connection_id: str | None


R = TypeVar("R", bound=DatedRevision)


def currency_order(revision: DatedRevision) -> tuple[date, datetime]:
    """The newer a revision by this key, the sooner it supersedes its siblings."""
    return (revision.drawing_date, revision.created_at)


def may_be_current(revision: DatedRevision) -> bool:
    return revision.status == RevisionStatus.PUBLISHED and not revision.withdrawn


def newest_current(published: Iterable[R]) -> R | None:
    """The revision that should be current among a drawing's published ones, if any."""
    candidates = [revision for revision in published if may_be_current(revision)]
    return max(candidates, key=currency_order, default=None)


def make_newest_current(published: Sequence[R]) -> R | None:
    """Flag the newest published, not withdrawn revision current and no other; return it."""
    newest = newest_current(published)
    for revision in published:
        revision.current = newest is not None and revision.id == newest.id
    return newest


def make_chosen_current(chosen: DatedRevision, published: Iterable[DatedRevision]) -> None:
    """An admin's choice overrides the dates: ``chosen`` alone is current among them."""
    for sibling in published:
        sibling.current = sibling.id == chosen.id


def may_be_outdated(revision: DatedRevision) -> bool:
    """Only a current revision can be outdated; the others need no look at their siblings."""
    return revision.current and may_be_current(revision)


def is_newer_waiting_copy(candidate: DatedRevision, current: DatedRevision) -> bool:
    """A connected copy of the same drawing, unpublished, not withdrawn, and newer."""
    return (
        candidate.drawing_id == current.drawing_id
        and candidate.connection_id is not None
        and candidate.status == RevisionStatus.UNPUBLISHED
        and not candidate.withdrawn
        and currency_order(candidate) > currency_order(current)
    )


def is_outdated(revision: DatedRevision, siblings: Iterable[DatedRevision]) -> bool:
    """True when ``revision`` is current while a newer connected copy waits unpublished."""
    return may_be_outdated(revision) and any(
        is_newer_waiting_copy(sibling, revision) for sibling in siblings
    )
