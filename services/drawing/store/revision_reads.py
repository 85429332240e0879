"""Revisions as read replies carry them: one statement answers a Get, one a page of a List.

The hot read paths answer rows, not ORM entities: a statement built once (here, at import)
selects each revision's columns together with what its message adds: the drawing's area,
the stored file's size, and whether a newer connected copy waits unpublished (R15's
*outdated*, whose rules are ``domain/currency.py``'s). Loading entities, and one query per
row for the area and the file, was most of the time a read took (docs/benchmarks.md).
"""

from __future__ import annotations

from collections import namedtuple
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, inspect, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.domain import currency
from services.drawing.domain.revision_states import RevisionStatus
from services.drawing.store import models
from services.drawing.store.resource_messages import revision_message_of
from shared.facts.project_facts import ProjectFacts
from shared.persistence.core_reads import read_rows
from shared.persistence.etags import StoredFields
from shared.persistence.paging import PagedQuery, ascending
from shared.persistence.project_facts_registry import FACT_COLUMNS, facts_of

_mapper = inspect(models.DrawingRevision)
# The revision's own columns, labelled as the ORM names them (the etag digests those names).
_FIELDS = tuple(attribute.key for attribute in _mapper.column_attrs)
_revisions = models.DrawingRevision.__table__
_drawings = models.Drawing.__table__
_files = models.StoredFile.__table__
_newer = _revisions.alias("newer")

# currency.is_newer_waiting_copy, over the table: a connected copy of the same drawing,
# unpublished, not withdrawn, newer by (drawing date, creation).
_NEWER_COPY_WAITS = exists().where(
    _newer.c.drawing_id == _revisions.c.drawing_id,
    # Implied (a drawing's revisions are all of its project), and lets the (project,
    # status) index find the project's few unpublished revisions when it is chosen.
    _newer.c.project_id == _revisions.c.project_id,
    # ``|| ''`` keeps NULL NULL, so this is ``connection_id IS NOT NULL``, but no index can
    # answer it: with statistics not yet gathered after a bulk load, PostgreSQL scanned all
    # the copies (through the copies' index) for each row, 33 ms of a 37 ms page, rather
    # than the drawing's few revisions (1.7 ms now; 1.4 ms with fresh statistics).
    _newer.c.connection_id.concat("").is_not(None),
    _newer.c.status == RevisionStatus.UNPUBLISHED.value,
    _newer.c.withdrawn.is_(False),
    or_(
        _newer.c.drawing_date > _revisions.c.drawing_date,
        and_(
            _newer.c.drawing_date == _revisions.c.drawing_date,
            _newer.c.created_at > _revisions.c.created_at,
        ),
    ),
)

_FILE_SIZE = (
    select(_files.c.size_bytes).where(_files.c.sha256 == _revisions.c.file_sha256).scalar_subquery()
)

# Every column a revision's message needs; Get and List narrow it.
ANSWERED = (
    select(
        *(_mapper.columns[field].label(field) for field in _FIELDS),
        func.coalesce(_drawings.c.area_id, "").label("area_id_"),
        # A subquery, not a join: PostgreSQL then reads the size of the page's rows only
        # (after the sort and the limit), not hashes every stored file first.
        func.coalesce(_FILE_SIZE, 0).label("size_bytes_"),
        _NEWER_COPY_WAITS.label("newer_copy_waits_"),
    )
    .select_from(_revisions)
    .outerjoin(_drawings, _drawings.c.id == _revisions.c.drawing_id)
)
# A row read into a named tuple: its fields read as fast as a tuple's (a Row's by name cost
# half a microsecond each, 20 a message); the revision's own fields come first.
_Answered = namedtuple("_Answered", [column.key for column in ANSWERED.selected_columns])  # type: ignore[misc]
_WIDTH = len(_Answered._fields)
_STORED = StoredFields(_FIELDS)


# A Get reads its access check in the same statement (one round trip, not two or three):
# the revision's project's facts, labelled with this prefix (the revision has columns of
# the same names), and the caller's grant there. They follow the message's columns, which
# ``message_of`` reads by position.
_FACTS_PREFIX = "project_"
_facts = models.ProjectFacts.__table__
_grants = models.DrawingsGrant.__table__
_CALLER_LEVEL = (
    select(_grants.c.level)
    .where(
        _grants.c.project_id == _revisions.c.project_id,
        _grants.c.user_id == bindparam("user_id"),
    )
    .scalar_subquery()
)
_BY_ID_WITH_ACCESS = (
    ANSWERED.add_columns(
        *(_facts.c[name].label(_FACTS_PREFIX + name) for name in FACT_COLUMNS),
        _CALLER_LEVEL.label("level_"),
    )
    .outerjoin(_facts, _facts.c.project_id == _revisions.c.project_id)
    .where(_revisions.c.id == bindparam("revision_id"))
)


# What each filter of a list compares, with its value as a parameter of the same name.
_FILTERED_BY = {
    "project_id": _revisions.c.project_id == bindparam("project_id"),
    "area_id": _drawings.c.area_id == bindparam("area_id"),
    "set_id": _revisions.c.set_id == bindparam("set_id"),
    "drawing_id": _revisions.c.drawing_id == bindparam("drawing_id"),
    "connection_id": _revisions.c.connection_id == bindparam("connection_id"),  # copies (R17)
    # the copies of one upstream revision
    "upstream_revision_id": _revisions.c.upstream_revision_id == bindparam("upstream_revision_id"),
    "status": _revisions.c.status == bindparam("status"),
}
# Ordered as people read a drawing log: by number, then each drawing's revisions in their
# upload order, which copies keep (R17).
_LOG_ORDER = (
    ascending(models.Drawing.number),
    ascending(models.Drawing.id),
    ascending(models.DrawingRevision.drawing_sequence),
    ascending(models.DrawingRevision.id),
)


@cache  # at most one per combination of filters (2**6: the project always filters)
def page_of(filtered_by: frozenset[str]) -> PagedQuery:
    """The pages of the revisions the filters named select, as rows ``message_of`` reads."""
    return PagedQuery(
        ANSWERED.where(*(_FILTERED_BY[name] for name in sorted(filtered_by))),
        _LOG_ORDER,
        whole_rows=True,
    )


def revision_with_access(session: Session, revision_id: str, user_id: str) -> Row[Any] | None:
    """The revision's row as ``message_of`` reads it, with its project's facts
    (``project_facts_of``) and ``user_id``'s Drawings grant there (``level_``, None when
    none); None when there is no such revision."""
    if not revision_id:
        return None
    parameters = {"revision_id": revision_id, "user_id": user_id}
    return read_rows(session, _BY_ID_WITH_ACCESS, parameters).first()


def project_facts_of(row: Row[Any]) -> ProjectFacts | None:
    """The facts ``revision_with_access`` read of the revision's project; None when the
    project is not known here."""
    if getattr(row, _FACTS_PREFIX + "project_id") is None:
        return None
    return facts_of(row, _FACTS_PREFIX)


def message_of(row: Row[Any]) -> pb.DrawingRevision:
    answered: Any = _Answered._make(row[:_WIDTH])  # a page's rows end in their sort keys
    outdated = currency.may_be_outdated(answered) and bool(answered.newer_copy_waits_)
    etag = _STORED.etag(answered)  # the revision's fields lead the row
    return revision_message_of(answered, answered.area_id_, answered.size_bytes_, outdated, etag)
